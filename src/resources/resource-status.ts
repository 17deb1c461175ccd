/**
 * An object reduced to what its status is about: identity, the generation the status was computed
 * for, and the status. What `portico translate` prints (and the golden files pin) and what
 * `/debug/status` and the status writer read are this one shape.
 */
import type { KubeObject } from './kube-object.js';

export interface ResourceStatus {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  status?: unknown;
}

export function resourceStatus(object: KubeObject): ResourceStatus {
  const { name, namespace, generation } = object.metadata;
  const metadata: ResourceStatus['metadata'] = { name };
  if (namespace !== undefined) metadata.namespace = namespace;
  if (generation !== undefined) metadata.generation = generation;
  const out: ResourceStatus = { apiVersion: object.apiVersion, kind: object.kind, metadata };
  if (object.status !== undefined) out.status = object.status;
  return out;
}
