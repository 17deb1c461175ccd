/**
 * Writes the pipeline's computed statuses back to the cluster — on the leader only, and only when a
 * status changed for a reader (`status-diff.ts`).
 *
 *   status$ (synced) ─┐
 *                     ├─ combineLatest ─ filter(leader) ─ concatMap(write changed objects, 8 in flight)
 *   isLeader$ ────────┘                                     (a report superseded while queued is skipped)
 *
 * How a status is written: a JSON merge patch of the status subresource carrying
 * `metadata.resourceVersion` as a precondition, with `fieldManager=portico`. The body holds the
 * whole status merged from the live object, so the lists the merge patch replaces wholesale
 * (`conditions`, `listeners`, route `parents`) keep other controllers' entries; if the object
 * changed since it was read, the API server answers 409 and the write is redone from a fresh GET.
 *
 * Not server-side apply: Gateway API declares route `status.parents` `x-kubernetes-list-type:
 * atomic`, so an apply would own the whole list and wipe (or, forced, steal) the entries other
 * controllers write. Read-modify-write with a resourceVersion precondition is what keeps them.
 *
 * On losing the lease, the in-flight request is aborted and nothing more is written.
 */
import { objectIdentity } from '../pipeline/resource-store.js';
import { filter } from 'rxjs/operators';
import type { Observable } from 'rxjs';
import type { Counter, MetricsRegistry } from '../shared/metrics.js';
import type { Logger } from '../shared/logger.js';
import { silentLogger } from '../shared/logger.js';
import { errorMessage } from '../shared/error-message.js';
import type { StatusReport } from '../pipeline/status-report.js';
import type { ResourceStatus } from '../resources/resource-status.js';
import type { KubeObject } from '../resources/types.js';
import { Backoff } from '../shared/backoff.js';
import type { BackoffOptions } from '../shared/backoff.js';
import { LatestWinsWorker } from '../shared/latest-wins-worker.js';
import { objectPath } from './kinds.js';
import { FIELD_MANAGER, isConflict, isNotFound, MERGE_PATCH } from '../kube-client/kube-api.js';
import type { KubeApi } from '../kube-client/kube-api.js';
import type { LiveObjects } from './kubernetes-provider.js';
import { hasWritableStatus, planStatus, statusEquals } from './status-diff.js';

/** Status writes of one report in flight at once (distinct objects). */
export const STATUS_WRITE_CONCURRENCY = 8;

export interface StatusWriterMetrics {
  /** By kind and result: `written`, `conflict` (retried), `error`. */
  writes: Counter;
}

export function registerStatusWriterMetrics(registry: MetricsRegistry): StatusWriterMetrics {
  return {
    writes: registry.counter(
      'portico_status_writes_total',
      'Status subresource writes to the API server, by kind and result (written, conflict, error).',
    ),
  };
}

export interface StatusWriterDeps {
  api: KubeApi;
  live: LiveObjects;
  isLeader$: Observable<boolean>;
  logger?: Logger;
  metrics?: StatusWriterMetrics;
  /** Attempts per object when the API server answers 409 Conflict (default 5). */
  maxAttempts?: number;
  /** Retry of a report whose writes failed for other reasons (API server down, …). */
  retryBackoff?: BackoffOptions;
}

export interface StatusWriterStats {
  /** Successful writes. */
  writes: number;
  conflicts: number;
  errors: number;
  /** Objects compared and found unchanged (or not Portico's). */
  skipped: number;
}

interface RecentWrite {
  /** resourceVersion the write was based on, and the one it produced. */
  fromVersion: string | undefined;
  object: KubeObject;
}

function gatewayClassName(gateway: KubeObject): string {
  const name = (gateway.spec as { gatewayClassName?: unknown } | undefined)?.gatewayClassName;
  return typeof name === 'string' ? name : '';
}

