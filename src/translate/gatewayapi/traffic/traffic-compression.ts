/**
 * `compressor` (and the deprecated `compression`) → Envoy's compressor filters turned on for the
 * policy's routes, one per algorithm, in the policy's order.
 */
import type { IrCompression, IrHttpFilterKind, IrRoute } from '../../../ir/types.js';
import type { CompressionRead } from '../../../resources/read/traffic-compression.js';
import type { TrafficSectionIr } from './traffic-section.js';

export function compressionIr(read: readonly CompressionRead[]): TrafficSectionIr {
  return { ok: true, route: { compression: read.map((c) => ({ ...c })) } };
}

/** The filter kind of one algorithm at one minimum length (the minimum is the filter's, not the route's). */
export function compressorKind(c: IrCompression): IrHttpFilterKind {
  return `compressor:${c.type}${c.minContentLength === undefined ? '' : `:${c.minContentLength}`}`;
}

/**
 * The route asks its backends for uncompressed responses (its request loses Accept-Encoding in the
 * router, after the compressors have read it), so that Envoy compresses them as the client accepts.
 */
export function withoutAcceptEncoding(route: IrRoute): IrRoute {
  const headers = route.requestHeaders ?? { set: [], add: [], remove: [] };
  if (headers.remove.some((h) => h.toLowerCase() === 'accept-encoding')) return route;
  return { ...route, requestHeaders: { ...headers, remove: [...headers.remove, 'accept-encoding'] } };
}
