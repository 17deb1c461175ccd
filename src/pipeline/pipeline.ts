/**
 * The serving pipeline, shared by every provider:
 *
 *   resource events ─scan─► ResourceStore ─filter(synced)─► batchWithLatencyCap ─map─► translate
 *     ─map─► publish changed Gateways / remove gone ones ─► output$ ─combineLatest(proxy events)─► status
 *
 * A burst of EndpointSlice changes only is batched with a shorter quiet period (it takes the fast
 * path), and proxy events are coalesced (at most one status report per 25 ms during a burst).
 *
 * Every step returns a value; errors are collected into the output (and logged), never thrown into
 * a stream, because an error inside an operator would end the pipeline for good. A failed
 * translation keeps the last good output in service.
 */
import {
  asyncScheduler,
  BehaviorSubject,
  combineLatest,
  EMPTY,
  merge,
  ReplaySubject,
  Subject,
  Subscription,
} from 'rxjs';
import { catchError, filter, map, scan, startWith, throttleTime } from 'rxjs/operators';
import type { MonoTypeOperatorFunction, Observable, SchedulerLike } from 'rxjs';
import type { KubeObject } from '../resources/types.js';
import type { RateLimitServiceOption } from '../translate/gatewayapi/steps/run.js';
import { refreshEndpoints, TranslationCache, type GatewayOutput } from '../translate/index.js';
import type { ProxyTracker, SnapshotPublisher } from '../xds/contract.js';
import { batchWithLatencyCap, DEFAULT_MAX_LATENCY_MS, DEFAULT_QUIET_MS } from './batch-with-latency-cap.js';
import { GatewaySnapshotSync } from './gateway-snapshots.js';
import { endpointOnlyChanges, ServiceEndpointsIndex } from './endpoint-changes.js';
import { silentLogger } from '../shared/logger.js';
import { errorMessage } from '../shared/error-message.js';
import type { Logger } from '../shared/logger.js';
import type { PipelineMetrics } from './pipeline-metrics.js';
import { EMPTY_STORE, foldResourceEvent } from './resource-store.js';
import { ResourceSetBuilder } from './resource-set-builder.js';
import type { ResourceEvent, ResourceStore } from './resource-store.js';
import { EMPTY_STATUS_REPORT } from './status-report.js';
import type { PipelineError, StatusReport } from './status-report.js';
import { StatusReporter } from './status-reporter.js';
import { LastStatusCarrier, translateSafely } from './translate-safely.js';
import type { Translator } from './translate-safely.js';

export interface PipelineOptions {
  /** Quiet period that ends a burst of changes. */
  quietMs?: number;
  /**
   * Quiet period for a lone change (one that comes `LONE_GAP_MS` or more after the one before): how
   * long it waits for company before it is translated. A second change within it makes a burst,
   * which waits `quietMs` as any other. Default 1 ms: a single `kubectl apply` of one object is served
   * as soon as it arrives, and a burst costs one translation more than before, not one per object.
   */
  loneQuietMs?: number;
  /**
   * Quiet period that ends a burst of EndpointSlice changes only: they take the fast path, whose
   * cost follows the change, so there is little to gain from waiting for more. Default 5 ms.
   */
  endpointQuietMs?: number;
  /** Longest delay after the first change of a burst. */
  maxLatencyMs?: number;
  /** Address Envoy listeners bind (`--listener-address`). */
  listenerAddress?: string;
  /** Ports the Envoys use for themselves (see `TranslateOptions.reservedPorts`). */
  reservedPorts?: ReadonlyMap<number, string>;
  /** Every Gateway's listeners bind one address (see `TranslateOptions.sharedAddress`). */
  sharedAddress?: boolean;
  /** The provisioner assigns `spec.addresses` (see `TranslateOptions.assignsAddresses`). */
  assignsAddresses?: boolean;
  /** The rate limit service (see `TranslateOptions.rateLimitService`). */
  rateLimitService?: RateLimitServiceOption;
}

export interface PipelineDeps {
  publisher: SnapshotPublisher;
  tracker: ProxyTracker;
  logger?: Logger;
  metrics?: PipelineMetrics;
  /** Scheduler for batching timers (tests use a virtual one). */
  scheduler?: SchedulerLike;
  /** Clock for `lastTransitionTime` of changed conditions. */
  now?: () => Date;
  /** The pure core; replaceable in tests to prove the guard. */
  translator?: Translator;
}

/** One translation's result as served: the last good output plus what went wrong this time. */
export interface PipelineOutput {
  /** Store revision this output was computed from. */
  revision: number;
  /** The Gateways being served (accepted ones), from the last good translation. */
  gateways: GatewayOutput[];
  /** Every Gateway API object with the status the translator computed. */
  resources: KubeObject[];
  warnings: string[];
  errors: PipelineError[];
}

