/**
 * A provisioned Gateway's `status.addresses` and address conditions, from its Service (the
 * informer's copy) and the address plan of the provisioner's last pass (gateway-addresses.ts):
 * with no `spec.addresses`, the load balancer's ingress IPs and hostnames once a load-balancer
 * controller has set them, else the cluster IPs; with `spec.addresses`, one address per request
 * that is satisfied, `AddressesAssigned`, and `Programmed` False when an address cannot be used or
 * none is assigned.
 */
import { isIP } from 'node:net';
import type { StatusReport } from '../../pipeline/status-report.js';
import type { Condition, KubeObject } from '../../resources/types.js';
import { addressRequests, addressStatus, requestsKey } from './gateway-addresses.js';
import type { AddressPlan, GatewayStatusAddress } from './gateway-addresses.js';
import { provisionedName } from './resources.js';

export type { GatewayStatusAddress };

/** What the provisioner decided about each Gateway's addresses (`<namespace>/<name>`). */
export interface AddressOutcomes {
  /** The plan of the last pass, with the key of the requests it was made for (`requestsKey`). */
  plans: ReadonlyMap<string, { requests: string; plan: AddressPlan }>;
  /** Whether the Gateway CRD has `status.addresses[].routability` (GatewayAddressRoutability). */
  routability: boolean;
}

export const NO_ADDRESS_OUTCOMES: AddressOutcomes = { plans: new Map(), routability: false };

interface ServiceShape {
  spec?: { clusterIP?: string; clusterIPs?: string[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** The Service's addresses as status addresses: load balancer ingress first, else cluster IPs. */
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
 * The report with each provisioned Gateway's addresses and address conditions (`services` and
 * `gateways` look a Service or a Gateway up, e.g. from the informer's cache: a report carries no
 * spec). Gateways with neither a Service nor requested addresses are left as they are. `now` is the
 * time of a condition that changed (the status writer keeps the live time of one that did not).
 */
export function withGatewayAddresses(
  report: StatusReport,
  services: (namespace: string, name: string) => KubeObject | undefined,
  outcomes: AddressOutcomes = NO_ADDRESS_OUTCOMES,
  gateways: (namespace: string, name: string) => KubeObject | undefined = () => undefined,
  now: string = new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
): StatusReport {
  let changed = false;
  const resources = report.resources.map((resource) => {
    if (resource.kind !== 'Gateway' || typeof resource.status !== 'object' || resource.status === null) {
      return resource;
    }
    const namespace = resource.metadata.namespace ?? 'default';
    const key = `${namespace}/${resource.metadata.name}`;
    const service = services(namespace, provisionedName(resource.metadata.name));
    const requests = addressRequests(gateways(namespace, resource.metadata.name) ?? (resource as KubeObject));
    if (!service && requests.length === 0) return resource;
    const status = resource.status as { conditions?: Condition[]; addresses?: unknown };
    const conditions = Array.isArray(status.conditions) ? status.conditions : [];
    // Conditions only of a Gateway that is accepted (one that is not has its Programmed already).
    const accepted =
      conditions.some((c) => c?.type === 'Accepted' && c.status === 'True') &&
      conditions.some((c) => c?.type === 'Programmed');
    const outcome = outcomes.plans.get(key);
    const plan = outcome?.requests === requestsKey(requests) ? outcome.plan : undefined;
    const computed = addressStatus(requests, plan, service, outcomes.routability);
    const generation = resource.metadata.generation;
    const at = (c: Pick<Condition, 'status' | 'reason' | 'message'>, type: string): Condition => ({
      type,
      ...c,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: now,
    });
    changed = true;
    if (!accepted) {
      return computed.addresses.length > 0
        ? { ...resource, status: { ...status, addresses: computed.addresses } }
        : resource;
    }
    let out = conditions.map((c) =>
      c.type === 'Programmed' && computed.programmed ? at(computed.programmed, 'Programmed') : c,
    );
    if (requests.length > 0 && !plan) {
      // Not reconciled yet for these requests: say so rather than what the Service had before.
      out = out.map((c) =>
        c.type === 'Programmed'
          ? at(
              {
                status: 'False',
                reason: 'AddressNotAssigned',
                message: 'Portico is assigning the addresses requested in spec.addresses',
              },
              'Programmed',
            )
          : c,
      );
    }
    out = out.filter((c) => c.type !== 'AddressesAssigned');
    if (computed.assigned) out.push(at(computed.assigned, 'AddressesAssigned'));
    const next: Record<string, unknown> = { ...status, conditions: out };
    if (requests.length > 0 && !plan) return { ...resource, status: next };
    if (computed.addresses.length > 0 || requests.length > 0) next.addresses = computed.addresses;
    return { ...resource, status: next };
  });
  return changed ? { ...report, resources } : report;
}
