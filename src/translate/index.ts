/**
 * The whole pure translation: ResourceSet → (IR → Envoy resources) per Gateway, plus statuses;
 * and the endpoint refresh, which answers a change of EndpointSlices only without translating
 * again. Both may keep memory between runs in one `TranslationCache` (`incremental/`); output is
 * the same with or without it.
 */
import type { ResourceSet } from '../resources/types.js';
import { translateGatewayApi, type TranslateOptions as GatewayApiOptions } from './gatewayapi/index.js';
import { translateGatewayToXds } from './xds/index.js';
import { TranslationCache } from './incremental/cache.js';
import {
  refreshClusterEndpoints,
  type EndpointRefresh,
  type ServiceEndpoints,
} from './incremental/endpoint-refresh.js';
import type { GatewayOutput, TranslationResult } from './result.js';

export { TranslationCache };
export type { EndpointRefresh, ServiceEndpoints };
export type { GatewayOutput, TranslationResult } from './result.js';

export type TranslateOptions = Omit<GatewayApiOptions, 'memory'> & {
  cache?: TranslationCache;
};

export function translate(resources: ResourceSet, options: TranslateOptions = {}): TranslationResult {
  const { cache, ...rest } = options;
  const {
    gateways,
    resources: withStatus,
    nextCertificateChange,
  } = translateGatewayApi(resources, cache ? { ...rest, memory: cache } : rest);
  return {
    gateways: gateways.map((ir) => ({ name: ir.name, ir, xds: translateGatewayToXds(ir, cache?.xds) })),
    resources: withStatus,
    ...(nextCertificateChange ? { nextCertificateChange } : {}),
  };
}

/**
 * The last outputs with fresh endpoints for the clusters of `changed` (Services, by
 * `<namespace>/<name>`, whose EndpointSlices alone changed, as they are now): only their
 * ClusterLoadAssignments are replaced, every other object is the same. Undefined when only a full
 * translation can tell (a changed Service is part of a combined, session-persistence cluster).
 */
export function refreshEndpoints(
  previous: readonly GatewayOutput[],
  changed: ReadonlyMap<string, ServiceEndpoints>,
  cache?: TranslationCache,
): EndpointRefresh | undefined {
  return refreshClusterEndpoints(previous, changed, cache?.endpointPositions);
}