export const DEFAULT_ENDPOINT_QUIET_MS = 5;
export const DEFAULT_LONE_QUIET_MS = 1;
/**
 * A change this long after the one before is not part of a burst: `kubectl apply` of many objects
 * sends them a few ms apart (each a round trip to the API server), a person or a CI job far apart.
 */
export const LONE_GAP_MS = 10;

/**
 * Longest wait for a certificate's validity to begin or end before translating again: timers
 * cannot wait longer than about 24.8 days, and a day is cheap.
 */
export const MAX_CERTIFICATE_RECHECK_MS = 24 * 60 * 60 * 1000;

/** Longest time a proxy event waits before the status report follows it, during a burst. */
export const PROXY_STATUS_INTERVAL_MS = 25;

/**
 * Proxy events as the status report follows them: the first of a burst at once, then at most one
 * every PROXY_STATUS_INTERVAL_MS, and the last one always. A change reaching 500 Envoys brings
 * about 1,500 ACKs within a second, and each report asks the ADS server whether every Envoy of
 * each Gateway has ACKed: one report per event made Portico's work per change grow with the
 * square of the number of Envoys (fan-out benchmark: 4–5 times slower at 500 Envoys).
 */
export function coalesceProxyEvents<T>(scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<T> {
  return throttleTime<T>(PROXY_STATUS_INTERVAL_MS, scheduler, { leading: true, trailing: true });
}

/** The store after an event, and whether that event could only have changed endpoints. */
interface FoldedEvent {
  store: ResourceStore;
  endpointsOnly: boolean;
}

function changesOnlyEndpoints(event: ResourceEvent): boolean {
  return (event.type === 'upsert' || event.type === 'delete') && event.object.kind === 'EndpointSlice';
}

export class Pipeline {
  private readonly outputs = new ReplaySubject<PipelineOutput>(1);
  private readonly statuses = new BehaviorSubject<StatusReport>(EMPTY_STATUS_REPORT);
  private readonly subscription = new Subscription();
  private readonly logger: Logger;
  private readonly snapshots: GatewaySnapshotSync;
  private lastGood: PipelineOutput | undefined;
  /** The store the last good output was computed from; the fast path diffs against it. */
  private lastStore: ResourceStore | undefined;
  private isSynced = false;
  /** Unchanged routes are neither translated nor built again (output is the same without it). */
  private readonly cache = new TranslationCache();
  private readonly serviceEndpoints = new ServiceEndpointsIndex();
  private readonly resourceSets = new ResourceSetBuilder();
  private readonly carrier = new LastStatusCarrier();
  /** The warnings of the last translation, as logged. */
  private loggedWarnings: readonly string[] = [];
  /** The latest store translated, and the timer that translates it again when a certificate's validity changes. */
  private latestStore: ResourceStore | undefined;
  private readonly certificateRechecks = new Subject<void>();
  private readonly reporter: StatusReporter;
  private certificateTimer: Subscription | undefined;
  /** When the last change reached the batching (the batching clock's time). */
  private lastChangeAt = -Infinity;

  /** Each translation's output, after publishing; replays the latest to late subscribers. */
  readonly output$: Observable<PipelineOutput> = this.outputs.asObservable();
  /** The status report, updated on every output and every proxy event. */
  readonly status$: Observable<StatusReport> = this.statuses.asObservable();

  constructor(
    events$: Observable<ResourceEvent>,
    private readonly deps: PipelineDeps,
    private readonly options: PipelineOptions = {},
  ) {
    this.logger = (deps.logger ?? silentLogger).child({ component: 'pipeline' });
    this.snapshots = new GatewaySnapshotSync(deps.publisher);
    this.reporter = new StatusReporter(deps.tracker, this.logger, () => this.now());

    const stores$ = events$.pipe(
      catchError((err: unknown) => {
        this.logger.error('resource event stream failed; the last state stays in service', { error: err });
        return EMPTY;
      }),
      scan(
        (folded: FoldedEvent, event: ResourceEvent): FoldedEvent => ({
          store: foldResourceEvent(folded.store, event),
          endpointsOnly: changesOnlyEndpoints(event),
        }),
        { store: EMPTY_STORE, endpointsOnly: false },
      ),
      filter((folded) => folded.store.synced),
      batchWithLatencyCap<FoldedEvent>(
        (buffered) => this.quietFor(buffered),
        options.maxLatencyMs ?? DEFAULT_MAX_LATENCY_MS,
        deps.scheduler,
      ),
      map((batch) => batch[batch.length - 1]!.store),
    );
    // A certificate that expires (or becomes valid) while nothing changes still shows in status.
    const rechecks$ = this.certificateRechecks.pipe(
      map(() => this.latestStore),
      filter((store): store is ResourceStore => store !== undefined),
      map((store) => this.translateAgain(store)),
    );
    this.subscription.add(
      merge(stores$.pipe(map((store) => this.translateAndPublish(store))), rechecks$).subscribe(this.outputs),
    );

    const proxyEvents$ = deps.tracker.events$.pipe(
      catchError((err: unknown) => {
        this.logger.error('proxy event stream failed; Programmed is no longer updated', { error: err });
        return EMPTY;
      }),
      coalesceProxyEvents(deps.scheduler),
    );
    this.subscription.add(
      combineLatest([this.outputs, proxyEvents$.pipe(startWith(undefined))])
        .pipe(map(([output]) => this.reporter.report(output, this.statuses.getValue())))
        .subscribe((report) => this.statuses.next(report)),
    );
  }

  private get clock(): SchedulerLike {
    return this.deps.scheduler ?? asyncScheduler;
  }

  /**
   * How long the batch waits for more: a burst of EndpointSlice changes only, briefly (they take
   * the fast path); a lone change, one that comes `LONE_GAP_MS` or more after the one before, barely
   * (nothing suggests more is coming); anything else, the quiet period. (Status-only updates never
   * get here: the Kubernetes provider keeps them back.)
   */
  private quietFor(buffered: readonly FoldedEvent[]): number {
    const now = this.clock.now();
    const gap = now - this.lastChangeAt;
    this.lastChangeAt = now;
    if (buffered.every((folded) => folded.endpointsOnly))
      return this.options.endpointQuietMs ?? DEFAULT_ENDPOINT_QUIET_MS;
    const quiet = this.options.quietMs ?? DEFAULT_QUIET_MS;
    const lone = buffered.length === 1 && gap >= LONE_GAP_MS;
    return lone ? Math.min(this.options.loneQuietMs ?? DEFAULT_LONE_QUIET_MS, quiet) : quiet;
  }

  /** The latest status report, for `/debug/status`. */
  latestStatus(): StatusReport {
    return this.statuses.getValue();
  }

  /** Whether the provider's initial state has been translated and published. */
  get synced(): boolean {
    return this.isSynced;
  }

  stop(): void {
    this.certificateTimer?.unsubscribe();
    this.subscription.unsubscribe();
    this.outputs.complete();
    this.statuses.complete();
  }

  private now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /**
   * Only EndpointSlices changed since the last good translation: swap in fresh
   * ClusterLoadAssignments for the affected Services and publish, without translating again.
   */
  private refreshEndpointsOnly(store: ResourceStore): PipelineOutput | undefined {
    const last = this.lastGood;
    if (!last || !this.lastStore || last.errors.length > 0) return undefined;
    const affected = endpointOnlyChanges(this.lastStore, store);
    if (!affected) return undefined;
    const started = performance.now();
    const refreshed = refreshEndpoints(last.gateways, this.serviceEndpoints.of(store, affected), this.cache);
    if (!refreshed) return undefined;
    const errors: PipelineError[] = [];
    for (const gateway of refreshed.changed) {
      const failure = this.snapshots.publishUnchecked(gateway);
      if (failure) errors.push({ stage: 'publish', gateway: gateway.name, message: failure });
    }
    this.deps.metrics?.endpointRefreshes.inc();
    this.logger.debug('endpoints refreshed', {
      revision: store.revision,
      services: affected.size,
      gateways: refreshed.changed.map((g) => g.name),
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
    // The same (empty) errors list as before keeps the status report from being recomputed: nothing
    // an endpoint change does shows in a status.
    return {
      ...last,
      revision: store.revision,
      gateways: refreshed.gateways,
      errors: errors.length === 0 ? last.errors : errors,
    };
  }

  private translateAndPublish(store: ResourceStore): PipelineOutput {
    this.latestStore = store;
    const fast = this.tryFastPath(store);
    if (fast) return fast;
    return this.translateAgain(store);
  }

  /** A full translation, also of an unchanged store (the time moved past a certificate's validity). */
  private translateAgain(store: ResourceStore): PipelineOutput {
    const output = this.translateFully(store);
    this.lastStore = output.errors.length === 0 ? store : undefined;
    return output;
  }

  /** Translates again when `next` (RFC 3339) comes, or in a day at most, instead of at any earlier time set. */
  private scheduleCertificateRecheck(next: string | undefined): void {
    this.certificateTimer?.unsubscribe();
    this.certificateTimer = undefined;
    if (next === undefined) return;
    const clock = () => (this.deps.now?.() ?? new Date()).getTime();
    const scheduledAt = clock();
    const delay = Math.min(Math.max(Date.parse(next) - scheduledAt, 0), MAX_CERTIFICATE_RECHECK_MS);
    this.certificateTimer = (this.deps.scheduler ?? asyncScheduler).schedule(() => {
      // A clock that did not move (a test's fixed one) can tell nothing new: no translation, no new timer.
      if (clock() > scheduledAt) this.certificateRechecks.next();
    }, delay);
  }

  private tryFastPath(store: ResourceStore): PipelineOutput | undefined {
    try {
      const output = this.refreshEndpointsOnly(store);
      if (!output) return undefined;
      this.lastGood = output;
      this.lastStore = store;
      this.isSynced = true;
      return output;
    } catch (err) {
      this.logger.error('endpoint refresh failed; translating everything', { error: err });
      return undefined;
    }
  }

  private translateFully(store: ResourceStore): PipelineOutput {
    const errors: PipelineError[] = [];
    let warnings: string[] = [];
    const metrics = this.deps.metrics;
    let output: PipelineOutput;
    try {
      const collected = this.resourceSets.of(store);
      warnings = collected.warnings;
      const now = this.now();
      const outcome = translateSafely(
        this.carrier.carry(collected.resources, this.lastGood?.resources),
        {
          now,
          certificateTime: now,
          cache: this.cache,
          ...(this.options.listenerAddress ? { listenerAddress: this.options.listenerAddress } : {}),
          ...(this.options.reservedPorts ? { reservedPorts: this.options.reservedPorts } : {}),
          ...(this.options.sharedAddress ? { sharedAddress: true } : {}),
          ...(this.options.assignsAddresses ? { assignsAddresses: true } : {}),
          ...(this.options.rateLimitService ? { rateLimitService: this.options.rateLimitService } : {}),
        },
        this.deps.translator,
      );
      metrics?.translationDuration.observe(outcome.durationMs / 1000);
      metrics?.translations.inc({ result: outcome.ok ? 'ok' : 'error' });
      if (!outcome.ok) {
        this.logger.error('translation failed; the last good configuration stays in service', {
          error: outcome.error,
          revision: store.revision,
        });
        errors.push({ stage: 'translate', message: outcome.error });
        output = { ...(this.lastGood ?? emptyOutput()), revision: store.revision, warnings, errors };
      } else {
        const synced = this.snapshots.sync(outcome.result.gateways);
        metrics?.snapshotBuilds.inc({}, synced.published.length);
        metrics?.snapshotsUnchanged.inc({}, synced.unchanged.length);
        metrics?.gatewayRemovals.inc({}, synced.removed.length);
        for (const failure of synced.errors) {
          this.logger.error('publishing a snapshot failed', { gateway: failure.gateway, error: failure.message });
          errors.push({ stage: 'publish', gateway: failure.gateway, message: failure.message });
        }
        this.logger.debug('translated', {
          revision: store.revision,
          ms: Math.round(outcome.durationMs * 10) / 10,
          routes: this.cache.routes.takeStats(),
          published: synced.published,
          removed: synced.removed,
        });
        this.scheduleCertificateRecheck(outcome.result.nextCertificateChange);
        output = {
          revision: store.revision,
          gateways: outcome.result.gateways,
          resources: outcome.result.resources,
          warnings,
          errors,
        };
        this.lastGood = output;
      }
    } catch (err) {
      // Only a bug in this method gets here; the stream must survive it all the same.
      this.logger.error('pipeline step failed', { error: err });
      errors.push({ stage: 'pipeline', message: errorMessage(err) });
      output = { ...(this.lastGood ?? emptyOutput()), revision: store.revision, warnings, errors };
    }
    // Each warning once while it lasts, not again with every translation.
    if (warnings !== this.loggedWarnings) {
      const before = new Set(this.loggedWarnings);
      for (const warning of warnings) if (!before.has(warning)) this.logger.warn(warning);
      this.loggedWarnings = warnings;
    }
    this.isSynced = true;
    return output;
  }
}

function emptyOutput(): PipelineOutput {
  return { revision: 0, gateways: [], resources: [], warnings: [], errors: [] };
}

/** Starts the pipeline over a provider's events. */
export function startPipeline(
  events$: Observable<ResourceEvent>,
  deps: PipelineDeps,
  options: PipelineOptions = {},
): Pipeline {
  return new Pipeline(events$, deps, options);
}
