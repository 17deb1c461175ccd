/**
 * A provisioned Gateway's addresses: how its `spec.addresses` become fields of its Service, and
 * what its `status.addresses` and address conditions then say (GatewayStaticAddresses,
 * GatewayAddressEmpty, GatewayAddressRoutability(+Cluster); GEP-1762 "Gateway IP", GEP-5093).
 *
 * Each requested address is one of:
 * - an IP of the cluster's Service CIDRs: the Service's cluster IP (one per Gateway; Kubernetes
 *   says whether it is free, through its IPAddress objects, and on create);
 * - another IP, on a LoadBalancer Service: its `loadBalancerIP`, assigned when the load balancer
 *   reports it in the Service's status (a ClusterIP or NodePort Service cannot take it: unusable);
 * - no value (GatewayAddressEmpty): whatever address the Service gets — the load balancer's, or the
 *   cluster IP — of the requested type;
 * - a Hostname with a value: unusable (a hostname comes from a load balancer, Portico cannot ask
 *   for one).
 * Routability (GEP-5093): empty is the default; `Cluster` takes only a cluster IP (and makes the
 * Service a ClusterIP one when every request asks for it); `testing.x-k8s.io/sentinel` is the
 * conformance value, served as the default and reported as asked; any other value is unassignable.
 * In status, a cluster IP is reported `Cluster` (it is in the Service CIDR and reachable in the
 * cluster), a load balancer's address with an empty routability.
 *
 * Conditions: an unusable address makes `Programmed` False/AddressNotUsable (the suite's
 * GatewayStaticAddresses expects it even when another address is usable); no satisfied request
 * at all, False/AddressNotAssigned. `AddressesAssigned` says whether all, some or none were.
 *
 * Pure: the provisioner (reconciler.ts) reads the Service CIDRs and IPAddress objects and applies.
 */
import { BlockList, isIP } from 'node:net';
import type { Condition, KubeObject } from '../../resources/types.js';
import type { ServiceType } from './provision-settings.js';

export const ROUTABILITY_CLUSTER = 'Cluster';
/** Reserved for conformance (GEP-5093): supported, served as the default, reported as asked. */
export const ROUTABILITY_SENTINEL = 'testing.x-k8s.io/sentinel';

export interface AddressRequest {
  type: string;
  value?: string;
  routability: string;
}

export type Verdict =
  | { state: 'clusterIP'; ip: string }
  | { state: 'loadBalancerIP'; ip: string }
  | { state: 'dynamic' }
  /** Cannot be used: Programmed=False/AddressNotUsable. */
  | { state: 'unusable'; message: string }
  /** Cannot be satisfied as asked (routability): counts as not assigned. */
  | { state: 'unassignable'; message: string };

export interface GatewayStatusAddress {
  type: 'IPAddress' | 'Hostname';
  value: string;
  routability?: string;
}

/** The Gateway's `spec.addresses`, as requests (type defaulting to IPAddress). */
export function addressRequests(gateway: KubeObject): AddressRequest[] {
  const list = (gateway.spec as { addresses?: unknown } | undefined)?.addresses;
  if (!Array.isArray(list)) return [];
  return list
    .filter((a): a is Record<string, unknown> => typeof a === 'object' && a !== null)
    .map((a) => ({
      type: typeof a.type === 'string' && a.type !== '' ? a.type : 'IPAddress',
      ...(typeof a.value === 'string' && a.value !== '' ? { value: a.value } : {}),
      routability: typeof a.routability === 'string' ? a.routability : '',
    }));
}

/** What the request list is, as a key: a plan made for other requests is stale. */
export function requestsKey(requests: readonly AddressRequest[]): string {
  return JSON.stringify(requests);
}

export interface PlanInput {
  /** The cluster's Service CIDRs; undefined when the API server does not say (every IP is tried as a cluster IP). */
  serviceCidrs: readonly string[] | undefined;
  serviceType: ServiceType;
  /** The Service's cluster IPs now (kept: a cluster IP cannot change without recreating the Service). */
  currentClusterIPs: readonly string[];
  /** Who holds a cluster IP (the API server's IPAddress object), `<namespace>/<name>` of a Service; undefined when free. */
  holderOf: (ip: string) => string | undefined;
  /** `<namespace>/<name>` of the Gateway's own Service. */
  ownService: string;
}

