/**
 * A Pod's status, read: what an XBackend's EndpointSelector takes of it (phase, the Ready
 * condition, the addresses). A status that is not an object reads to undefined (no address, not
 * ready). A phase or podIP that is not a string is taken as absent; a podIPs entry or condition
 * that is not an object, a podIPs entry whose `ip` is not a string, and a condition whose `type`
 * is not a string are none; a condition's `status` that is not a string is absent (not True).
 *
 * Pods come by the thousand: a status written as the spec says reads to itself (no copy, no
 * memo); one with something of the wrong type, or a null for an absent field, reads to a copy.
 */
import { listInPlace } from './list-in-place.js';
import { fieldsOf } from './validation-result.js';

export interface PodConditionRead {
  readonly type: string;
  readonly status?: string;
}

export interface PodIpRead {
  readonly ip: string;
}

export interface PodStatusRead {
  readonly phase?: string;
  readonly podIP?: string;
  readonly podIPs?: readonly PodIpRead[];
  readonly conditions?: readonly PodConditionRead[];
}

export function readPodStatus(pod: { status?: unknown }): PodStatusRead | undefined {
  const fields = fieldsOf(pod.status);
  if (!fields) return undefined;
  const podIPs = listInPlace(fields.podIPs, readPodIp);
  const conditions = listInPlace(fields.conditions, readCondition);
  const { phase, podIP } = fields;
  if (
    podIPs === fields.podIPs &&
    conditions === fields.conditions &&
    (phase === undefined || typeof phase === 'string') &&
    (podIP === undefined || typeof podIP === 'string')
  )
    return fields as PodStatusRead;
  const copy: { -readonly [K in keyof PodStatusRead]: PodStatusRead[K] } = {};
  if (typeof phase === 'string') copy.phase = phase;
  if (typeof podIP === 'string') copy.podIP = podIP;
  if (podIPs !== undefined) copy.podIPs = podIPs;
  if (conditions !== undefined) copy.conditions = conditions;
  return copy;
}

function readPodIp(item: unknown): PodIpRead | undefined {
  const fields = fieldsOf(item);
  return typeof fields?.ip === 'string' ? (fields as unknown as PodIpRead) : undefined;
}

/** Only the first Ready condition counts: one with a status that is not a string is not True. */
function readCondition(item: unknown): PodConditionRead | undefined {
  const fields = fieldsOf(item);
  if (typeof fields?.type !== 'string') return undefined;
  if (fields.status === undefined || typeof fields.status === 'string') return fields as unknown as PodConditionRead;
  return { type: fields.type };
}