export class StatusWriter {
  private readonly logger: Logger;
  private readonly worker: LatestWinsWorker<StatusReport>;
  private readonly counts: StatusWriterStats = { writes: 0, conflicts: 0, errors: 0, skipped: 0 };
  /** Our writes the informer may not have reported yet. */
  private readonly recent = new Map<string, RecentWrite>();
  /**
   * Per live object, the computed status last found to need no write (and a Gateway's class then):
   * the same objects again need no comparison. A report carries every object Portico has a status
   * for, and a route change leaves all but a few of them the same objects; comparing each by
   * content was most of a change's CPU at 1,000 routes.
   */
  private readonly settled = new WeakMap<KubeObject, { status: unknown; gatewayClass: KubeObject | undefined }>();
  private inFlight: AbortController | undefined;

  constructor(
    status$: Observable<StatusReport>,
    private readonly deps: StatusWriterDeps,
  ) {
    this.logger = (deps.logger ?? silentLogger).child({ component: 'status' });
    this.worker = new LatestWinsWorker(status$.pipe(filter((report) => report.synced)), deps.isLeader$, {
      run: (report, current) => this.writeReport(report, current),
      backoff: new Backoff(deps.retryBackoff ?? { initialMs: 1000, maxMs: 30_000 }),
      onLeadership: (leading) => {
        // Stop writing now: the next leader may already be writing.
        if (!leading) this.inFlight?.abort();
        this.logger.debug(leading ? 'leading: writing statuses' : 'not leading: not writing statuses');
      },
      logger: this.logger,
    });
  }

  stats(): StatusWriterStats {
    return { ...this.counts };
  }

  /** Resolves when no write is queued or running (tests). */
  idle(): Promise<void> {
    return this.worker.idle();
  }

  stop(): void {
    this.worker.stop();
    this.inFlight?.abort();
  }

  private get leading(): boolean {
    return this.worker.leading;
  }

