/**
 * Leader election on a `coordination.k8s.io/v1` Lease, the way client-go does it: every replica
 * translates and serves xDS, only the leader writes status.
 *
 *   candidate ──acquire (lease free, expired, or ours)──► leader ──renew every retryPeriod──┐
 *       ▲                                                   │  ◄──────────────────────────┘
 *       └── renewals failing for renewDeadline, or another holder seen ──┘   stop(): release the lease
 *
 * Expiry is judged on the local clock from when this replica *observed* the lease record change,
 * never from `renewTime` (clocks of replicas differ). Because renewDeadline < leaseDuration, a
 * leader that cannot renew steps down before any other replica may take over.
 */
import { hostname } from 'node:os';
import { BehaviorSubject } from 'rxjs';
import type { Observable } from 'rxjs';
import { distinctUntilChanged } from 'rxjs/operators';
import type { Logger } from '../shared/logger.js';
import { silentLogger } from '../shared/logger.js';
import { errorMessage } from '../shared/error-message.js';
import { isConflict, isNotFound } from '../kube-client/kube-api.js';
import type { KubeApi } from '../kube-client/kube-api.js';

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  /** RFC 3339 with microseconds (MicroTime). */
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** The three calls the election makes; `update` must fail with a 409 ApiError on a stale resourceVersion. */
export interface LeaseClient {
  get(timeoutMs: number): Promise<Lease | undefined>;
  create(spec: LeaseSpec, timeoutMs: number): Promise<Lease>;
  update(lease: Lease, timeoutMs: number): Promise<Lease>;
  /** For messages: `namespace/name`. */
  readonly description: string;
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

export interface LeaderElectionOptions {
  identity: string;
  /** How long a lease is valid after its holder last renewed it (default 15 s). */
  leaseDurationMs?: number;
  /** The leader steps down when it could not renew for this long (default 10 s; < leaseDuration). */
  renewDeadlineMs?: number;
  /** Between attempts to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Randomizes retry waits of candidates (0..1 → up to +20%); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

/** What a replica knows of the lease record, as of when it last saw it change. */
interface Observed {
  lease: Lease;
  /** Local clock time at which the record (holder, renewTime) last changed. */
  at: number;
}

export class LeaderElector {
  private readonly leader = new BehaviorSubject<boolean>(false);
  /** True while this replica holds the lease; emits false the moment it may no longer write. */
  readonly isLeader$: Observable<boolean> = this.leader.pipe(distinctUntilChanged());
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed: Observed | undefined;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private lastRenew = 0;
  private failureReported = false;

