/**
 * What a SecurityPolicy asks of the routes it applies to: its IR (`IrSecurity`) with the clusters
 * it needs (authorization servers, JWKS servers), or, when it cannot be applied (a section that
 * does not read or is not implemented yet, a Secret or backend that does not resolve), `closed`,
 * with why: its routes then answer 500 instead of being served without the access control meant
 * for them.
 *
 * Seam for the features: a section's typed reading (`SecurityFeatures`) becomes its IR in
 * `SECTION_IR`, one function per section. A section whose references must resolve (Secrets,
 * ConfigMaps, backends) looks them up through the context it is given and returns `refused`
 * (with why) when one does not: the policy is then closed.
 *
 * A verdict is remembered per policy object while every lookup it made holds (`remembered-verdict.ts`).
 */
import type { IrAuthorization, IrCluster, IrSecret, IrSecurity } from '../../../ir/types.js';
import type { SecurityPolicy } from '../../../resources/types.js';
import { readSecurityPolicy, type SecurityFeatures } from '../../../resources/read/security-policy.js';
import type { AuthorizationRead } from '../../../resources/read/security-authorization.js';
import { extAuthIr } from './security-ext-auth.js';
import { apiKeyAuthIr, basicAuthIr } from './security-credentials-ir.js';
import { rememberedVerdict } from '../policy/remembered-verdict.js';
import type { TranslationContext } from '../context.js';
import { oidcIr } from './security-oidc.js';
import { jwtIr, jwtPrincipalProblem } from './security-jwt.js';

export type SecurityVerdict =
  | {
      type: 'applied';
      ir: IrSecurity;
      clusters: readonly IrCluster[];
      /** Secrets served over SDS (an OIDC client secret, its HMAC key). */
      secrets: readonly IrSecret[];
      /** Said in the Accepted condition: what of the policy Envoy is not given (an htpasswd entry it cannot check). */
      warnings?: readonly string[];
    }
  | { type: 'closed'; message: string };

export { policyKey } from '../policy/policy-key.js';
import { policyKey } from '../policy/policy-key.js';

/**
 * What one section contributes: its IR field, with the clusters it needs, or why it cannot be
 * applied.
 */
export type SectionIr<K extends keyof IrSecurity> =
  | { ok: true; ir: IrSecurity[K]; clusters?: IrCluster[]; secrets?: IrSecret[]; warnings?: string[] }
  | { ok: false; message: string };

type SectionIrs = {
  [K in keyof SecurityFeatures]-?: (
    read: NonNullable<SecurityFeatures[K]>,
    ctx: TranslationContext,
    policy: SecurityPolicy,
  ) => SectionIr<K & keyof IrSecurity>;
};

/** Each section Portico translates, from its reading to its IR. */
const SECTION_IR: SectionIrs = {
  authorization: (read, _ctx, policy) => {
    const problem = jwtPrincipalProblem(read, policy);
    return problem ? { ok: false, message: problem } : { ok: true, ir: authorizationIr(read) };
  },
  extAuth: extAuthIr,
  basicAuth: basicAuthIr,
  apiKeyAuth: apiKeyAuthIr,
  oidc: oidcIr,
  jwt: jwtIr,
};

const SECTIONS = Object.keys(SECTION_IR) as (keyof SecurityFeatures)[];
const NONE: readonly never[] = [];

/** Worked out from the policy and the lookups it makes in `ctx`. */
export function computeVerdict(ctx: TranslationContext, policy: SecurityPolicy): SecurityVerdict {
  const features = readSecurityPolicy(policy).features;
  if (!features.valid) return { type: 'closed', message: features.errors.map((e) => e.message).join('; ') };
  const ir: IrSecurity = { policy: policyKey(policy) };
  // Most policies need no cluster, Secret or warning: nothing is allocated for them.
  let clusters: Map<string, IrCluster> | undefined;
  let secrets: Map<string, IrSecret> | undefined;
  let problems: string[] | undefined;
  let warnings: string[] | undefined;
  for (const section of SECTIONS) {
    const read = features.result[section];
    if (read === undefined) continue;
    const toIr = SECTION_IR[section] as (r: unknown, c: TranslationContext, p: SecurityPolicy) => SectionIr<never>;
    const out = toIr(read, ctx, policy);
    if (!out.ok) {
      (problems ??= []).push(out.message);
      continue;
    }
    (ir as unknown as Record<string, unknown>)[section] = out.ir;
    for (const c of out.clusters ?? []) (clusters ??= new Map()).set(c.name, c);
    if (out.warnings && out.warnings.length > 0) (warnings ??= []).push(...out.warnings);
    for (const s of out.secrets ?? []) (secrets ??= new Map()).set(s.name, s);
  }
  if (problems) return { type: 'closed', message: problems.join('; ') };
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : 1);
  return {
    type: 'applied',
    ir,
    clusters: clusters ? [...clusters.values()].sort(byName) : NONE,
    secrets: secrets ? [...secrets.values()].sort(byName) : NONE,
    ...(warnings ? { warnings } : {}),
  };
}

/** The policy's verdict: last run's object while every lookup it made still holds. */
export function securityVerdict(ctx: TranslationContext, policy: SecurityPolicy): SecurityVerdict {
  return rememberedVerdict(ctx, 'security-verdict', policy, computeVerdict);
}

function authorizationIr(read: AuthorizationRead): IrAuthorization {
  return {
    defaultAction: read.defaultAction,
    rules: read.rules.map((r) => {
      const rule: IrAuthorization['rules'][number] = { name: r.name, action: r.action };
      if (r.principal.clientCIDRs) rule.clientCidrs = r.principal.clientCIDRs;
      if (r.principal.headers) rule.headers = r.principal.headers;
      if (r.principal.jwt) rule.jwt = r.principal.jwt;
      return rule;
    }),
  };
}
