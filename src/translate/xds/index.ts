/**
 * IR → Envoy v3 resources for one Gateway. Pure: no I/O, no clock, same input same output.
 */
import type { IrGateway } from '../../ir/types.js';
import { buildCluster } from './cluster.js';
import { buildClusterLoadAssignment } from './endpoint.js';
import { buildListener } from './listener.js';
import { buildRouteConfiguration } from './route.js';
import { buildSecret } from './secret.js';
import type { EnvoyMessage, XdsResources } from './types.js';

/**
 * Sorted by name, first of each name kept: Envoy rejects a whole update carrying two resources
 * of one type with the same name, and the IR should never produce that.
 */
function sortedUniqueBy(messages: EnvoyMessage[], nameField: string): EnvoyMessage[] {
  const byName = new Map<string, EnvoyMessage>();
  for (const message of messages) {
    const name = String(message[nameField]);
    if (!byName.has(name)) byName.set(name, message);
  }
  return [...byName.keys()].sort().map((name) => byName.get(name) as EnvoyMessage);
}

export function translateGatewayToXds(ir: IrGateway): XdsResources {
  return {
    listeners: sortedUniqueBy(ir.listeners.map(buildListener), 'name'),
    routes: sortedUniqueBy(ir.routeConfigs.map(buildRouteConfiguration), 'name'),
    clusters: sortedUniqueBy(ir.clusters.map(buildCluster), 'name'),
    endpoints: sortedUniqueBy(ir.clusters.map(buildClusterLoadAssignment), 'cluster_name'),
    secrets: sortedUniqueBy(ir.secrets.map(buildSecret), 'name'),
  };
}
