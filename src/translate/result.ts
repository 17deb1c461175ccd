/** What `translate()` gives: per Gateway its IR and Envoy resources, and every object with its status. */
import type { KubeObject } from '../resources/types.js';
import type { IrGateway } from '../ir/types.js';
import type { XdsResources } from './xds/types.js';

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
