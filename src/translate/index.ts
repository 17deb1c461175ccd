/**
 * The whole pure translation: ResourceSet → (IR → Envoy resources) per Gateway, plus statuses.
 */
import type { KubeObject, ResourceSet } from '../resources/types.js';
import type { IrGateway } from '../ir/types.js';
import type { XdsResources } from './xds/types.js';
import { translateGatewayApi, type TranslateOptions as GatewayApiOptions } from './gatewayapi/index.js';
import { translateGatewayToXds } from './xds/index.js';
import { RouteMemo } from './gatewayapi/route-memo.js';
import { CompositeMemo } from './composite-memo.js';
import { XdsMemo } from './xds/memo.js';
import { StatusMemo } from './gatewayapi/status-memo.js';

/**
 * What a caller that translates again and again (the pipeline) keeps between runs, so that
 * unchanged routes are not translated, built or encoded again. Output is equal with or without it.
 */
export class TranslationCache {
  readonly routes = new RouteMemo();
  readonly assembly = new CompositeMemo();
  readonly xds = new XdsMemo();
  readonly statuses = new StatusMemo();
}

export type TranslateOptions = Omit<GatewayApiOptions, 'routeMemo' | 'assemblyMemo' | 'statusMemo'> & {
  cache?: TranslationCache;
};

export interface GatewayOutput {
  /** `<namespace>/<name>` */
  name: string;
  ir: IrGateway;
  xds: XdsResources;
}

export interface TranslationResult {
  gateways: GatewayOutput[];
  /** Every input Gateway API object (GatewayClass, Gateway, HTTPRoute, ReferenceGrant) with its computed status. */
  resources: KubeObject[];
  /** When statuses change with no change of input: a listener's certificate becomes valid or expires. */
  nextCertificateChange?: string;
}

export function translate(resources: ResourceSet, options: TranslateOptions = {}): TranslationResult {
  const { cache, ...rest } = options;
  cache?.xds.begin();
  cache?.assembly.begin();
  const {
    gateways,
    resources: withStatus,
    nextCertificateChange,
  } = translateGatewayApi(
    resources,
    cache ? { ...rest, routeMemo: cache.routes, assemblyMemo: cache.assembly, statusMemo: cache.statuses } : rest,
  );
  return {
    gateways: gateways.map((ir) => ({ name: ir.name, ir, xds: translateGatewayToXds(ir, cache?.xds) })),
    resources: withStatus,
    ...(nextCertificateChange ? { nextCertificateChange } : {}),
  };
}
