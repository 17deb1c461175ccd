/**
 * SecurityPolicy (gateway.portico.dev/v1alpha1, Envoy Gateway's field names), read: what it
 * targets, and the access control it asks for, section by section.
 *
 * Targets are read one by one: a targetRef of a kind Portico cannot attach to is reported on that
 * target alone. The access control is valid or not as a whole (`features`): a policy with a section
 * that does not read, or that Portico does not implement yet, cannot be applied, and is then not
 * ignored but applied closed (its targets answer 500), so that a policy meant to protect a route
 * never leaves it open.
 *
 * Seam for the features: each section has its reader in `SECTION_READERS` and its typed reading in
 * `SecurityFeatures`; a section still in `NOT_YET_SUPPORTED` makes the policy Invalid, naming it.
 * A feature moves its section from the second to the first.
 */
import {
  readPolicyTargets,
  TARGET_FIELDS,
  type PolicyTargetRef,
  type PolicyTargets,
  type PolicyTargetSelector,
  type UnsupportedTarget,
} from './policy-targets.js';
import { readOnce } from './read-once.js';
import { readAuthorization, type AuthorizationRead } from './security-authorization.js';
import { readExtAuth, type ExtAuthRead } from './security-ext-auth.js';
import { readBasicAuth, type BasicAuthRead } from './security-basic-auth.js';
import { readApiKeyAuth, type ApiKeyAuthRead } from './security-api-key-auth.js';
import { readOidc, type OidcRead } from './security-oidc.js';
import { readJwt, type JwtRead } from './security-jwt.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

/** The kinds a SecurityPolicy attaches to (sectionName: a listener of the first two, a rule name of routes). */
export const SECURITY_TARGET_KINDS = ['Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute'] as const;
export type SecurityTargetKind = (typeof SECURITY_TARGET_KINDS)[number];
export type SecurityTargetRef = PolicyTargetRef<SecurityTargetKind>;
export type SecurityTargetSelector = PolicyTargetSelector<SecurityTargetKind>;
export type { UnsupportedTarget };

/** The access control a policy asks for, section by section (absent: the section is not set). */
export interface SecurityFeatures {
  authorization?: AuthorizationRead;
  extAuth?: ExtAuthRead;
  basicAuth?: BasicAuthRead;
  apiKeyAuth?: ApiKeyAuthRead;
  oidc?: OidcRead;
  jwt?: JwtRead;
}

export interface ValidatedSecurityPolicy extends PolicyTargets<SecurityTargetKind> {
  /** Every problem of the spec outside its targets, with its path. */
  features: ValidationResult<SecurityFeatures>;
}

type SectionReaders = {
  [K in keyof SecurityFeatures]-?: (value: unknown) => ValidationResult<NonNullable<SecurityFeatures[K]>>;
};

/** The sections Portico translates, each with its reader. */
const SECTION_READERS: SectionReaders = {
  authorization: readAuthorization,
  extAuth: readExtAuth,
  basicAuth: readBasicAuth,
  apiKeyAuth: readApiKeyAuth,
  oidc: readOidc,
  jwt: readJwt,
};

/**
 * Sections of the CRD (Envoy Gateway's) not translated yet: a policy that sets one is Invalid and
 * its targets are closed, never served without the authentication it asks for.
 */
export const NOT_YET_SUPPORTED: readonly string[] = [];

export const readSecurityPolicy: (policy: { spec?: unknown }) => ValidatedSecurityPolicy = readOnce((spec) => {
  const fields = fieldsOf(spec) ?? {};
  const targets = readPolicyTargets(fields, SECURITY_TARGET_KINDS, 'SecurityPolicy');
  return {
    ...targets,
    features: withRecomputeRouteChecked(readFeatures(spec, fields), [
      ...targets.targetRefs,
      ...targets.targetSelectors,
    ]),
  };
});

/**
 * `jwt.providers[].recomputeRoute` only on a policy that targets Gateways, ListenerSets or their
 * listeners. Envoy builds a request's filter chain from the route it first matches: a request
 * re-routed after jwt_authn skips the authentication filters of the route it lands on. A route's
 * owner could so route requests carrying their own token past another tenant's route's checks on
 * the same hostname; a listener's owner is trusted with every route on it.
 */
function withRecomputeRouteChecked(
  features: ValidationResult<SecurityFeatures>,
  targets: readonly { kind: SecurityTargetKind }[],
): ValidationResult<SecurityFeatures> {
  if (!features.valid) return features;
  const onRoutes = targets.some((t) => t.kind === 'HTTPRoute' || t.kind === 'GRPCRoute');
  const providers = features.result.jwt?.providers ?? [];
  const errors: FieldError[] = providers.flatMap((p, i) =>
    onRoutes && p.recomputeRoute
      ? [
          {
            path: `spec.jwt.providers[${i}].recomputeRoute`,
            message: `jwt.providers[${i}].recomputeRoute is taken only on a policy that targets Gateways, ListenerSets or listeners: a request re-routed after authentication skips the checks of the route it lands on, which on a route's policy would let it pass another route's authentication`,
          },
        ]
      : [],
  );
  return errors.length > 0 ? { valid: false, errors } : features;
}

function readFeatures(spec: unknown, fields: Record<string, unknown>): ValidationResult<SecurityFeatures> {
  if (fieldsOf(spec) === undefined)
    return { valid: false, errors: [{ path: 'spec', message: 'spec must be an object' }] };
  const problems: FieldError[] = [];
  const features: SecurityFeatures = {};
  for (const [field, value] of Object.entries(fields)) {
    if (TARGET_FIELDS.has(field) || value === undefined || value === null) continue;
    if (field in SECTION_READERS) {
      const read = SECTION_READERS[field as keyof SecurityFeatures](value);
      if (read.valid) (features as Record<string, unknown>)[field] = read.result;
      else problems.push(...read.errors);
    } else if (NOT_YET_SUPPORTED.includes(field)) {
      problems.push({ path: `spec.${field}`, message: `${field} is not supported yet` });
    } else {
      problems.push({ path: `spec.${field}`, message: `${field} is not a SecurityPolicy field Portico supports` });
    }
  }
  return problems.length > 0 ? { valid: false, errors: problems } : valid(features);
}
