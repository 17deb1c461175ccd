/**
 * Access control on a route: the effective SecurityPolicy of a route entry, after precedence
 * (route rule > route > listener > ListenerSet > Gateway; GEP-713), with what each of its sections
 * asks of Envoy. One policy applies to a route, whole: sections are never merged across policies.
 *
 * Seam for the features: each section Portico implements is one optional field here (its IR),
 * one HTTP filter kind (`IrHttpFilterKind`) installed when some route of the connection manager
 * uses it, and the filter's per-route configuration (`src/translate/xds/security-filters.ts`).
 * A policy that cannot be applied never reaches this type: stage 1 answers its routes itself
 * (a direct 500), so they are closed rather than served unprotected.
 */

import type { IrJwt, IrJwtPrincipal } from './security-jwt.js';

export type * from './security-jwt.js';

/** An IP range; Envoy masks the address to the prefix. */
export interface IrCidr {
  address: string;
  prefixLength: number;
}

/** One authorization rule: every condition given must hold for it to match. */
export interface IrAuthorizationRule {
  /** The rule's name (unique in its policy). */
  name: string;
  action: 'Allow' | 'Deny';
  /** The client address (the connection's peer: X-Forwarded-For is not trusted) is in one of them. */
  clientCidrs?: IrCidr[];
  /** Each header (lowercase name) carries exactly one of its values. */
  headers?: { name: string; values: string[] }[];
  /** The token a provider of the policy verified carries these claims and scopes. */
  jwt?: IrJwtPrincipal;
}

/** Ordered rules: the first that matches decides, else `defaultAction`. Envoy's rbac filter; a denial is a 403. */
export interface IrAuthorization {
  defaultAction: 'Allow' | 'Deny';
  rules: IrAuthorizationRule[];
}

export interface IrSecurity {
  /** `<namespace>/<name>` of the SecurityPolicy. */
  policy: string;
  authorization?: IrAuthorization;
  jwt?: IrJwt;
}
