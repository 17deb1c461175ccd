/**
 * Keeps the provisioned Envoy objects (resources.ts) in line with the accepted Gateways:
 *
 *   pipeline output$ (accepted Gateways) ─┐
 *                                          ├─ combineLatest ─ filter(leader) ─ concatMap(reconcile latest)
 *   isLeader$ ─────────────────────────────┘
 *
 * Each pass server-side-applies (fieldManager `portico`, force) every object of every accepted
 * Gateway, then deletes what Portico labelled as its own and is no longer wanted. ownerReferences
 * make Kubernetes' garbage collector delete them with the Gateway; the explicit delete covers a
 * Gateway that stays but is no longer accepted, and clusters without a controller-manager.
 * Errors are logged and retried with backoff; they never end the stream.
 */
import { sameElements } from '../../translate/composite-memo.js';
import { BehaviorSubject, combineLatest, defer, EMPTY, Subject, Subscription } from 'rxjs';
import { concatMap, distinctUntilChanged, filter, map, startWith, tap } from 'rxjs/operators';
import type { Observable } from 'rxjs';
import { APPLY_PATCH, FIELD_MANAGER, isNotFound } from '../../k8s/kube-api.js';
import type { KubeApi } from '../../k8s/kube-api.js';
import { Backoff } from '../../k8s/backoff.js';
import type { Logger } from '../../shared/logger.js';
import { silentLogger } from '../../shared/logger.js';
import { errorMessage } from '../../shared/error-message.js';
import type { KubeObject } from '../../resources/types.js';
import { sameBundle } from './ca-bundle.js';
import { caTrust, issueGatewayCertificate, whyReissue, withTrust } from './certs.js';
import type { TlsBundle, XdsCa } from './certs.js';
import {
  COMPONENT_LABEL,
  desiredObjects,
  provisionedName,
  ENVOY_COMPONENT,
  gatewayCertificateSecret,
  gatewayCertificateSecretName,
  MANAGED_BY,
  MANAGED_BY_LABEL,
} from './resources.js';
import { serviceTypeOf } from './resources.js';
import type { ProvisionSettings, ServiceType } from './resources.js';
import { infrastructureMetadata } from './infrastructure.js';
import { NO_ADDRESS_OUTCOMES } from './addresses.js';
import type { AddressOutcomes } from './addresses.js';
import { addressRequests, planAddresses, requestsKey } from './gateway-addresses.js';
import type { AddressPlan, AddressRequest } from './gateway-addresses.js';
import { isIP } from 'node:net';
import type { IrInfrastructure } from '../../ir/types.js';

interface KindPath {
  kind: string;
  prefix: string;
  plural: string;
}

const KINDS: readonly KindPath[] = [
  { kind: 'ServiceAccount', prefix: '/api/v1', plural: 'serviceaccounts' },
  { kind: 'ConfigMap', prefix: '/api/v1', plural: 'configmaps' },
  { kind: 'Deployment', prefix: '/apis/apps/v1', plural: 'deployments' },
  { kind: 'Service', prefix: '/api/v1', plural: 'services' },
  { kind: 'Secret', prefix: '/api/v1', plural: 'secrets' },
];

function kindPath(kind: string): KindPath {
  const found = KINDS.find((k) => k.kind === kind);
  if (!found) throw new Error(`not a provisioned kind: ${kind}`);
  return found;
}

function objectPath(kind: string, namespace: string, name: string): string {
  const k = kindPath(kind);
  return `${k.prefix}/namespaces/${encodeURIComponent(namespace)}/${k.plural}/${encodeURIComponent(name)}`;
}

export interface ProvisionerOptions extends ProvisionSettings {
  api: KubeApi;
  /** Portico's namespace (where `portico certgen` put its Secrets). */
  controllerNamespace: string;
  /**
   * The CA that signs each Gateway's xDS client certificate, and the CAs Envoys trust
   * (`--xds-ca-dir`, read at each pass so that a rotation step is followed once mounted; `recheck`
   * runs a pass when the mount changes). Required with TLS.
   */
  xdsCa?: () => XdsCa;
  /** The clock certificates are checked against (tests move it to see a renewal). */
  now?: () => Date;
  /**
   * How often a pass runs with no change of input, so that certificates are renewed (and reissued
   * after a CA rotation) in a cluster where no Gateway changes (default 1 hour).
   */
  certificateCheckMs?: number;
  logger?: Logger;
}

