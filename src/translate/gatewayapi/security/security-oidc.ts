/**
 * A SecurityPolicy's `oidc`, resolved: its client secret read from the Secret it names (allowed
 * across namespaces only by a ReferenceGrant), the cluster through which Envoy reaches the token
 * endpoint, and the two generic secrets Envoy's oauth2 filter takes over SDS only: the client
 * secret and the key that signs the filter's cookies.
 *
 * The cookie-signing (HMAC) key must be the same on every Envoy of the Gateway and across restarts
 * of Portico (a new key logs every user out), and differ per policy (a cookie one policy signed
 * must not pass another's check). It is derived, not stored: HMAC-SHA256 keyed with the client
 * secret over the policy's identity (namespace, name, uid). Safe because the key is as secret as
 * the client secret it comes from (which Envoy already holds, and which only Envoy and the
 * provider know), HMAC-SHA256 does not reveal its key from its output, the policy's identity
 * makes it differ per policy even for one client, and a new uid (the policy re-created) or a
 * rotated client secret gives a new key, as a new login would expect.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IrCluster, IrOidc, IrSecret } from '../../../ir/types.js';
import type { OidcRead } from '../../../resources/read/security-oidc.js';
import type { SecurityPolicy } from '../../../resources/types.js';
import { systemTrustedTls } from '../backend-tls.js';
import type { TranslationContext } from '../context.js';
import { checkCoreReference } from '../references/reference-grants.js';

export const OIDC_CLIENT_SECRET_KEY = 'client-secret';
const OAUTH2_FILTER = 'envoy.filters.http.oauth2';

function secretValue(secret: { data?: Record<string, string>; stringData?: Record<string, string> }, key: string) {
  const fromString = secret.stringData?.[key];
  if (typeof fromString === 'string') return fromString;
  const encoded = secret.data?.[key];
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
}

/** What the section gives `security-ir.ts` (its `SectionIr<'oidc'>`; not imported from there: no cycle). */
export type OidcIrResult =
  { ok: true; ir: IrOidc; clusters: IrCluster[]; secrets: IrSecret[] } | { ok: false; message: string };

export function oidcIr(read: OidcRead, ctx: TranslationContext, policy: SecurityPolicy): OidcIrResult {
  const namespace = policy.metadata.namespace ?? 'default';
  const name = policy.metadata.name;
  const from = { group: 'gateway.portico.dev', kind: 'SecurityPolicy', namespace };
  const check = checkCoreReference(ctx, from, read.clientSecret, 'Secret', 'oidc.clientSecret');
  if (!check.ok) return { ok: false, message: check.message };
  const secret = ctx.secrets.get(`${check.namespace}/${read.clientSecret.name}`);
  if (!secret) {
    return { ok: false, message: `oidc.clientSecret: Secret ${check.label} does not exist` };
  }
  const clientSecret = secretValue(secret, OIDC_CLIENT_SECRET_KEY);
  if (clientSecret === undefined || clientSecret === '') {
    return {
      ok: false,
      message: `oidc.clientSecret: Secret ${check.label} has no key ${OIDC_CLIENT_SECRET_KEY} (the client secret)`,
    };
  }

  const base = `securitypolicy/${namespace}/${name}/oidc`;
  const identity = `${namespace}/${name}/${policy.metadata.uid ?? ''}`;
  // Envoy Gateway names the cookies with a suffix of the policy, so that two policies on one host keep theirs apart.
  const suffix = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  const source = { kind: 'SecurityPolicy', namespace, name };
  const token = read.tokenEndpoint;
  const cluster: IrCluster = {
    name: `${base}/token-endpoint`,
    source: { ...source, port: token.port },
    protocol: 'http1',
    endpoints: [],
    dns: { hostname: token.hostname, port: token.port },
    // https: verified against the system's CAs, for the host the URL names.
    ...(token.scheme === 'https' ? { tls: systemTrustedTls(token.hostname) } : {}),
  };
  const hmacKey = createHmac('sha256', clientSecret).update(`portico/oauth2-hmac/${identity}`).digest('base64');
  const secrets: IrSecret[] = [
    { name: `${base}/client-secret`, source, generic: clientSecret },
    { name: `${base}/hmac`, source, generic: hmacKey },
  ];
  const ir: IrOidc = {
    filterName: `${OAUTH2_FILTER}/${namespace}/${name}`,
    clientId: read.clientId,
    authorizationEndpoint: read.authorizationEndpoint,
    tokenEndpoint: { uri: token.url, clusterName: cluster.name },
    redirectUri: read.redirectUrl,
    redirectPath: read.redirectPath,
    logoutPath: read.logoutPath,
    scopes: read.scopes,
    cookieNames: {
      bearerToken: read.cookieNames.accessToken ?? `AccessToken-${suffix}`,
      idToken: read.cookieNames.idToken ?? `IdToken-${suffix}`,
      oauthHmac: `OauthHMAC-${suffix}`,
      oauthExpires: `OauthExpires-${suffix}`,
      refreshToken: `RefreshToken-${suffix}`,
    },
    clientSecretName: secrets[0]!.name,
    hmacSecretName: secrets[1]!.name,
  };
  return { ok: true, ir, clusters: [cluster], secrets };
}
