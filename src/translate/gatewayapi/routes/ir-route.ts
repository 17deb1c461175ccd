/**
 * A new IR route, with every optional field of `IrRoute` present (undefined until set) in one
 * order. Every route object then has one shape (V8's hidden class), before and after the policies
 * set their fields on their copies (`{ ...route, security }` keeps the shape when the field is
 * already there). A field added only to some routes gives those routes another shape, and the
 * code reading routes (the connection manager's filters, the Envoy routes) slows down for all of
 * them: at 10,000 routes with a SecurityPolicy on each, the `security` field alone cost a third
 * of the translation's time.
 *
 * An undefined field reads as an absent one everywhere: JSON, YAML and `toEqual` leave it out.
 */
import type { IrRoute } from '../../../ir/types.js';

export function newIrRoute(
  name: string,
  source: IrRoute['source'],
  match: IrRoute['match'],
  action: IrRoute['action'],
): IrRoute {
  return {
    name,
    source,
    match,
    action,
    requestHeaders: undefined,
    responseHeaders: undefined,
    cors: undefined,
    sessionPersistence: undefined,
    extAuthz: undefined,
    security: undefined,
    traffic: undefined,
  };
}

/** A route's `source`, with its optional fields present in one order (see `newIrRoute`). */
export function newRouteSource(
  kind: string,
  namespace: string,
  name: string,
  rule: number,
  match: number,
  ruleName?: string,
): IrRoute['source'] {
  return { kind, namespace, name, rule, match, ruleName, backendRef: undefined };
}