export interface ReconcileResult {
  applied: string[];
  deleted: string[];
  errors: string[];
}

/** The Gateways of a pipeline output that Portico serves (accepted), with their full objects. */
export interface ProvisionInput {
  gateways: readonly { name: string; ir?: { infrastructure?: IrInfrastructure } }[];
  resources: readonly KubeObject[];
}

/** Per Gateway (`<namespace>/<name>`), what its parameters say (Gateways without any are absent). */
export type InfrastructureByGateway = ReadonlyMap<string, IrInfrastructure>;

const NO_INFRASTRUCTURE: InfrastructureByGateway = new Map();

/** The parameters of each served Gateway of a pipeline output that has any. */
export function infrastructureOf(output: ProvisionInput): InfrastructureByGateway {
  const out = new Map<string, IrInfrastructure>();
  for (const gateway of output.gateways) {
    if (gateway.ir?.infrastructure) out.set(gateway.name, gateway.ir.infrastructure);
  }
  return out.size > 0 ? out : NO_INFRASTRUCTURE;
}

function sameInfrastructure(a: InfrastructureByGateway, b: InfrastructureByGateway): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [key, value] of a) {
    const other = b.get(key);
    if (other !== value && JSON.stringify(other) !== JSON.stringify(value)) return false;
  }
  return true;
}

interface ProvisionPass {
  gateways: KubeObject[];
  infrastructure: InfrastructureByGateway;
}

