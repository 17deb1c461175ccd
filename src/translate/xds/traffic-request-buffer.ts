/**
 * BackendTrafficPolicy `requestBuffer` in Envoy: one buffer filter in the connection manager,
 * installed disabled, and turned on per route with the route's limit (BufferPerRoute): Envoy
 * reads the whole request body before forwarding it, and answers 413 to one larger than the limit.
 */
import type { IrHttpFilterKind } from '../../ir/types.js';
import { BUFFER, BUFFER_PER_ROUTE } from '../../proto/type-urls.js';
import type { envoy, PerFilterConfig } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

export const BUFFER_FILTER = 'envoy.filters.http.buffer';

export function bufferFilters(kinds: readonly IrHttpFilterKind[]): HttpFilter[] {
  if (!kinds.includes('buffer')) return [];
  // Envoy requires a limit (above 0) even on a disabled filter; every route that turns it on sets its own.
  return [{ name: BUFFER_FILTER, disabled: true, typed_config: { '@type': BUFFER, max_request_bytes: { value: 1 } } }];
}

export function requestBufferPerRoute(buffer: { maxBytes: number }, config: PerFilterConfig): void {
  config[BUFFER_FILTER] = { '@type': BUFFER_PER_ROUTE, buffer: { max_request_bytes: { value: buffer.maxBytes } } };
}