export interface AddressPlan {
  verdicts: Verdict[];
  /** The cluster IP to give the Service, if one was asked for and can be used. */
  clusterIP?: string;
  loadBalancerIP?: string;
  /** A ClusterIP Service when every request asks for routability Cluster. */
  serviceType: ServiceType;
}

/** The Service type a Gateway's Envoys get: ClusterIP when every address asks to be reachable only in the cluster. */
export function serviceTypeFor(requests: readonly AddressRequest[], configured: ServiceType): ServiceType {
  return requests.length > 0 && requests.every((r) => r.routability === ROUTABILITY_CLUSTER) ? 'ClusterIP' : configured;
}

function knownRoutability(routability: string): boolean {
  return routability === '' || routability === ROUTABILITY_CLUSTER || routability === ROUTABILITY_SENTINEL;
}

function inCidrs(ip: string, cidrs: readonly string[]): boolean {
  const list = new BlockList();
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  for (const cidr of cidrs) {
    const [network, bits] = cidr.split('/');
    if (!network || !bits || isIP(network) === 0) continue;
    list.addSubnet(network, Number(bits), isIP(network) === 6 ? 'ipv6' : 'ipv4');
  }
  return list.check(ip, family);
}

/**
 * Decides each request's place on the Service. A cluster IP the Service already has is kept
 * before another is considered (a change recreates the Service).
 */
export function planAddresses(requests: readonly AddressRequest[], input: PlanInput): AddressPlan {
  const serviceType = serviceTypeFor(requests, input.serviceType);
  const verdicts: Verdict[] = requests.map((request) => firstVerdict(request, input, serviceType));
  let clusterIP: string | undefined;
  let loadBalancerIP: string | undefined;
  // The cluster IP the Service has, if asked for, first: no recreation for an unchanged choice.
  const candidates = verdicts
    .map((v, i) => ({ v, i }))
    .filter((c): c is { v: { state: 'clusterIP'; ip: string }; i: number } => c.v.state === 'clusterIP');
  candidates.sort(
    (a, b) => Number(input.currentClusterIPs.includes(b.v.ip)) - Number(input.currentClusterIPs.includes(a.v.ip)),
  );
  for (const { v, i } of candidates) {
    if (clusterIP !== undefined) {
      verdicts[i] =
        v.ip === clusterIP
          ? v
          : {
              state: 'unusable',
              message: `${v.ip}: a Gateway's Service has one cluster IP, and it is ${clusterIP}`,
            };
      continue;
    }
    const holder = input.holderOf(v.ip);
    if (holder !== undefined && holder !== input.ownService) {
      verdicts[i] = { state: 'unusable', message: `${v.ip} is already in use, by Service ${holder}` };
      continue;
    }
    clusterIP = v.ip;
  }
  for (const [i, v] of verdicts.entries()) {
    if (v.state !== 'loadBalancerIP') continue;
    if (loadBalancerIP === undefined || loadBalancerIP === v.ip) loadBalancerIP = v.ip;
    else
      verdicts[i] = {
        state: 'unusable',
        message: `${v.ip}: a Service asks its load balancer for one address, and it is ${loadBalancerIP}`,
      };
  }
  return {
    verdicts,
    ...(clusterIP !== undefined ? { clusterIP } : {}),
    ...(loadBalancerIP !== undefined ? { loadBalancerIP } : {}),
    serviceType,
  };
}

