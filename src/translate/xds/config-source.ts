/**
 * Everything Portico serves is fetched over the one ADS stream the Envoy opened, so every
 * reference from one resource to another (RDS, EDS, SDS) uses this config source.
 */
import type { envoy } from './types.js';

export function adsConfigSource(): envoy.config.core.v3.ConfigSource {
  return { ads: {}, resource_api_version: 'V3' };
}
