/**
 * Everything Portico serves is fetched over the one ADS stream the Envoy opened, so every
 * reference from one resource to another (RDS, EDS, SDS) uses this config source.
 */
import type { EnvoyMessage } from './types.js';

export function adsConfigSource(): EnvoyMessage {
  return { ads: {}, resource_api_version: 'V3' };
}
