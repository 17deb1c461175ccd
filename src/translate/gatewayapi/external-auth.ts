/**
 * An ExternalAuth configuration (GEP-1494's HTTPExternalAuthFilter) as Envoy's ext_authz: its
 * backend resolved like any backendRef (ReferenceGrants across namespaces, BackendTLSPolicy, an
 * HTTP/2 cluster for the gRPC protocol), and its settings in the IR. Shared by a listener's
 * pre-routing filters (`listeners/listener-filters.ts`) and a route rule's filter
 * (`routes/rule-external-auth.ts`).
 */
import { createHash } from 'node:crypto';
import type { IrCluster, IrExtAuthz, IrRouteExtAuthz } from '../../ir/types.js';
import type { ExternalAuthRead } from '../../resources/read/external-auth.js';
import type { KubeObject } from '../../resources/types.js';
import type { BackendFailureReason } from './backend-result.js';
import { resolveBackendRef, unreadableBackendRef } from './backends.js';
import type { TranslationContext } from './context.js';

export type ExternalAuthResult =
  | { ok: true; config: IrExtAuthz; cluster: IrCluster }
  | { ok: false; reason: BackendFailureReason; message: string; quiet?: boolean };

/** Resolves the authorization server `referrer` (a route, a Gateway, a ListenerSet) names. */
export function resolveExternalAuth(
  ctx: TranslationContext,
  referrer: KubeObject,
  auth: ExternalAuthRead,
): ExternalAuthResult {
  const { protocol, path, forwardBodyMaxSize: maxSize } = auth;
  const resolved = auth.backendRef.valid
    ? resolveBackendRef(ctx, referrer, auth.backendRef.result, protocol === 'GRPC' ? 'grpc' : 'http')
    : unreadableBackendRef(auth.backendRef.errors);
  if (!resolved.ok) return resolved;
  const config: IrExtAuthz = {
    type: 'extAuthz',
    protocol,
    clusterName: resolved.cluster.name,
    allowedHeaders: auth.allowedHeaders,
    allowedResponseHeaders: auth.allowedResponseHeaders,
  };
  if (path !== undefined && path !== '') config.pathPrefix = path;
  // forwardBody.maxSize 0: "the body will not be forwarded".
  if (maxSize !== undefined && maxSize > 0) config.forwardBodyMaxBytes = maxSize;
  return { ok: true, config, cluster: resolved.cluster };
}

/**
 * A route rule's configuration named by what it is: `extauthz/<cluster>/<digest of the settings>`.
 * Equal configurations get one name (one filter in the chain, whichever routes use it); the name
 * does not depend on where or in which order rules carry it. A SecurityPolicy's filters sit
 * elsewhere in the chain (before rbac), so theirs are named under `security/` (`prefix`).
 */
export function routeExtAuthz(config: IrExtAuthz, prefix = 'extauthz'): IrRouteExtAuthz {
  const settings: unknown[] = [
    config.protocol,
    config.clusterName,
    config.pathPrefix ?? null,
    config.allowedHeaders,
    config.allowedResponseHeaders,
    config.forwardBodyMaxBytes ?? null,
  ];
  // Only when set: the names of configurations without them stay what they were.
  const policyOnly = [config.failOpen, config.onlyListedResponseHeaders, config.refuseLongerBody];
  if (policyOnly.some((x) => x !== undefined)) settings.push(policyOnly.map((x) => x ?? null));
  const digest = createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 8);
  return { name: `${prefix}/${config.clusterName}/${digest}`, ...config };
}
