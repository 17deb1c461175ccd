/**
 * What a provisioning pass asks the API server about addresses: the cluster's Service CIDRs, who
 * holds a requested cluster IP, whether the Gateway CRD has `routability`; and the apply of a
 * Service whose cluster IP was asked for (gateway-addresses.ts plans, this module acts).
 */
import { isIP } from 'node:net';
import type { KubeApi } from '../../kube-client/kube-api.js';
import type { KubeObject } from '../../resources/types.js';
import { errorMessage } from '../../shared/error-message.js';
import type { Logger } from '../../shared/logger.js';
import { planAddresses } from './gateway-addresses.js';
import type { AddressPlan, AddressRequest } from './gateway-addresses.js';
import { objectPath } from './provisioned-objects.js';
import type { ProvisionedObjects, ReconcileResult } from './provisioned-objects.js';
import { provisionedName } from './resources.js';
import type { ServiceType } from './provision-settings.js';

/** A Gateway's address plan, with the cluster IPs its Service has now. */
export interface PlannedAddresses {
  plan: AddressPlan;
  live: string[];
}

export class ServiceAddresses {
  private routabilityChecked: { at: number; value: boolean } | undefined;

  constructor(
    private readonly api: KubeApi,
    private readonly objects: ProvisionedObjects,
    private readonly logger: Logger,
  ) {}

  /**
   * The cluster's Service CIDRs (ServiceCIDR objects, Kubernetes 1.33+); undefined where the API
   * server does not serve them, or Portico may not read them (every requested IP is then tried as
   * a cluster IP, and the API server says whether it can be one).
   */
  async serviceCidrs(): Promise<readonly string[] | undefined> {
    try {
      const list = await this.api.request<{ items?: { spec?: { cidrs?: unknown } }[] }>({
        path: '/apis/networking.k8s.io/v1/servicecidrs',
        timeoutMs: 10_000,
      });
      return (list.items ?? []).flatMap((item) =>
        Array.isArray(item.spec?.cidrs) ? item.spec.cidrs.filter((c): c is string => typeof c === 'string') : [],
      );
    } catch (err) {
      this.logger.debug('Service CIDRs unknown', { error: errorMessage(err) });
      return undefined;
    }
  }

  /**
   * The plan for the Gateway's requested addresses, with the cluster IPs its Service has now.
   * Who holds a requested cluster IP is the API server's IPAddress object of that IP.
   */
  async plan(
    gateway: KubeObject,
    requests: readonly AddressRequest[],
    serviceCidrs: readonly string[] | undefined,
    serviceType: ServiceType,
    result: ReconcileResult,
  ): Promise<PlannedAddresses | undefined> {
    const namespace = gateway.metadata.namespace ?? 'default';
    const name = provisionedName(gateway.metadata.name);
    let live: string[] = [];
    const holders = new Map<string, string>();
    try {
      const service = await this.objects.getOrUndefined<{ spec?: { clusterIPs?: string[]; clusterIP?: string } }>(
        objectPath('Service', namespace, name),
      );
      live = service?.spec?.clusterIPs ?? (service?.spec?.clusterIP ? [service.spec.clusterIP] : []);
      if (serviceCidrs !== undefined) {
        for (const request of requests) {
          const ip = request.value;
          if (ip === undefined || isIP(ip) === 0 || live.includes(ip) || holders.has(ip)) continue;
          const address = await this.objects.getOrUndefined<{
            spec?: { parentRef?: { namespace?: string; name?: string } };
          }>(`/apis/networking.k8s.io/v1/ipaddresses/${encodeURIComponent(ipAddressName(ip))}`);
          const parent = address?.spec?.parentRef;
          if (address) holders.set(ip, `${parent?.namespace ?? ''}/${parent?.name ?? '?'}`);
        }
      }
    } catch (err) {
      result.errors.push(`Gateway ${namespace}/${gateway.metadata.name} addresses: ${errorMessage(err)}`);
      return undefined;
    }
    const plan = planAddresses(requests, {
      serviceCidrs,
      serviceType,
      currentClusterIPs: live,
      holderOf: (ip) => holders.get(ip),
      ownService: `${namespace}/${name}`,
    });
    return { plan, live };
  }

  /**
   * Applies a Gateway's Service whose cluster IP was asked for: a Service's cluster IP cannot
   * change, so a Service with another one is deleted first (a short interruption, asked for by
   * the change of spec.addresses). A cluster IP the API server refuses (taken meanwhile, outside
   * its range) becomes unusable, and the Service is applied without it.
   */
  async applyService(service: KubeObject, addresses: PlannedAddresses, result: ReconcileResult): Promise<void> {
    const wanted = addresses.plan.clusterIP;
    const namespace = service.metadata.namespace ?? 'default';
    if (wanted !== undefined && addresses.live.length > 0 && !addresses.live.includes(wanted)) {
      this.logger.info('recreating a Gateway Service for the cluster IP its Gateway asks for', {
        service: `${namespace}/${service.metadata.name}`,
        from: addresses.live,
        to: wanted,
      });
      await this.objects.remove('Service', namespace, service.metadata.name, result);
    }
    const errors = result.errors.length;
    await this.objects.apply(service, result);
    if (wanted === undefined || result.errors.length === errors) return;
    const refusal = result.errors.slice(errors).join('; ');
    if (!/clusterIP|already allocated|valid range/i.test(refusal)) return;
    // The API server's verdict on the address: said in the Gateway's status, not retried.
    result.errors.splice(errors);
    const verdicts = addresses.plan.verdicts.map((v) =>
      v.state === 'clusterIP' && v.ip === wanted ? { state: 'unusable' as const, message: refusal } : v,
    );
    const { clusterIP: _refused, ...rest } = addresses.plan;
    addresses.plan = { ...rest, verdicts };
    const spec = { ...(service.spec as Record<string, unknown>) };
    delete spec.clusterIP;
    delete spec.clusterIPs;
    await this.objects.apply({ ...service, spec }, result);
  }

  /**
   * Whether the installed Gateway CRD has `status.addresses[].routability` (the experimental
   * channel of v1.7.0): the API server's OpenAPI document says (readable by any authenticated
   * client; no RBAC). Checked at most every 10 minutes: the document is about a megabyte.
   */
  async crdHasRoutability(): Promise<boolean> {
    const now = Date.now();
    if (this.routabilityChecked && now - this.routabilityChecked.at < 600_000) return this.routabilityChecked.value;
    let value = this.routabilityChecked?.value ?? false;
    try {
      const doc = await this.api.request<{
        components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
      }>({ path: '/openapi/v3/apis/gateway.networking.k8s.io/v1', timeoutMs: 10_000 });
      const gateway = doc.components?.schemas?.['io.k8s.networking.gateway.v1.Gateway'];
      const items = (
        gateway?.properties?.status as
          { properties?: { addresses?: { items?: { properties?: Record<string, unknown> } } } } | undefined
      )?.properties?.addresses?.items;
      value = items?.properties?.routability !== undefined;
    } catch (err) {
      this.logger.debug('could not read the Gateway schema', { error: errorMessage(err) });
    }
    this.routabilityChecked = { at: now, value };
    return value;
  }
}

/** The name of an IP's IPAddress object: IPv6 in its canonical (compressed, lower-case) form. */
function ipAddressName(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}
