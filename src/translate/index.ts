/**
 * The whole pure translation: ResourceSet → (IR → Envoy resources) per Gateway, plus statuses.
 */
import type { KubeObject, ResourceSet } from '../resources/types.js';
import type { IrGateway } from '../ir/types.js';
import type { XdsResources } from './xds/types.js';
import { translateGatewayApi, type TranslateOptions } from './gatewayapi/index.js';
import { translateGatewayToXds } from './xds/index.js';

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
}

export type { TranslateOptions };

export function translate(resources: ResourceSet, options: TranslateOptions = {}): TranslationResult {
  const { gateways, resources: withStatus } = translateGatewayApi(resources, options);
  return {
    gateways: gateways.map((ir) => ({ name: ir.name, ir, xds: translateGatewayToXds(ir) })),
    resources: withStatus,
  };
}