function firstVerdict(request: AddressRequest, input: PlanInput, serviceType: ServiceType): Verdict {
  if (!knownRoutability(request.routability)) {
    return {
      state: 'unassignable',
      message: `routability ${JSON.stringify(request.routability)} is not one Portico provides (empty or ${ROUTABILITY_CLUSTER})`,
    };
  }
  const cluster = request.routability === ROUTABILITY_CLUSTER;
  if (request.type === 'Hostname') {
    if (request.value !== undefined) {
      return {
        state: 'unusable',
        message: `hostname ${request.value}: a Gateway's hostname comes from its load balancer; Portico cannot ask for one (leave the value empty)`,
      };
    }
    if (cluster) {
      return { state: 'unassignable', message: `a Hostname cannot be guaranteed routability ${ROUTABILITY_CLUSTER}` };
    }
    return { state: 'dynamic' };
  }
  if (request.type !== 'IPAddress') {
    return { state: 'unusable', message: `address type ${request.type} is not supported` };
  }
  const ip = request.value;
  if (ip === undefined) return { state: 'dynamic' };
  if (isIP(ip) === 0) return { state: 'unusable', message: `${JSON.stringify(ip)} is not an IP address` };
  if (input.serviceCidrs === undefined || inCidrs(ip, input.serviceCidrs)) return { state: 'clusterIP', ip };
  const cidrs = input.serviceCidrs.join(', ') || 'none';
  if (cluster) {
    return {
      state: 'unassignable',
      message: `${ip} is outside the cluster's Service CIDRs (${cidrs}): routability ${ROUTABILITY_CLUSTER} needs a cluster IP`,
    };
  }
  if (serviceType !== 'LoadBalancer') {
    return {
      state: 'unusable',
      message: `${ip} is outside the cluster's Service CIDRs (${cidrs}), and a ${serviceType} Service can only take a cluster IP from them (a LoadBalancer Service asks its load balancer for such an address)`,
    };
  }
  return { state: 'loadBalancerIP', ip };
}

