/**
 * What `/debug/status` shows: the status Portico computed for every Gateway API object, with each
 * Gateway's `Programmed` condition taken from what its Envoys actually did (ACK or NACK of the
 * current snapshot), plus the errors the pipeline collected instead of throwing.
 */
import type { Condition, KubeObject } from '../resources/types.js';
import type { ResourceStatus } from '../resources/resource-status.js';
import type { GatewayKey, ProxyTracker } from '../xds/contract.js';
import { errorMessage } from '../shared/error-message.js';

export interface PipelineError {
  /** The stage that reported it: `translate`, `publish`, `status`. */
  stage: string;
  message: string;
  gateway?: GatewayKey;
}

export interface StatusReport {
  /** Whether the provider's initial state has been translated and published. */
  synced: boolean;
  resources: ResourceStatus[];
  errors: PipelineError[];
  warnings: string[];
}

export const EMPTY_STATUS_REPORT: StatusReport = { synced: false, resources: [], errors: [], warnings: [] };

/**
 * Replaces the translator's `Programmed` of each served Gateway by what its proxies report. The
 * translator can only say "translated"; the spec's Programmed means the data plane has it. A
 * Gateway the translator already marked not programmed keeps that condition.
 */
export function withProgrammedFromProxies(
  resources: readonly KubeObject[],
  served: ReadonlySet<GatewayKey>,
  tracker: ProxyTracker,
  previous: readonly ResourceStatus[],
  now: string,
): KubeObject[] {
  return resources.map((object) => {
    if (object.kind !== 'Gateway') return object;
    const key = `${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
    const status = object.status as { conditions?: Condition[] } | undefined;
    const computed = status?.conditions?.find((c) => c.type === 'Programmed');
    if (!served.has(key) || !status?.conditions || computed?.status !== 'True') return object;

    const fromProxies = proxyProgrammedCondition(tracker, key);
    const before = previousCondition(previous, object, 'Programmed');
    const unchanged = before?.status === fromProxies.status && before.reason === fromProxies.reason;
    const replaced: Condition = {
      ...computed,
      ...fromProxies,
      lastTransitionTime: unchanged && before?.lastTransitionTime ? before.lastTransitionTime : now,
    };
    const conditions = status.conditions.map((c) => (c.type === 'Programmed' ? replaced : c));
    return { ...object, status: { ...status, conditions } };
  });
}

function proxyProgrammedCondition(
  tracker: ProxyTracker,
  gateway: GatewayKey,
): Pick<Condition, 'status' | 'reason' | 'message'> {
  let state: ReturnType<ProxyTracker['programmed']>;
  try {
    state = tracker.programmed(gateway);
  } catch (err) {
    state = { state: 'pending', message: `proxy state unavailable: ${errorMessage(err)}` };
  }
  switch (state.state) {
    case 'programmed':
      return {
        status: 'True',
        reason: 'Programmed',
        message: 'Every connected Envoy of the Gateway has ACKed the current configuration',
      };
    case 'pending':
      return { status: 'False', reason: 'Pending', message: state.message };
    case 'rejected':
      return { status: 'False', reason: 'Invalid', message: `Envoy rejected the configuration: ${state.message}` };
  }
}

function previousCondition(
  previous: readonly ResourceStatus[],
  object: KubeObject,
  type: string,
): Condition | undefined {
  const match = previous.find(
    (p) =>
      p.kind === object.kind &&
      p.metadata.name === object.metadata.name &&
      p.metadata.namespace === object.metadata.namespace,
  );
  const conditions = (match?.status as { conditions?: Condition[] } | undefined)?.conditions;
  return Array.isArray(conditions) ? conditions.find((c) => c.type === type) : undefined;
}
