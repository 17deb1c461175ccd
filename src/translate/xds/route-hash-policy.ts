/** A BackendTrafficPolicy's consistent hash key as Envoy's route hash_policy (its cluster is Maglev). */
import type { IrHashPolicy } from '../../ir/types.js';
import { durationFromMs } from './duration.js';
import type { envoy } from './types.js';

type HashPolicy = envoy.config.route.v3.RouteAction.HashPolicy;

export function hashPolicy(hash: IrHashPolicy): HashPolicy[] {
  if ('sourceIP' in hash) return [{ connection_properties: { source_ip: true } }];
  if ('header' in hash) return [{ header: { header_name: hash.header } }];
  const cookie: envoy.config.route.v3.RouteAction.HashPolicy.Cookie = { name: hash.cookie.name };
  // With a ttl Envoy sets the cookie on a client that has none (0: a session cookie); without one a
  // client without the cookie is not pinned.
  if (hash.cookie.ttlMs !== undefined) cookie.ttl = durationFromMs(hash.cookie.ttlMs);
  if (hash.cookie.attributes.length > 0) cookie.attributes = hash.cookie.attributes.map((a) => ({ ...a }));
  return [{ cookie }];
}
