/** What one section of a BackendTrafficPolicy contributes to its verdict (`traffic-ir.ts`). */
import type { IrCluster, IrClusterTraffic, IrRouteTraffic, IrSecret } from '../../../ir/types.js';

export type RouteFields = Omit<IrRouteTraffic, 'policy'>;
export type ClusterFields = Omit<IrClusterTraffic, 'policy'>;

/** What one section contributes, or why it cannot be applied. */
export type TrafficSectionIr =
  | {
      ok: true;
      route?: RouteFields;
      cluster?: ClusterFields;
      clusters?: IrCluster[];
      secrets?: IrSecret[];
      warnings?: string[];
    }
  | { ok: false; message: string };