  constructor(
    private readonly client: LeaseClient,
    private readonly options: LeaderElectionOptions,
  ) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'leader-election', identity: options.identity });
    this.clock = options.clock ?? systemClock;
    this.leaseDurationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    if (!(this.renewDeadlineMs < this.leaseDurationMs)) {
      throw new Error(
        `renew deadline (${this.renewDeadlineMs} ms) must be shorter than the lease duration (${this.leaseDurationMs} ms)`,
      );
    }
    if (!(this.retryPeriodMs < this.renewDeadlineMs)) {
      throw new Error(
        `retry period (${this.retryPeriodMs} ms) must be shorter than the renew deadline (${this.renewDeadlineMs} ms)`,
      );
    }
  }

  get leading(): boolean {
    return this.leader.getValue();
  }

  get identity(): string {
    return this.options.identity;
  }

  start(): void {
    if (this.loop) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loop = this.run(abort.signal);
  }

  /** Stops campaigning; a leader releases the lease so that another replica takes over at once. */
  async stop(): Promise<void> {
    const wasLeading = this.leading;
    this.setLeader(false);
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
    if (wasLeading) await this.release();
    this.leader.complete();
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Candidate: try until the lease is ours.
      while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
        await this.clock.sleep(this.jittered(this.retryPeriodMs), signal);
      }
      if (signal.aborted) return;
      this.lastRenew = this.clock.now();
      this.logger.info('acquired the lease; writing status', { lease: this.client.description });
      this.setLeader(true);

      // Leader: renew every retryPeriod until a renewal fails for longer than renewDeadline.
      while (!signal.aborted) {
        await this.clock.sleep(this.retryPeriodMs, signal);
        if (signal.aborted) return;
        if (await this.tryAcquireOrRenew()) {
          this.lastRenew = this.clock.now();
          continue;
        }
        const heldByOther = this.otherHolder() !== undefined;
        if (heldByOther || this.clock.now() - this.lastRenew >= this.renewDeadlineMs) {
          this.setLeader(false);
          this.logger.warn('lost the lease; no longer writing status', {
            lease: this.client.description,
            reason: heldByOther ? `held by ${this.otherHolder()}` : `could not renew it for ${this.renewDeadlineMs} ms`,
          });
          break;
        }
      }
    }
  }

  /** One attempt; true when this replica holds the lease afterwards. Never throws. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    // A call that hangs must not keep a leader believing it leads past its deadline.
    const timeoutMs = this.leading
      ? Math.max(1, this.renewDeadlineMs - (now - this.lastRenew))
      : Math.max(1, this.retryPeriodMs);
    try {
      const current = await this.client.get(timeoutMs);
      if (!current) {
        const created = await this.client.create(this.record(undefined, now), timeoutMs);
        this.observe(created, this.clock.now());
        this.recovered();
        return true;
      }
      this.observe(current, now);
      const holder = current.spec?.holderIdentity ?? '';
      if (holder !== '' && holder !== this.options.identity && !this.expired(now)) return false;
      const updated = await this.client.update({ ...current, spec: this.record(current.spec, now) }, timeoutMs);
      this.observe(updated, this.clock.now());
      this.recovered();
      return true;
    } catch (err) {
      // 409: another replica wrote the lease first (it won this round); anything else is retried.
      if (!isConflict(err)) this.reportFailure(err);
      return false;
    }
  }

  private record(previous: LeaseSpec | undefined, now: number): LeaseSpec {
    const ours = previous?.holderIdentity === this.options.identity;
    const time = microTime(now);
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseDurationMs / 1000)),
      acquireTime: ours && previous?.acquireTime ? previous.acquireTime : time,
      renewTime: time,
      leaseTransitions: ours ? (previous?.leaseTransitions ?? 0) : (previous?.leaseTransitions ?? -1) + 1,
    };
  }

  private observe(lease: Lease, now: number): void {
    const before = this.observed?.lease;
    const changed =
      !before ||
      before.spec?.holderIdentity !== lease.spec?.holderIdentity ||
      before.spec?.renewTime !== lease.spec?.renewTime ||
      before.metadata.resourceVersion !== lease.metadata.resourceVersion;
    if (changed) this.observed = { lease, at: now };
  }

  /** Whether the observed holder's lease ran out, measured from when this replica saw it renewed. */
  private expired(now: number): boolean {
    if (!this.observed) return true;
    const seconds = this.observed.lease.spec?.leaseDurationSeconds;
    const durationMs = typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : this.leaseDurationMs;
    return this.observed.at + durationMs <= now;
  }

  private otherHolder(): string | undefined {
    const holder = this.observed?.lease.spec?.holderIdentity ?? '';
    return holder !== '' && holder !== this.options.identity && !this.expired(this.clock.now()) ? holder : undefined;
  }

  /** Gives the lease up: empty holder, so candidates need not wait for it to expire. */
  private async release(): Promise<void> {
    try {
      const current = await this.client.get(this.retryPeriodMs);
      if (!current || current.spec?.holderIdentity !== this.options.identity) return;
      const now = microTime(this.clock.now());
      await this.client.update(
        {
          ...current,
          spec: { ...current.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
        },
        this.retryPeriodMs,
      );
      this.logger.info('released the lease', { lease: this.client.description });
    } catch (err) {
      this.logger.warn('could not release the lease; another replica takes over when it expires', {
        error: errorMessage(err),
      });
    }
  }

  private setLeader(leading: boolean): void {
    if (this.leader.getValue() !== leading && !this.leader.closed) this.leader.next(leading);
  }

  private reportFailure(err: unknown): void {
    const fields = {
      lease: this.client.description,
      error: `${errorMessage(err)}; check the API server and Portico's RBAC for leases (get, create, update)`,
    };
    if (!this.failureReported) this.logger.warn('leader election call failed; retrying', fields);
    else this.logger.debug('leader election call failed again', fields);
    this.failureReported = true;
  }

  private recovered(): void {
    if (this.failureReported)
      this.logger.info('leader election calls succeed again', { lease: this.client.description });
    this.failureReported = false;
  }

  private jittered(ms: number): number {
    return Math.round(ms * (1 + 0.2 * (this.options.random ?? Math.random)()));
  }
}

/** MicroTime: RFC 3339 with six fractional digits, as the Lease API expects. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The Lease in `namespace/name`, over the API. */
export function kubeLeaseClient(api: KubeApi, namespace: string, name: string): LeaseClient {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const path = `${collection}/${encodeURIComponent(name)}`;
  return {
    description: `${namespace}/${name}`,
    get: async (timeoutMs) => {
      try {
        return await api.request<Lease>({ path, timeoutMs });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    create: (spec, timeoutMs) =>
      api.request<Lease>({
        method: 'POST',
        path: collection,
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec },
        timeoutMs,
      }),
    // PUT carries metadata.resourceVersion: the API server answers 409 if the lease changed meanwhile.
    update: (lease, timeoutMs) =>
      api.request<Lease>({
        method: 'PUT',
        path,
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease },
        timeoutMs,
      }),
  };
}

/** `holderIdentity`: the Pod name in a cluster (it is the hostname there), else `hostname-pid`. */
export function defaultIdentity(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POD_NAME) return env.POD_NAME;
  if (env.KUBERNETES_SERVICE_HOST) return hostname();
  return `${hostname()}-${process.pid}`;
}