  /** Whether every write succeeded. Never rejects: an error in a concatMap would end the writer for good. */
  private async writeReport(report: StatusReport, current: () => boolean): Promise<boolean> {
    let failed = 0;
    try {
      // Objects of one report are distinct, so their writes may overlap; reports stay one at a
      // time (the worker's concatMap), so two writes of the same object never race. A few in
      // flight hide the API server's round trip, which otherwise bounds a burst of route statuses.
      // Most of a report is what was already found to need no write: left out here, without a
      // promise each (a route change at 1,000 routes otherwise awaits 1,000 of them).
      const pending = report.resources.filter((r) => hasWritableStatus(r.kind) && !this.isSettled(r));
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < pending.length) {
          if (!current()) return;
          const resource = pending[next++]!;
          if ((await this.writeOne(resource)) === 'error') failed += 1;
        }
      };
      await Promise.all(Array.from({ length: STATUS_WRITE_CONCURRENCY }, worker));
    } catch (err) {
      failed += 1;
      this.logger.error('writing statuses failed', { error: err });
    }
    return failed === 0;
  }

  private async writeOne(resource: ResourceStatus): Promise<'written' | 'skipped' | 'error'> {
    const kind = this.deps.live.kind(resource.kind);
    const { name, namespace } = resource.metadata;
    const what = `${resource.kind} ${namespace ? `${namespace}/` : ''}${name}`;
    if (!kind) return 'skipped';
    const classOf = (className: string): KubeObject | undefined =>
      this.deps.live.get('GatewayClass', className, undefined);

    let live = this.liveObject(resource);
    if (!live) return 'skipped'; // deleted, or not seen yet: the next report covers it
    const path = `${objectPath(kind, name, namespace)}/status`;
    const maxAttempts = this.deps.maxAttempts ?? 5;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      if (!this.leading) return 'skipped';
      // The computed status is for one generation of the spec; never write it onto a newer one.
      if (resource.metadata.generation !== undefined && live.metadata.generation !== resource.metadata.generation) {
        this.counts.skipped += 1;
        return 'skipped';
      }
      const plan = planStatus(live, resource.status, classOf);
      if (!plan.write) {
        this.settled.set(live, { status: resource.status, gatewayClass: this.gatewayClassOf(live) });
        this.counts.skipped += 1;
        return 'skipped';
      }
      const controller = new AbortController();
      this.inFlight = controller;
      try {
        const written = await this.deps.api.request<KubeObject>({
          method: 'PATCH',
          path,
          query: { fieldManager: FIELD_MANAGER },
          contentType: MERGE_PATCH,
          body: { metadata: { resourceVersion: live.metadata.resourceVersion }, status: plan.status },
          signal: controller.signal,
          timeoutMs: 10_000,
        });
        this.counts.writes += 1;
        this.deps.metrics?.writes.inc({ kind: resource.kind, result: 'written' });
        this.recent.set(objectIdentity(resource), { fromVersion: live.metadata.resourceVersion, object: written });
        if (!statusEquals(resource.kind, namespace, written.status, plan.status)) {
          this.logger.debug('the API server changed the status written', { object: what });
        }
        this.logger.debug('status written', { object: what, attempt });
        return 'written';
      } catch (err) {
        if (controller.signal.aborted) return 'skipped';
        if (isNotFound(err)) return 'skipped';
        if (isConflict(err) && attempt < maxAttempts) {
          this.counts.conflicts += 1;
          this.deps.metrics?.writes.inc({ kind: resource.kind, result: 'conflict' });
          try {
            live = await this.deps.api.request<KubeObject>({ path, timeoutMs: 10_000 });
            live = { ...live, kind: resource.kind, apiVersion: live.apiVersion ?? kind.apiVersion };
          } catch (getErr) {
            if (isNotFound(getErr)) return 'skipped';
            return this.failed(resource, what, getErr);
          }
          continue;
        }
        return this.failed(resource, what, err);
      } finally {
        if (this.inFlight === controller) this.inFlight = undefined;
      }
    }
    return this.failed(resource, what, new Error(`still conflicting after ${maxAttempts} attempts`));
  }

  /** Whether the object's live copy and computed status are those last found to need no write. */
  private isSettled(resource: ResourceStatus): boolean {
    const live = this.liveObject(resource);
    const settled = live && this.settled.get(live);
    if (!live || !settled || settled.status !== resource.status) return false;
    if (settled.gatewayClass !== this.gatewayClassOf(live)) return false;
    this.counts.skipped += 1;
    return true;
  }

  /** A Gateway's live GatewayClass (its status is Portico's only while the class is). */
  private gatewayClassOf(live: KubeObject): KubeObject | undefined {
    return live.kind === 'Gateway' ? this.deps.live.get('GatewayClass', gatewayClassName(live), undefined) : undefined;
  }

  private failed(resource: ResourceStatus, what: string, err: unknown): 'error' {
    this.counts.errors += 1;
    this.deps.metrics?.writes.inc({ kind: resource.kind, result: 'error' });
    this.logger.warn('status write failed; it is retried with backoff', {
      object: what,
      error: `${errorMessage(err)}; if this persists check Portico's RBAC for ${resource.kind.toLowerCase()}s/status (patch) and the API server`,
    });
    return 'error';
  }

  /**
   * The live object: the informer's copy, unless our own last write is newer than it (the watch
   * event for it has not arrived yet) — then the object that write returned.
   */
  private liveObject(resource: ResourceStatus): KubeObject | undefined {
    const { name, namespace } = resource.metadata;
    const cached = this.deps.live.get(resource.kind, name, namespace);
    const identity = objectIdentity(resource);
    const recent = this.recent.get(identity);
    if (!cached) {
      this.recent.delete(identity);
      return undefined;
    }
    if (recent && cached.metadata.resourceVersion === recent.fromVersion) {
      return { ...recent.object, kind: cached.kind, apiVersion: cached.apiVersion };
    }
    this.recent.delete(identity);
    return cached;
  }
}
