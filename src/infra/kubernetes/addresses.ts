/**
 * A provisioned Gateway's `status.addresses`, from its Service: the load balancer's ingress IPs and
 * hostnames once a load-balancer controller has set them, else the cluster IPs.
 */
import { isIP } from 'node:net';
import type { StatusReport } from '../../pipeline/status-report.js';
import type { KubeObject } from '../../resources/types.js';
import { provisionedName } from './resources.js';

export interface GatewayStatusAddress {
  type: 'IPAddress' | 'Hostname';
  value: string;
}

interface ServiceShape {
  spec?: { clusterIP?: string; clusterIPs?: string[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export function gatewayAddresses(service: KubeObject | undefined): GatewayStatusAddress[] {
  if (!service) return [];
  const shape = service as ServiceShape;
  const out: GatewayStatusAddress[] = [];
  for (const ingress of shape.status?.loadBalancer?.ingress ?? []) {
    if (ingress.ip) out.push({ type: 'IPAddress', value: ingress.ip });
    else if (ingress.hostname) out.push({ type: 'Hostname', value: ingress.hostname });
  }
  if (out.length > 0) return dedupe(out);
  const clusterIps = shape.spec?.clusterIPs ?? (shape.spec?.clusterIP ? [shape.spec.clusterIP] : []);
  return dedupe(clusterIps.filter((ip) => isIP(ip) !== 0).map((value) => ({ type: 'IPAddress' as const, value })));
}

function dedupe(addresses: GatewayStatusAddress[]): GatewayStatusAddress[] {
  const seen = new Set<string>();
  return addresses.filter((a) => !seen.has(`${a.type}/${a.value}`) && seen.add(`${a.type}/${a.value}`));
}

/**
 * The report with `status.addresses` of each Gateway whose provisioned Service exists (`services`
 * looks one up, e.g. from the informer's cache). Other Gateways are left as they are.
 */
export function withGatewayAddresses(
  report: StatusReport,
  services: (namespace: string, name: string) => KubeObject | undefined,
): StatusReport {
  let changed = false;
  const resources = report.resources.map((resource) => {
    if (resource.kind !== 'Gateway' || typeof resource.status !== 'object' || resource.status === null) {
      return resource;
    }
    const namespace = resource.metadata.namespace ?? 'default';
    const addresses = gatewayAddresses(services(namespace, provisionedName(resource.metadata.name)));
    if (addresses.length === 0) return resource;
    changed = true;
    return { ...resource, status: { ...(resource.status as Record<string, unknown>), addresses } };
  });
  return changed ? { ...report, resources } : report;
}
