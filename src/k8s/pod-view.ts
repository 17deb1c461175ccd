/**
 * Pods reach the store only as what an XBackend's EndpointSelector reads (labels, addresses,
 * readiness), and an update that changes none of that is not forwarded: a cluster's Pods change
 * status far more often than their endpoints do, and every forwarded change costs a translation.
 */
import type { KubeObject, Pod } from '../resources/types.js';

/** The part of a Pod Portico keeps. */
export function podView(pod: KubeObject): Pod {
  const meta = pod.metadata as KubeObject['metadata'] & { deletionTimestamp?: string };
  const status = (pod.status ?? {}) as Pod['status'] & object;
  const view: Pod = {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: {
      name: meta.name,
      ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
      ...(meta.uid !== undefined ? { uid: meta.uid } : {}),
      ...(meta.resourceVersion !== undefined ? { resourceVersion: meta.resourceVersion } : {}),
      ...(meta.labels !== undefined ? { labels: meta.labels } : {}),
      ...(meta.deletionTimestamp !== undefined ? { deletionTimestamp: meta.deletionTimestamp } : {}),
    } as Pod['metadata'],
    status: {
      ...(status.phase !== undefined ? { phase: status.phase } : {}),
      ...(status.podIP !== undefined ? { podIP: status.podIP } : {}),
      ...(Array.isArray(status.podIPs) ? { podIPs: status.podIPs.map((p) => ({ ip: p.ip })) } : {}),
      conditions: (Array.isArray(status.conditions) ? status.conditions : [])
        .filter((c) => c?.type === 'Ready')
        .map((c) => ({ type: c.type, status: c.status })),
    },
  };
  return view;
}

/** What of a Pod's view matters to endpoints; equal keys mean an update can be dropped. */
export function podViewKey(view: Pod): string {
  const { resourceVersion: _rv, ...meta } = view.metadata;
  return JSON.stringify([meta, view.status]);
}
