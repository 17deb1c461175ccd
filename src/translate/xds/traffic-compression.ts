/**
 * BackendTrafficPolicy `compressor` in Envoy: one compressor filter per algorithm and minimum
 * length in the connection manager, each installed disabled, and turned on per route by a
 * CompressorPerRoute (`overrides` with a response direction: compress responses). A route without
 * the policy never reaches a compressor, whatever its client accepts. Envoy compresses a response
 * only when the request's Accept-Encoding allows the algorithm, the response is not already
 * encoded, is at least the minimum length, and has a compressible content type (Envoy's default list).
 */
import type { IrCompression, IrHttpFilterKind } from '../../ir/types.js';
import {
  BROTLI_COMPRESSOR,
  COMPRESSOR,
  COMPRESSOR_PER_ROUTE,
  GZIP_COMPRESSOR,
  ZSTD_COMPRESSOR,
} from '../../proto/type-urls.js';
import type { envoy, PerFilterConfig } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
type Algorithm = IrCompression['type'];

const LIBRARY: Record<
  Algorithm,
  { name: string; typeUrl: typeof GZIP_COMPRESSOR | typeof BROTLI_COMPRESSOR | typeof ZSTD_COMPRESSOR }
> = {
  Gzip: { name: 'envoy.compression.gzip.compressor', typeUrl: GZIP_COMPRESSOR },
  Brotli: { name: 'envoy.compression.brotli.compressor', typeUrl: BROTLI_COMPRESSOR },
  Zstd: { name: 'envoy.compression.zstd.compressor', typeUrl: ZSTD_COMPRESSOR },
};

/** `envoy.filters.http.compressor.gzip`, `envoy.filters.http.compressor.brotli.min-1024`. */
export function compressorFilterName(c: IrCompression): string {
  const base = `envoy.filters.http.compressor.${c.type.toLowerCase()}`;
  return c.minContentLength === undefined ? base : `${base}.min-${c.minContentLength}`;
}

/** The compression a `compressor:<type>[:<min>]` filter kind stands for. */
function compressionOfKind(kind: IrHttpFilterKind): IrCompression | undefined {
  const [prefix, type, min] = kind.split(':');
  if (prefix !== 'compressor' || !(type! in LIBRARY)) return undefined;
  return { type: type as Algorithm, ...(min === undefined ? {} : { minContentLength: Number(min) }) };
}

/** The compressor filters of a connection manager, each off until a route turns it on. */
export function compressorFilters(kinds: readonly IrHttpFilterKind[]): HttpFilter[] {
  const filters: HttpFilter[] = [];
  for (const kind of kinds) {
    const c = compressionOfKind(kind);
    if (!c) continue;
    const library = LIBRARY[c.type];
    const typed: envoy.extensions.filters.http.compressor.v3.Compressor = {
      compressor_library: { name: library.name, typed_config: { '@type': library.typeUrl } },
    };
    if (c.minContentLength !== undefined)
      typed.response_direction_config = { common_config: { min_content_length: { value: c.minContentLength } } };
    filters.push({ name: compressorFilterName(c), disabled: true, typed_config: { '@type': COMPRESSOR, ...typed } });
  }
  return filters;
}

export function compressionPerRoute(compression: readonly IrCompression[], config: PerFilterConfig): void {
  for (const c of compression) {
    config[compressorFilterName(c)] = {
      '@type': COMPRESSOR_PER_ROUTE,
      overrides: { response_direction_config: {} },
    };
  }
}
