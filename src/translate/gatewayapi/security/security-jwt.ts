/**
 * A SecurityPolicy's `jwt` reading as IR: each provider's key set resolved (an inline set as it
 * is, a ConfigMap's read and checked, a remote URI given the cluster Envoy fetches it through),
 * and, for a connection manager, the `jwt` of every policy its routes use (one jwt_authn filter
 * holds every provider; a route names its policy's requirement).
 *
 * A remote key set is fetched through a cluster of its own, named by scheme, host and port (two
 * policies with the same server share it): an https URI is verified against the system's trust
 * store, with the host as SNI and as the name the certificate must carry (its DNS name; for an IP
 * address, no SNI and the address).
 */
import type { IrCluster, IrJwt, IrJwtAuthn, IrJwtProvider } from '../../../ir/types.js';
import type { SecurityPolicy } from '../../../resources/types.js';
import type { AuthorizationRead } from '../../../resources/read/security-authorization.js';
import { readSecurityPolicy } from '../../../resources/read/security-policy.js';
import { jwksProblem, type JwtProviderRead, type JwtRead } from '../../../resources/read/security-jwt.js';
import { systemTrustedTls } from '../backend-tls.js';
import { objectKey, type TranslationContext } from '../context.js';
import { checkCoreReference } from '../references/reference-grants.js';

/** The key a ConfigMap's key set is read from (Envoy Gateway's). */
export const JWKS_CONFIGMAP_KEY = 'jwks';

/** The section's IR with the clusters its remote key sets need, or why it cannot be applied (security-ir's SectionIr). */
export type JwtSectionIr = { ok: true; ir: IrJwt; clusters: IrCluster[] } | { ok: false; message: string };

export function jwtIr(read: JwtRead, ctx: TranslationContext, policy: SecurityPolicy): JwtSectionIr {
  const namespace = policy.metadata.namespace ?? 'default';
  const providers: IrJwtProvider[] = [];
  const clusters: IrCluster[] = [];
  const problems: string[] = [];
  for (const [i, p] of read.providers.entries()) {
    const jwks = resolveJwks(p, i, ctx, namespace, clusters);
    if (typeof jwks === 'string') {
      problems.push(jwks);
      continue;
    }
    providers.push({
      name: p.name,
      ...(p.issuer !== undefined ? { issuer: p.issuer } : {}),
      audiences: p.audiences,
      jwks,
      claimToHeaders: p.claimToHeaders,
      recomputeRoute: p.recomputeRoute,
      ...(p.extractFrom ? { extractFrom: p.extractFrom } : {}),
    });
  }
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  const ir: IrJwt = { providers, optional: read.optional, failOpen: read.failOpen };
  return { ok: true, ir, clusters };
}

function resolveJwks(
  p: JwtProviderRead,
  i: number,
  ctx: TranslationContext,
  namespace: string,
  clusters: IrCluster[],
): IrJwtProvider['jwks'] | string {
  const { jwks } = p;
  if (jwks.type === 'Inline') return { type: 'local', jwks: jwks.jwks };
  if (jwks.type === 'ValueRef') {
    const what = `jwt.providers[${i}].localJWKS.valueRef`;
    const check = checkCoreReference(
      ctx,
      { group: 'gateway.portico.dev', kind: 'SecurityPolicy', namespace },
      { group: '', kind: 'ConfigMap', name: jwks.configMap },
      'ConfigMap',
      what,
    );
    if (!check.ok) return check.message;
    const configMap = ctx.configMaps.get(objectKey(namespace, jwks.configMap));
    if (!configMap) return `${what}: ConfigMap ${check.label} not found`;
    const data = configMap.data ?? {};
    const keys = Object.keys(data);
    // The key `jwks`; else, as Envoy Gateway, the ConfigMap's value when it has only one.
    const text = data[JWKS_CONFIGMAP_KEY] ?? (keys.length === 1 ? data[keys[0]!] : undefined);
    if (text === undefined) {
      return `${what}: ConfigMap ${check.label} has no key "${JWKS_CONFIGMAP_KEY}" (and not exactly one key to use instead)`;
    }
    const bad = jwksProblem(text);
    if (bad) return `${what}: ConfigMap ${check.label}: ${bad}`;
    return { type: 'local', jwks: text };
  }
  const cluster = jwksCluster(jwks.scheme, jwks.host, jwks.port);
  clusters.push(cluster);
  return {
    type: 'remote',
    uri: jwks.uri,
    clusterName: cluster.name,
    ...(jwks.cacheDurationMs !== undefined ? { cacheDurationMs: jwks.cacheDurationMs } : {}),
  };
}

/** The cluster a remote key set is fetched through. */
export function jwksCluster(scheme: 'http' | 'https', host: string, port: number): IrCluster {
  const cluster: IrCluster = {
    name: `jwks/${scheme}/${host}/${port}`,
    source: { kind: 'RemoteJWKS', namespace: '', name: host, port },
    protocol: 'http1',
    endpoints: [],
    dns: { hostname: host, port },
  };
  if (scheme === 'https') cluster.tls = systemTrustedTls(host);
  return cluster;
}

/** The jwt_authn filter's policies for a connection manager, from each policy's providers (none: no filter). */
export function jwtAuthnOf(byPolicy: ReadonlyMap<string, IrJwt>): IrJwtAuthn {
  const policies = [...byPolicy.keys()].sort().map((policy) => ({ policy, jwt: byPolicy.get(policy)! }));
  return { policies };
}

/**
 * Why the authorization's `jwt` principals cannot be enforced (undefined when they can): each must
 * name a provider of the same policy's `jwt` (Envoy Gateway's rule), whose verified payload it reads.
 */
export function jwtPrincipalProblem(read: AuthorizationRead, policy: SecurityPolicy): string | undefined {
  if (!read.rules.some((r) => r.principal.jwt !== undefined)) return undefined;
  const features = readSecurityPolicy(policy).features;
  const providers = new Set(features.valid ? (features.result.jwt?.providers.map((p) => p.name) ?? []) : []);
  const problems: string[] = [];
  for (const [i, rule] of read.rules.entries()) {
    const provider = rule.principal.jwt?.provider;
    if (provider === undefined || providers.has(provider)) continue;
    problems.push(
      `authorization.rules[${i}].principal.jwt.provider ${provider} is not a provider of this policy's jwt (add it to jwt.providers)`,
    );
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}
