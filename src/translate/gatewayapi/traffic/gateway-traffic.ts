/** What the IR assembly asks of a Gateway's BackendTrafficPolicies (`steps/traffic.ts` answers). */
import type { IrRoute } from '../../../ir/types.js';
import type { ListenerState } from '../listeners/listener-state.js';
import type { TrafficVerdict } from './traffic-ir.js';

export interface GatewayTraffic {
  /**
   * The verdict of the policy that applies to `route` on `listener`, or undefined when none does.
   * The same object for the same policy object (the IR assembly compares parts by identity).
   */
  verdictOf(listener: ListenerState, route: IrRoute): TrafficVerdict | undefined;
  /** The same for a TCPRoute or UDPRoute (`<kind>/<namespace>/<name>`) on `listener` (`traffic-l4.ts`). */
  l4VerdictOf(listener: ListenerState, routeKey: string): TrafficVerdict | undefined;
}