export function acceptedGateways(output: ProvisionInput): KubeObject[] {
  const served = new Set(output.gateways.map((g) => g.name));
  return output.resources.filter((o) => {
    if (o.kind === 'Gateway') return served.has(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`);
    if (o.kind !== 'ListenerSet') return false;
    const parent = attachedTo(o);
    return parent !== undefined && served.has(parent);
  });
}

/**
 * The Gateway (`<namespace>/<name>`) a ListenerSet is attached to, by its status: its listeners need
 * ports on that Gateway's Envoys. Undefined while it is not accepted.
 */
export function attachedTo(set: KubeObject): string | undefined {
  const conditions = (set.status as { conditions?: { type?: unknown; status?: unknown }[] } | undefined)?.conditions;
  if (!Array.isArray(conditions) || !conditions.some((c) => c?.type === 'Accepted' && c.status === 'True')) {
    return undefined;
  }
  const ref = (set.spec as { parentRef?: { name?: unknown; namespace?: unknown } } | undefined)?.parentRef;
  if (typeof ref?.name !== 'string') return undefined;
  return `${typeof ref.namespace === 'string' ? ref.namespace : (set.metadata.namespace ?? 'default')}/${ref.name}`;
}

/** Between passes that only check the Gateways' certificates (renewal is due with a day left). */
const CERTIFICATE_CHECK_MS = 3_600_000;

export class GatewayProvisioner {
  private readonly logger: Logger;
  private readonly subscription = new Subscription();
  private readonly retries = new Subject<number>();
  private readonly backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
  private latest: ProvisionPass | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private certificateTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private busy = false;
  /**
   * Where each Gateway's `spec.addresses` went in the last pass, for its status (addresses.ts).
   * Emits after every pass.
   */
  readonly addressOutcomes$ = new BehaviorSubject<AddressOutcomes>(NO_ADDRESS_OUTCOMES);
  private routabilityChecked: { at: number; value: boolean } | undefined;
  /** Per Gateway, the infrastructure keys last said to be left out (each said once). */
  private readonly droppedSaid = new Map<string, string>();
  /** Gateways held for their parameters, with why (said when it starts and stops). */
  private readonly heldSaid = new Map<string, string>();

  constructor(private readonly options: ProvisionerOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'provisioner' });
  }

  /**
   * Reconciles on every output that carries other Gateway objects (an endpoint-only output keeps
   * them, and would only repeat every apply and list), while `isLeader$` says so (only the leader
   * provisions). A failed pass is retried with backoff.
   */
  start(output$: Observable<ProvisionInput>, isLeader$: Observable<boolean>): void {
    this.subscription.add(
      combineLatest([
        output$.pipe(
          // A change of a Gateway's parameters object alone leaves its Gateway object as it was.
          map((output): ProvisionPass => ({
            gateways: acceptedGateways(output),
            infrastructure: infrastructureOf(output),
          })),
          distinctUntilChanged<ProvisionPass>(
            (a, b) => sameElements(a.gateways, b.gateways) && sameInfrastructure(a.infrastructure, b.infrastructure),
          ),
        ),
        isLeader$.pipe(
          distinctUntilChanged(),
          tap((leading) => leading || clearTimeout(this.retryTimer)),
        ),
        this.retries.pipe(startWith(0)),
      ])
        .pipe(
          filter(([, leading]) => leading),
          map(([next]) => next),
          tap((next) => {
            this.latest = next;
            this.busy = true;
          }),
          concatMap((next) => (next === this.latest ? defer(() => this.pass(next)) : EMPTY)),
        )
        .subscribe({ error: (err: unknown) => this.logger.error('provisioner stopped', { error: err }) }),
    );
    if (this.options.tls !== false) {
      // Passes otherwise run only when a Gateway changes: in a quiet cluster the 2-day
      // certificates would expire unrenewed, and the next Envoy to (re)connect could not.
      this.certificateTimer = setInterval(
        () => this.retries.next(Date.now()),
        this.options.certificateCheckMs ?? CERTIFICATE_CHECK_MS,
      );
      this.certificateTimer.unref();
    }
  }

  /**
   * Runs a pass with no change of input: the CA mount changed (a rotation step), so each Gateway's
   * Secret gets the CAs trusted now, and a certificate of a CA that no longer signs is reissued.
   */
  recheck(): void {
    this.retries.next(Date.now());
  }

  stop(): void {
    clearInterval(this.certificateTimer);
    clearTimeout(this.retryTimer);
    this.subscription.unsubscribe();
    this.retries.complete();
  }

  /** Resolves when no pass is queued or running (tests). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async pass(next: ProvisionPass): Promise<void> {
    const result = await this.reconcile(next.gateways, next.infrastructure);
    if (result.errors.length > 0) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.retries.next(Date.now()), this.backoff.next());
      this.retryTimer.unref();
    } else {
      this.backoff.reset();
    }
    if (next === this.latest) {
      this.busy = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /**
   * One pass: apply what the Gateways need, delete what Portico provisioned and nothing needs.
   * A Gateway whose parameters cannot be used is held: its objects are neither changed nor
   * deleted (only its xDS client certificate is renewed, so that its Envoys stay connected).
   * Never rejects.
   */
  async reconcile(
    gateways: readonly KubeObject[],
    infrastructure: InfrastructureByGateway = NO_INFRASTRUCTURE,
  ): Promise<ReconcileResult> {
    const result: ReconcileResult = { applied: [], deleted: [], errors: [] };
    const wanted = new Set<string>();
    const tls = this.options.tls !== false;
    const certificates = tls ? await this.certificateSource(result) : undefined;
    const plans = new Map<string, { requests: string; plan: AddressPlan }>();
    let serviceCidrs: readonly string[] | undefined | null = null;
    for (const gateway of gateways) {
      if (gateway.kind !== 'Gateway') continue;
      const namespace = gateway.metadata.namespace ?? 'default';
      const key = `${namespace}/${gateway.metadata.name}`;
      const sets = gateways.filter((o) => o.kind === 'ListenerSet' && attachedTo(o) === key);
      const infra = infrastructure.get(key);
      const held = infra !== undefined && 'invalid' in infra;
      this.sayHeld(key, held ? infra.invalid : undefined);
      if (held) {
        const name = provisionedName(gateway.metadata.name);
        for (const kind of ['ServiceAccount', 'ConfigMap', 'Deployment', 'Service'])
          wanted.add(`${kind}/${namespace}/${name}`);
        // The address plan of the last pass stays what the Service has.
        const last = this.addressOutcomes$.value.plans.get(key);
        if (last) plans.set(key, last);
      }
      const parameters = infra && 'parameters' in infra ? infra.parameters : undefined;
      if (!held) this.sayDropped(key, infrastructureMetadata(gateway).dropped);
      const requests = held ? [] : addressRequests(gateway);
      let addresses: { plan: AddressPlan; live: string[] } | undefined;
      if (requests.length > 0) {
        if (serviceCidrs === null) serviceCidrs = await this.serviceCidrs();
        addresses = await this.planAddresses(
          gateway,
          requests,
          serviceCidrs,
          serviceTypeOf(this.options, parameters),
          result,
        );
        if (!addresses) continue;
      }
      let objects: KubeObject[];
      try {
        objects = held ? [] : desiredObjects(gateway, this.options, sets, addresses?.plan, parameters);
      } catch (err) {
        result.errors.push(`Gateway ${key}: ${errorMessage(err)}`);
        continue;
      }
      if (tls) {
        // Wanted even when it cannot be issued now: a Secret that exists stays until it can be.
        wanted.add(`Secret/${namespace}/${gatewayCertificateSecretName(gateway.metadata.name)}`);
        const secret = certificates && (await this.certificateSecret(gateway, certificates, result));
        // First, so that the Deployment's Pods find their certificate.
        if (secret) objects = [secret, ...objects];
      }
      for (const object of objects) {
        wanted.add(identity(object));
        if (object.kind === 'Service' && addresses) await this.applyService(object, addresses, result);
        else await this.apply(object, result);
      }
      if (addresses) plans.set(key, { requests: requestsKey(requests), plan: addresses.plan });
    }
    this.addressOutcomes$.next({ plans, routability: await this.crdHasRoutability() });

    for (const kind of KINDS) {
      let items: KubeObject[];
      try {
        items = await this.listManaged(kind);
      } catch (err) {
        result.errors.push(`list ${kind.plural}: ${errorMessage(err)}`);
        continue;
      }
      for (const item of items) {
        const id = identity({ ...item, kind: kind.kind });
        if (wanted.has(id)) continue;
        // Also the per-namespace copies of the shared client certificate older Porticos made.
        await this.remove(kind.kind, item.metadata.namespace ?? 'default', item.metadata.name, result);
      }
    }
    for (const error of result.errors) this.logger.warn('provisioning failed; retried with backoff', { error });
    if (result.applied.length > 0 || result.deleted.length > 0) {
      this.logger.info('provisioned', { gateways: gateways.length, deleted: result.deleted });
    }
    return result;
  }

  /** Says once when a Gateway starts being held for its parameters, and when it stops. */
  private sayHeld(gateway: string, why: string | undefined): void {
    const before = this.heldSaid.get(gateway);
    if (before === why) return;
    if (why === undefined) {
      this.heldSaid.delete(gateway);
      this.logger.info('the parameters of a Gateway can be used again; provisioning it', { gateway });
    } else {
      this.heldSaid.set(gateway, why);
      this.logger.warn('the parameters of a Gateway cannot be used; its Envoy objects are held as they are', {
        gateway,
        why,
      });
    }
  }

  private sayDropped(gateway: string, dropped: string[]): void {
    const said = dropped.join('\n');
    if ((this.droppedSaid.get(gateway) ?? '') === said) return;
    this.droppedSaid.set(gateway, said);
    if (dropped.length > 0) {
      this.logger.warn('spec.infrastructure keys not applied to the provisioned objects', { gateway, dropped });
    }
  }

  /**
   * The cluster's Service CIDRs (ServiceCIDR objects, Kubernetes 1.33+); undefined where the API
   * server does not serve them, or Portico may not read them (every requested IP is then tried as
   * a cluster IP, and the API server says whether it can be one).
   */
  private async serviceCidrs(): Promise<readonly string[] | undefined> {
    try {
      const list = await this.options.api.request<{ items?: { spec?: { cidrs?: unknown } }[] }>({
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
  private async planAddresses(
    gateway: KubeObject,
    requests: readonly AddressRequest[],
    serviceCidrs: readonly string[] | undefined,
    serviceType: ServiceType,
    result: ReconcileResult,
  ): Promise<{ plan: AddressPlan; live: string[] } | undefined> {
    const namespace = gateway.metadata.namespace ?? 'default';
    const name = provisionedName(gateway.metadata.name);
    let live: string[] = [];
    const holders = new Map<string, string>();
    try {
      const service = await this.getOrUndefined<{ spec?: { clusterIPs?: string[]; clusterIP?: string } }>(
        objectPath('Service', namespace, name),
      );
      live = service?.spec?.clusterIPs ?? (service?.spec?.clusterIP ? [service.spec.clusterIP] : []);
      if (serviceCidrs !== undefined) {
        for (const request of requests) {
          const ip = request.value;
          if (ip === undefined || isIP(ip) === 0 || live.includes(ip) || holders.has(ip)) continue;
          const address = await this.getOrUndefined<{ spec?: { parentRef?: { namespace?: string; name?: string } } }>(
            `/apis/networking.k8s.io/v1/ipaddresses/${encodeURIComponent(ipAddressName(ip))}`,
          );
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
  private async applyService(
    service: KubeObject,
    addresses: { plan: AddressPlan; live: string[] },
    result: ReconcileResult,
  ): Promise<void> {
    const wanted = addresses.plan.clusterIP;
    const namespace = service.metadata.namespace ?? 'default';
    if (wanted !== undefined && addresses.live.length > 0 && !addresses.live.includes(wanted)) {
      this.logger.info('recreating a Gateway Service for the cluster IP its Gateway asks for', {
        service: `${namespace}/${service.metadata.name}`,
        from: addresses.live,
        to: wanted,
      });
      await this.remove('Service', namespace, service.metadata.name, result);
    }
    const errors = result.errors.length;
    await this.apply(service, result);
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
    await this.apply({ ...service, spec }, result);
  }

  /**
   * Whether the installed Gateway CRD has `status.addresses[].routability` (the experimental
   * channel of v1.7.0): the API server's OpenAPI document says (readable by any authenticated
   * client; no RBAC). Checked at most every 10 minutes: the document is about a megabyte.
   */
  private async crdHasRoutability(): Promise<boolean> {
    const now = Date.now();
    if (this.routabilityChecked && now - this.routabilityChecked.at < 600_000) return this.routabilityChecked.value;
    let value = this.routabilityChecked?.value ?? false;
    try {
      const doc = await this.options.api.request<{
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

  private async getOrUndefined<T>(path: string): Promise<T | undefined> {
    try {
      return await this.options.api.request<T>({ path, timeoutMs: 10_000 });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The CA and the certificate Secrets that exist, read once per pass. */
  private async certificateSource(
    result: ReconcileResult,
  ): Promise<{ ca: XdsCa; existing: Map<string, Partial<TlsBundle>> } | undefined> {
    if (!this.options.xdsCa) {
      result.errors.push("no CA to issue the Gateways' xDS client certificates: start Portico with --xds-ca-dir");
      return undefined;
    }
    let ca: XdsCa;
    let items: KubeObject[];
    try {
      ca = this.options.xdsCa();
      items = await this.listManaged(kindPath('Secret'));
    } catch (err) {
      result.errors.push(`xDS client certificates: ${errorMessage(err)}`);
      return undefined;
    }
    const existing = new Map<string, Partial<TlsBundle>>();
    for (const item of items) {
      const data = (item as { data?: Record<string, string> }).data ?? {};
      const decode = (f: keyof TlsBundle): string | undefined =>
        typeof data[f] === 'string' ? Buffer.from(data[f], 'base64').toString('utf8') : undefined;
      existing.set(`${item.metadata.namespace ?? 'default'}/${item.metadata.name}`, {
        ...(decode('ca.crt') !== undefined ? { 'ca.crt': decode('ca.crt')! } : {}),
        ...(decode('tls.crt') !== undefined ? { 'tls.crt': decode('tls.crt')! } : {}),
        ...(decode('tls.key') !== undefined ? { 'tls.key': decode('tls.key')! } : {}),
      });
    }
    return { ca, existing };
  }

  /**
   * The Gateway's certificate Secret: the existing certificate while it is good (signed by the
   * current CA, naming this Gateway, not due for renewal), a newly issued one otherwise; its
   * `ca.crt` the CAs trusted now (old and new during a rotation).
   */
  private async certificateSecret(
    gateway: KubeObject,
    source: { ca: XdsCa; existing: Map<string, Partial<TlsBundle>> },
    result: ReconcileResult,
  ): Promise<KubeObject | undefined> {
    const namespace = gateway.metadata.namespace ?? 'default';
    const key = `${namespace}/${gateway.metadata.name}`;
    const current = source.existing.get(`${namespace}/${gatewayCertificateSecretName(gateway.metadata.name)}`);
    const why = whyReissue(current, source.ca, key, this.options.now?.() ?? new Date());
    let bundle: TlsBundle;
    if (why === undefined) {
      bundle = withTrust(current as TlsBundle, source.ca);
      if (!sameBundle(current?.['ca.crt'] ?? '', caTrust(source.ca))) {
        this.logger.info('updated the CAs the Envoys of a Gateway trust', { gateway: key });
      }
    } else {
      try {
        bundle = await issueGatewayCertificate(source.ca, key);
      } catch (err) {
        result.errors.push(`issue the xDS client certificate of Gateway ${key}: ${errorMessage(err)}`);
        return undefined;
      }
      if (why !== 'missing') this.logger.info('renewed the xDS client certificate of a Gateway', { gateway: key, why });
    }
    try {
      return gatewayCertificateSecret(gateway, bundle);
    } catch (err) {
      result.errors.push(`Gateway ${key}: ${errorMessage(err)}`);
      return undefined;
    }
  }

  private async apply(object: KubeObject, result: ReconcileResult): Promise<void> {
    const namespace = object.metadata.namespace ?? 'default';
    try {
      await this.options.api.request({
        method: 'PATCH',
        path: objectPath(object.kind, namespace, object.metadata.name),
        query: { fieldManager: FIELD_MANAGER, force: 'true' },
        contentType: APPLY_PATCH,
        body: object,
        timeoutMs: 10_000,
      });
      result.applied.push(identity(object));
    } catch (err) {
      result.errors.push(`apply ${identity(object)}: ${errorMessage(err)}`);
    }
  }

  private async remove(kind: string, namespace: string, name: string, result: ReconcileResult): Promise<void> {
    try {
      await this.options.api.request({
        method: 'DELETE',
        path: objectPath(kind, namespace, name),
        // The Deployment's ReplicaSets and Pods go with it.
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
        timeoutMs: 10_000,
      });
      result.deleted.push(`${kind}/${namespace}/${name}`);
    } catch (err) {
      if (!isNotFound(err)) result.errors.push(`delete ${kind}/${namespace}/${name}: ${errorMessage(err)}`);
    }
  }

  private async listManaged(kind: KindPath): Promise<KubeObject[]> {
    const list = await this.options.api.request<{ items?: KubeObject[] }>({
      path: `${kind.prefix}/${kind.plural}`,
      query: { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${COMPONENT_LABEL}=${ENVOY_COMPONENT}` },
      timeoutMs: 10_000,
    });
    return list.items ?? [];
  }
}

/** The name of an IP's IPAddress object: IPv6 in its canonical (compressed, lower-case) form. */
function ipAddressName(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

function identity(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
}