interface ServiceShape {
  spec?: { clusterIP?: string; clusterIPs?: string[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** The Service's addresses: cluster IPs, the load balancer's IPs and hostnames. */
function serviceAddresses(service: KubeObject | undefined): {
  clusterIPs: string[];
  ingressIPs: string[];
  ingressHostnames: string[];
} {
  const shape = (service ?? {}) as ServiceShape;
  const clusterIPs = (shape.spec?.clusterIPs ?? (shape.spec?.clusterIP ? [shape.spec.clusterIP] : [])).filter(
    (ip) => typeof ip === 'string' && isIP(ip) !== 0,
  );
  const ingress = Array.isArray(shape.status?.loadBalancer?.ingress) ? shape.status.loadBalancer.ingress : [];
  return {
    clusterIPs: [...new Set(clusterIPs)],
    ingressIPs: [
      ...new Set(ingress.map((i) => i?.ip).filter((ip): ip is string => typeof ip === 'string' && isIP(ip) !== 0)),
    ],
    ingressHostnames: [
      ...new Set(ingress.filter((i) => !i?.ip && typeof i?.hostname === 'string').map((i) => i.hostname!)),
    ],
  };
}

export interface AddressStatus {
  addresses: GatewayStatusAddress[];
  /** AddressesAssigned; undefined while nothing is known yet (no request, and the Service has no address). */
  assigned?: Pick<Condition, 'status' | 'reason' | 'message'>;
  /** Replaces Programmed: an address cannot be used, or none was assigned. */
  programmed?: Pick<Condition, 'status' | 'reason' | 'message'>;
}

/**
 * `status.addresses` and the address conditions of a provisioned Gateway, from the plan its last
 * provisioning pass made and its Service as the API server reports it. `routability` is written
 * only when the Gateway CRD has the field (`withRoutability`): an API server drops fields its
 * schema lacks, and the status would be written again on every report.
 */
export function addressStatus(
  requests: readonly AddressRequest[],
  plan: AddressPlan | undefined,
  service: KubeObject | undefined,
  withRoutability: boolean,
): AddressStatus {
  const have = serviceAddresses(service);
  const address = (type: 'IPAddress' | 'Hostname', value: string, routability: string): GatewayStatusAddress =>
    withRoutability ? { type, value, routability } : { type, value };
  if (requests.length === 0 || !plan) {
    const addresses = [
      ...have.ingressIPs.map((ip) => address('IPAddress', ip, '')),
      ...have.ingressHostnames.map((h) => address('Hostname', h, '')),
    ];
    if (addresses.length === 0)
      addresses.push(...have.clusterIPs.map((ip) => address('IPAddress', ip, ROUTABILITY_CLUSTER)));
    if (requests.length > 0) return { addresses: [] };
    return addresses.length > 0
      ? { addresses, assigned: { status: 'True', reason: 'AddressesAssigned', message: 'The Service has addresses' } }
      : { addresses };
  }

  const used = new Set<string>();
  const addresses: GatewayStatusAddress[] = [];
  const unusable: string[] = [];
  const unassigned: string[] = [];
  const take = (value: string | undefined): value is string =>
    value !== undefined && !used.has(value) && !!used.add(value);
  for (const [i, request] of requests.entries()) {
    const verdict = plan.verdicts[i] ?? { state: 'unassignable', message: 'not planned' };
    const asked = request.routability === ROUTABILITY_SENTINEL ? ROUTABILITY_SENTINEL : undefined;
    const label = `spec.addresses[${i}]${request.value !== undefined ? ` (${request.value})` : ''}`;
    switch (verdict.state) {
      case 'unusable':
        unusable.push(`${label}: ${verdict.message}`);
        break;
      case 'unassignable':
        unassigned.push(`${label}: ${verdict.message}`);
        break;
      case 'clusterIP':
        if (have.clusterIPs.includes(verdict.ip) && take(verdict.ip)) {
          addresses.push(address('IPAddress', verdict.ip, asked ?? ROUTABILITY_CLUSTER));
        } else unassigned.push(`${label}: the Service does not have cluster IP ${verdict.ip} yet`);
        break;
      case 'loadBalancerIP':
        if (have.ingressIPs.includes(verdict.ip) && take(verdict.ip)) {
          addresses.push(address('IPAddress', verdict.ip, asked ?? ''));
        } else unassigned.push(`${label}: waiting for the load balancer to assign ${verdict.ip} to the Service`);
        break;
      case 'dynamic': {
        if (request.type === 'Hostname') {
          const hostname = have.ingressHostnames.find((h) => !used.has(h));
          if (take(hostname)) addresses.push(address('Hostname', hostname, asked ?? ''));
          else unassigned.push(`${label}: the Service's load balancer has reported no hostname`);
          break;
        }
        const cluster = request.routability === ROUTABILITY_CLUSTER;
        const fromLoadBalancer = cluster ? undefined : have.ingressIPs.find((ip) => !used.has(ip));
        if (take(fromLoadBalancer)) {
          addresses.push(address('IPAddress', fromLoadBalancer, asked ?? ''));
          break;
        }
        const clusterIP = have.clusterIPs.find((ip) => !used.has(ip));
        if (take(clusterIP)) addresses.push(address('IPAddress', clusterIP, asked ?? ROUTABILITY_CLUSTER));
        else unassigned.push(`${label}: the Service has no address for it yet`);
        break;
      }
    }
  }
  const missing = [...unusable, ...unassigned];
  const assigned: AddressStatus['assigned'] =
    missing.length === 0
      ? { status: 'True', reason: 'AddressesAssigned', message: 'Every requested address is assigned' }
      : addresses.length > 0
        ? { status: 'False', reason: 'PartiallyAssigned', message: `Not assigned: ${missing.join('; ')}` }
        : { status: 'False', reason: 'NotAssigned', message: `Not assigned: ${missing.join('; ')}` };
  const programmed: AddressStatus['programmed'] =
    unusable.length > 0
      ? { status: 'False', reason: 'AddressNotUsable', message: `Cannot use: ${unusable.join('; ')}` }
      : addresses.length === 0
        ? {
            status: 'False',
            reason: 'AddressNotAssigned',
            message: `No requested address is assigned: ${unassigned.join('; ')}`,
          }
        : undefined;
  return { addresses, assigned, ...(programmed ? { programmed } : {}) };
}
