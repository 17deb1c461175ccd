/**
 * Gateway API → IR, as an ordered list of steps over one context (`steps/run.ts`):
 *   1. GatewayClasses: accept ours; Gateways of accepted classes: evaluate listeners (protocols,
 *      certificates, conflicts), with their ListenerSets.
 *   2. XTelemetryPolicies: which Gateways trace.
 *   3. Routes: attach to listeners through parentRefs, translate rules once per route; where two
 *      kinds claim the same hostname on a listener, the older route wins.
 *   4. Statuses of the policies and backends routes refer to.
 *   5. SecurityPolicies, then BackendTrafficPolicies: which one applies to each route entry (the
 *      most specific target, then the oldest).
 *   6. Per Gateway: its status, and its IR (listeners, virtual hosts, clusters and secrets); then
 *      each listener's ClientTrafficPolicy laid into its Envoy listener and chains; then the
 *      policies' statuses and the Affected condition on what they apply to.
 *   7. The output: IR, and every object Portico is responsible for with its status.
 * Pure: no I/O, no clock (the time for changed conditions is an argument).
 */
import type { ResourceSet } from '../../resources/types.js';
import { startRun, type GatewayApiTranslation, type TranslateOptions } from './steps/run.js';
import { acceptGateways } from './steps/accept-gateways.js';
import { applyTelemetryPolicies } from './steps/telemetry.js';
import { attachRoutes } from './steps/attach-routes.js';
import { reportPolicyStatuses } from './steps/policy-statuses.js';
import { assembleGateways } from './steps/assemble-gateways.js';
import { applySecurityPolicies, reportSecurityPolicies } from './steps/security.js';
import { applyTrafficPolicies, reportTrafficPolicies } from './steps/traffic.js';
import { applyClientTrafficPolicies, reportClientTrafficPolicies } from './steps/client-traffic.js';
import { translationOutput } from './steps/output.js';

export type { GatewayApiTranslation, TranslateOptions } from './steps/run.js';

export function translateGatewayApi(resources: ResourceSet, options: TranslateOptions = {}): GatewayApiTranslation {
  const run = startRun(resources, options);
  // What every route's outcome is decided against; the run's memory notes what it reads.
  run.memory.gatewaySide(run, acceptGateways);
  applyTelemetryPolicies(run);
  attachRoutes(run);
  reportPolicyStatuses(run);
  applySecurityPolicies(run);
  applyTrafficPolicies(run);
  assembleGateways(run);
  applyClientTrafficPolicies(run);
  reportSecurityPolicies(run);
  reportTrafficPolicies(run);
  reportClientTrafficPolicies(run);
  return translationOutput(run);
}
