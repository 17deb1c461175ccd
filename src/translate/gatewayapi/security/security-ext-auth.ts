/**
 * A SecurityPolicy's `extAuth` as IR: its authorization server resolved as an HTTPRoute's
 * ExternalAuth server is (`resolveExternalAuth`: ReferenceGrants from the SecurityPolicy across
 * namespaces, BackendTLSPolicy, an HTTP/2 cluster for gRPC), and its settings as the ext_authz
 * configuration that filter shares, with what Envoy Gateway's ExtAuth adds: `failOpen`,
 * `headersToBackend` (none when empty) and a body limit that refuses longer bodies (413).
 *
 * A server that does not resolve closes the policy (its routes answer 500), `failOpen` or not:
 * `failOpen` lets requests through when a resolved server cannot be reached or fails, never when
 * the policy cannot be applied (Envoy Gateway then bypasses the check: docs/spec-decisions.md).
 */
import type { IrCluster, IrExtAuthz, IrRouteExtAuthz } from '../../../ir/types.js';
import type { SecurityPolicy } from '../../../resources/types.js';
import type { ExtAuthRead } from '../../../resources/read/security-ext-auth.js';
import { valid } from '../../../resources/read/validation-result.js';
import type { TranslationContext } from '../context.js';
import { resolveExternalAuth, routeExtAuthz } from '../external-auth.js';

/** Where a policy's ext_authz filters are named (`security/extauthz/<cluster>/<digest>`). */
const FILTER_PREFIX = 'security/extauthz';

/** `SectionIr<'extAuth'>` of `security-ir.ts` (spelled out: that module imports this one). */
export type ExtAuthIr = { ok: true; ir: IrRouteExtAuthz; clusters?: IrCluster[] } | { ok: false; message: string };

export function extAuthIr(read: ExtAuthRead, ctx: TranslationContext, policy: SecurityPolicy): ExtAuthIr {
  const resolved = resolveExternalAuth(ctx, policy, {
    protocol: read.protocol,
    backendRef: valid(read.backendRef),
    path: read.path,
    allowedHeaders: read.headersToExtAuth,
    allowedResponseHeaders: read.headersToBackend,
    forwardBodyMaxSize: read.maxRequestBytes,
  });
  if (!resolved.ok) {
    return {
      ok: false,
      message: `extAuth.${read.protocol === 'GRPC' ? 'grpc' : 'http'}.backendRefs[0]: ${resolved.message}`,
    };
  }
  const config: IrExtAuthz = { ...resolved.config };
  if (read.failOpen) config.failOpen = true;
  if (read.protocol === 'HTTP') config.onlyListedResponseHeaders = true;
  else config.allowedResponseHeaders = [];
  if (config.forwardBodyMaxBytes !== undefined) config.refuseLongerBody = true;
  return { ok: true, ir: routeExtAuthz(config, FILTER_PREFIX), clusters: [resolved.cluster] };
}
