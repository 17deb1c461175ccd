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
 * Errors are logged and retried with backoff; they never end the stream. The API calls are in
 * provisioned-objects.ts, the certificates in gateway-certificates.ts, addresses in service-addresses.ts.
 */
import { BehaviorSubject } from 'rxjs';
import { distinctUntilChanged, map } from 'rxjs/operators';
import type { Observable } from 'rxjs';
import type { IrInfrastructure } from '../../ir/types.js';
import { Backoff } from '../../shared/backoff.js';
import { LatestWinsWorker } from '../../shared/latest-wins-worker.js';
import type { KubeApi } from '../../kube-client/kube-api.js';
import type { KubeObject } from '../../resources/types.js';
import { errorMessage } from '../../shared/error-message.js';
import { silentLogger } from '../../shared/logger.js';
import type { Logger } from '../../shared/logger.js';
import { sameElements } from '../../shared/same-elements.js';
import { NO_ADDRESS_OUTCOMES } from './addresses.js';
import type { AddressOutcomes } from './addresses.js';
import type { XdsCa } from './certs.js';
import { addressRequests, requestsKey } from './gateway-addresses.js';
import type { AddressPlan } from './gateway-addresses.js';
import { certificateSecret, readCertificateSource } from './gateway-certificates.js';
import { infrastructureMetadata } from './infrastructure.js';
import { identity, PROVISIONED_KINDS, ProvisionedObjects } from './provisioned-objects.js';
import type { ReconcileResult } from './provisioned-objects.js';
import { desiredObjects, gatewayCertificateSecretName, provisionedName, serviceTypeOf } from './resources.js';
import type { ProvisionSettings } from './provision-settings.js';
import { ServiceAddresses } from './service-addresses.js';
import type { PlannedAddresses } from './service-addresses.js';

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

export interface ProvisionPass {
  gateways: KubeObject[];
  infrastructure: InfrastructureByGateway;
}

/**
 * What of a Gateway or ListenerSet a pass reads: its identity, labels, annotations and spec, and a
 * ListenerSet's Gateway; not the status the translation gave it. A route attached or gone changes
 * its Gateway's status (attachedRoutes) on every route change, and never its Envoy's objects.
 */
function provisioningKey(o: KubeObject): string {
  const { namespace, name, uid, labels, annotations } = o.metadata;
  const set = o.kind === 'ListenerSet' ? attachedTo(o) : undefined;
  return JSON.stringify([o.kind, namespace, name, uid, labels, annotations, o.spec, set]);
}

function sameGateways(a: readonly KubeObject[], b: readonly KubeObject[]): boolean {
  if (sameElements(a, b)) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i] !== b[i] && provisioningKey(a[i]!) !== provisioningKey(b[i]!)) return false;
  return true;
}

/**
 * The passes the provisioner runs for a stream of outputs: one for each output whose accepted
 * Gateways (as a pass reads them) or their infrastructure differ from the last pass's. An
 * endpoint-only output, or one that changed only statuses, runs none.
 */
export function provisionPasses(output$: Observable<ProvisionInput>): Observable<ProvisionPass> {
  return output$.pipe(
    // A change of a Gateway's parameters object alone leaves its Gateway object as it was.
    map((output): ProvisionPass => ({
      gateways: acceptedGateways(output),
      infrastructure: infrastructureOf(output),
    })),
    distinctUntilChanged<ProvisionPass>(
      (a, b) => sameGateways(a.gateways, b.gateways) && sameInfrastructure(a.infrastructure, b.infrastructure),
    ),
  );
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
  private worker: LatestWinsWorker<ProvisionPass> | undefined;
  private certificateTimer: NodeJS.Timeout | undefined;
  /**
   * Where each Gateway's `spec.addresses` went in the last pass, for its status (addresses.ts).
   * Emits after every pass.
   */
  readonly addressOutcomes$ = new BehaviorSubject<AddressOutcomes>(NO_ADDRESS_OUTCOMES);
  /** Per Gateway, the infrastructure keys last said to be left out (each said once). */
  private readonly droppedSaid = new Map<string, string>();
  /** Gateways held for their parameters, with why (said when it starts and stops). */
  private readonly heldSaid = new Map<string, string>();

  private readonly objects: ProvisionedObjects;
  private readonly addresses: ServiceAddresses;

  constructor(private readonly options: ProvisionerOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'provisioner' });
    this.objects = new ProvisionedObjects(options.api);
    this.addresses = new ServiceAddresses(options.api, this.objects, this.logger);
  }

  /**
   * Reconciles on every output whose Gateways differ as a pass reads them (`provisionPasses`: a
   * route change, which changes only their status, would repeat every apply and list), while
   * `isLeader$` says so (only the leader provisions). A failed pass is retried with backoff.
   */
  start(output$: Observable<ProvisionInput>, isLeader$: Observable<boolean>): void {
    const worker = new LatestWinsWorker(provisionPasses(output$), isLeader$, {
      run: async (next) => (await this.reconcile(next.gateways, next.infrastructure)).errors.length === 0,
      backoff: new Backoff({ initialMs: 1000, maxMs: 30_000 }),
      logger: this.logger,
    });
    this.worker = worker;
    if (this.options.tls !== false) {
      // Passes otherwise run only when a Gateway changes: in a quiet cluster the 2-day
      // certificates would expire unrenewed, and the next Envoy to (re)connect could not.
      this.certificateTimer = setInterval(
        () => worker.rerun(),
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
    this.worker?.rerun();
  }

  stop(): void {
    clearInterval(this.certificateTimer);
    this.worker?.stop();
  }

  /** Resolves when no pass is queued or running (tests). */
  idle(): Promise<void> {
    return this.worker?.idle() ?? Promise.resolve();
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
    const certificates = tls ? await readCertificateSource(this.options.xdsCa, this.objects, result) : undefined;
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
      let addresses: PlannedAddresses | undefined;
      if (requests.length > 0) {
        if (serviceCidrs === null) serviceCidrs = await this.addresses.serviceCidrs();
        addresses = await this.addresses.plan(
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
        const secret =
          certificates &&
          (await certificateSecret(gateway, certificates, result, this.options.now?.() ?? new Date(), this.logger));
        // First, so that the Deployment's Pods find their certificate.
        if (secret) objects = [secret, ...objects];
      }
      for (const object of objects) {
        wanted.add(identity(object));
        if (object.kind === 'Service' && addresses) await this.addresses.applyService(object, addresses, result);
        else await this.objects.apply(object, result);
      }
      if (addresses) plans.set(key, { requests: requestsKey(requests), plan: addresses.plan });
    }
    this.addressOutcomes$.next({ plans, routability: await this.addresses.crdHasRoutability() });

    for (const kind of PROVISIONED_KINDS) {
      let items: KubeObject[];
      try {
        items = await this.objects.listManaged(kind);
      } catch (err) {
        result.errors.push(`list ${kind.plural}: ${errorMessage(err)}`);
        continue;
      }
      for (const item of items) {
        const id = identity({ ...item, kind: kind.kind });
        if (wanted.has(id)) continue;
        // Also the per-namespace copies of the shared client certificate older Porticos made.
        await this.objects.remove(kind.kind, item.metadata.namespace ?? 'default', item.metadata.name, result);
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
}
