/**
 * Gateway API header modifiers as Envoy `*_headers_to_add` / `*_headers_to_remove`, for routes
 * and for weighted clusters (backend-level filters).
 */
import type { IrHeaderMutation } from '../../ir/types.js';
import type { envoy } from './types.js';

type HeaderValueOption = envoy.config.core.v3.HeaderValueOption;

/** The header fields a Route and a weighted cluster entry both have. */
export type HeaderMutationFields = Pick<
  envoy.config.route.v3.Route,
  'request_headers_to_add' | 'request_headers_to_remove' | 'response_headers_to_add' | 'response_headers_to_remove'
>;

/**
 * Envoy rejects the whole RouteConfiguration if a header mutation names a pseudo-header or
 * `host` ("not modifiable"). The Gateway API stage should have refused those with a status;
 * dropping them here keeps one bad filter from taking every route of the Gateway down.
 */
function isModifiable(name: string): boolean {
  const lower = name.toLowerCase();
  return !lower.startsWith(':') && lower !== 'host';
}

function headersToAdd(mutation: IrHeaderMutation): HeaderValueOption[] {
  const option = (
    name: string,
    value: string,
    appendAction: envoy.config.core.v3.HeaderValueOption.HeaderAppendAction,
  ): HeaderValueOption => ({
    header: { key: name, value },
    append_action: appendAction,
  });
  return [
    ...mutation.set
      .filter((h) => isModifiable(h.name))
      .map((h) => option(h.name, h.value, 'OVERWRITE_IF_EXISTS_OR_ADD')),
    ...mutation.add.filter((h) => isModifiable(h.name)).map((h) => option(h.name, h.value, 'APPEND_IF_EXISTS_OR_ADD')),
  ];
}

/** The `<direction>_headers_to_add` and `<direction>_headers_to_remove` fields, omitting empty ones. */
export function headerMutationFields(
  direction: 'request' | 'response',
  mutation: IrHeaderMutation | undefined,
): HeaderMutationFields {
  if (!mutation) return {};
  const out: HeaderMutationFields = {};
  const add = headersToAdd(mutation);
  const remove = mutation.remove.filter(isModifiable);
  if (add.length > 0) out[`${direction}_headers_to_add` as const] = add;
  if (remove.length > 0) out[`${direction}_headers_to_remove` as const] = remove;
  return out;
}

export function hasHeaderMutation(mutation: IrHeaderMutation | undefined): boolean {
  return !!mutation && mutation.set.length + mutation.add.length + mutation.remove.length > 0;
}
