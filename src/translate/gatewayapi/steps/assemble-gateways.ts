/**
 * Step: per Gateway, its status and its ListenerSets', and for an accepted one its IR: listeners,
 * virtual hosts, clusters and secrets.
 */
import { listenerSetStatus } from '../listeners/listener-sets.js';
import { buildGatewayIr } from '../assembly/gateway-ir.js';
import { gatewayStatus } from '../status/gateway-status.js';
import type { TranslationRun } from './run.js';

export function assembleGateways(run: TranslationRun): void {
  const { ctx, options, memory, statuses } = run;
  for (const state of run.gateways.values()) {
    statuses.set(state.gateway, gatewayStatus(ctx, state));
    for (const set of state.listenerSets) statuses.set(set.object, listenerSetStatus(ctx, state, set));
    if (!state.accepted) continue;
    const ir = buildGatewayIr(state, options.listenerAddress ?? '0.0.0.0', memory);
    run.irs.push(state.infrastructure ? { ...ir, infrastructure: state.infrastructure } : ir);
  }
}
