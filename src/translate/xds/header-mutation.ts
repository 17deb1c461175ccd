/**
 * Gateway API header modifiers as Envoy `*_headers_to_add` / `*_headers_to_remove`, for routes
 * and for weighted clusters (backend-level filters).
 */
import type { IrHeaderMutation } from '../../ir/types.js';
import type { EnvoyMessage } from './types.js';

/**
 * Envoy rejects the whole RouteConfiguration if a header mutation names a pseudo-header or
 * `host` ("not modifiable"). The Gateway API stage should have refused those with a status;
 * dropping them here keeps one bad filter from taking every route of the Gateway down.
 */
function isModifiable(name: string): boolean {
  const lower = name.toLowerCase();
  return !lower.startsWith(':') && lower !== 'host';
}

function headersToAdd(mutation: IrHeaderMutation): EnvoyMessage[] {
  const option = (name: string, value: string, appendAction: string): EnvoyMessage => ({
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
): EnvoyMessage {
  if (!mutation) return {};
  const out: EnvoyMessage = {};
  const add = headersToAdd(mutation);
  const remove = mutation.remove.filter(isModifiable);
  if (add.length > 0) out[`${direction}_headers_to_add`] = add;
  if (remove.length > 0) out[`${direction}_headers_to_remove`] = remove;
  return out;
}

export function hasHeaderMutation(mutation: IrHeaderMutation | undefined): boolean {
  return !!mutation && mutation.set.length + mutation.add.length + mutation.remove.length > 0;
}
