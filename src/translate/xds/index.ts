/**
 * IR → Envoy v3 resources for one Gateway. Pure: no I/O, no clock, same input same output.
 */
import { edsNameOf } from '../../ir/eds-name.js';
import type { IrCluster, IrGateway } from '../../ir/types.js';
import { buildCluster } from './cluster.js';
import { buildClusterLoadAssignment } from './endpoint.js';
import { buildListener } from './listener.js';
import { buildRouteConfiguration } from './route.js';
import { buildSecret } from './secret.js';
import type { XdsResources } from './types.js';
import type { XdsMemo } from '../incremental/xds-memo.js';

/**
 * Sorted by name, first of each name kept: Envoy rejects a whole update carrying two resources
 * of one type with the same name, and the IR should never produce that.
 */
function sortedUniqueBy<M>(messages: M[], nameOf: (message: M) => string | undefined): M[] {
  // Most lists come from the IR sorted and unique already: checked in one pass, not sorted again.
  let sorted = true;
  for (let i = 1; i < messages.length && sorted; i++) {
    if (!(String(nameOf(messages[i - 1]!)) < String(nameOf(messages[i]!)))) sorted = false;
  }
  if (sorted) return messages;
  const byName = new Map<string, M>();
  for (const message of messages) {
    const name = String(nameOf(message));
    if (!byName.has(name)) byName.set(name, message);
  }
  return [...byName.keys()].sort().map((name) => byName.get(name) as M);
}

/**
 * The clusters to build ClusterLoadAssignments from: one for each assignment name, the first
 * cluster that names it (copies share their base's), none for a cluster Envoy resolves by DNS.
 */
function assignmentClusters(clusters: readonly IrCluster[]): IrCluster[] {
  const seen = new Set<string>();
  const out: IrCluster[] = [];
  for (const c of clusters) {
    if (c.dns) continue;
    const name = edsNameOf(c);
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(c);
  }
  return out;
}

const byName = (message: { name?: string }): string | undefined => message.name;

/**
 * With a memo (kept by the caller between runs), unchanged IR objects map to the Envoy messages
 * built from them last time (by identity, else by content under the resource's kind and name), and
 * unchanged lists are the same arrays: equal output, less work.
 */
export function translateGatewayToXds(ir: IrGateway, memo?: XdsMemo): XdsResources {
  const list = <M extends object>(kind: string, messages: M[]): M[] =>
    memo ? memo.list(`${kind}\0${ir.name}`, messages) : messages;
  const built =
    <K extends { name: string }, M extends object>(
      kind: string,
      cache: WeakMap<K, M> | undefined,
      build: (ir: K) => M,
    ) =>
    (item: K): M =>
      memo && cache ? memo.byContent(cache, (i) => `${kind}\0${i.name}`, item, build) : build(item);
  return {
    listeners: list(
      'listeners',
      sortedUniqueBy(ir.listeners.map(built('lds', memo?.listeners, buildListener)), byName),
    ),
    routes: list(
      'routes',
      sortedUniqueBy(
        ir.routeConfigs.map((c) => buildRouteConfiguration(c, memo)),
        byName,
      ),
    ),
    clusters: list('clusters', sortedUniqueBy(ir.clusters.map(built('cds', memo?.clusters, buildCluster)), byName)),
    endpoints: list(
      'endpoints',
      sortedUniqueBy(
        assignmentClusters(ir.clusters).map(built('eds', memo?.loadAssignments, buildClusterLoadAssignment)),
        (c) => c.cluster_name,
      ),
    ),
    secrets: list('secrets', sortedUniqueBy(ir.secrets.map(built('sds', memo?.secrets, buildSecret)), byName)),
  };
}
