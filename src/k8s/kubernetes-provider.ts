/**
 * The Kubernetes provider: `portico serve --provider kubernetes`. One restarting informer per
 * watched kind feeds the same pipeline as the file provider:
 *
 *   informer add/update ─► EdgeFilter ─┬─ forward ──────► { upsert }   ─► pipeline
 *                                      ├─ status-only ──► ObservedStatuses (laid over the next translation)
 *                                      └─ unchanged ────► dropped
 *   informer delete ───────────────────────────────────► { delete }   ─► pipeline
 *   every informer listed once ────────────────────────► { synced }   ─► pipeline (nothing is translated before)
 *
 * The informers' caches double as the live view of the cluster for the status writer
 * (`LiveObjects`): what the API server last reported, status included.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Observable } from 'rxjs';
import type { Logger } from '../shared/logger.js';
import { silentLogger } from '../shared/logger.js';
import { errorMessage } from '../shared/error-message.js';
import { bucketedSource, type ResourceEvent } from '../pipeline/resource-store.js';
import type { Translator } from '../pipeline/translate-safely.js';
import { KIND_BY_NAME } from '../resources/kinds.js';
import type { KubeObject } from '../resources/types.js';
import { translate } from '../translate/index.js';
import { Backoff } from '../shared/backoff.js';
import type { BackoffOptions } from '../shared/backoff.js';
import { EdgeFilter } from './edge-filter.js';
import { listWatchFactory, RestartingInformer, WatchProblems } from './informer.js';
import type { InformerFactory } from './informer.js';
import { discoverKinds, WATCHED_KINDS } from './kinds.js';
import { podView, podViewKey } from './pod-view.js';
import type { ResolvedKind, WatchedKind } from './kinds.js';
import type { KubeApi } from '../kube-client/kube-api.js';
import { ObservedStatuses } from './observed-statuses.js';

/** The cluster as last reported by the informers, for the status writer. */
export interface LiveObjects {
  /** The watched kind by name, once discovery ran. */
  kind(kind: string): ResolvedKind | undefined;
  get(kind: string, name: string, namespace: string | undefined): KubeObject | undefined;
}

export interface KubernetesProviderOptions {
  logger?: Logger;
  /** Informer restart and discovery retry backoff. */
  backoff?: BackoffOptions;
  /** Kinds to watch (default: all of `WATCHED_KINDS`). */
  kinds?: readonly WatchedKind[];
  /** Builds client-node's informer; replaceable in tests. */
  informerFactory?: InformerFactory;
}

export interface ProviderCounters {
  forwarded: number;
  unchanged: number;
  statusOnly: number;
  deleted: number;
}

const PROVIDER_SOURCE_PREFIX = 'kubernetes/';

export class KubernetesProvider implements LiveObjects {
  /** Starts the informers on subscription and stops them on unsubscribe; never errors. Meant for one subscriber. */
  readonly events$: Observable<ResourceEvent>;
  /** Statuses dropped at the edge; `translator()` lays them over each translation. */
  readonly observedStatuses = new ObservedStatuses();
  private readonly logger: Logger;
  private readonly informers = new Map<string, RestartingInformer>();
  private readonly resolved = new Map<string, ResolvedKind>();
  private readonly untranslatedKinds = new Set<string>();
  private readonly counts: ProviderCounters = { forwarded: 0, unchanged: 0, statusOnly: 0, deleted: 0 };
  private isSynced = false;

  constructor(
    private readonly config: KubeConfig,
    private readonly api: KubeApi,
    private readonly options: KubernetesProviderOptions = {},
  ) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'kubernetes' });
    this.events$ = new Observable<ResourceEvent>((subscriber) => this.run((event) => subscriber.next(event)));
  }

  /** Whether every informer has listed once (and `synced` was emitted). */
  get synced(): boolean {
    return this.isSynced;
  }

  /** Kinds whose informer has not listed yet, for `/readyz`. */
  waitingFor(): string[] {
    if (this.informers.size === 0) return ['API discovery'];
    return [...this.informers.values()].filter((i) => !i.listed).map((i) => i.kind.kind);
  }

  counters(): ProviderCounters {
    return { ...this.counts };
  }

  kind(kind: string): ResolvedKind | undefined {
    return this.resolved.get(kind);
  }

  get(kind: string, name: string, namespace: string | undefined): KubeObject | undefined {
    return this.informers.get(kind)?.get(name, namespace);
  }

  /** The pipeline's translator for this provider: the pure core over objects with their latest status. */
  translator(base: Translator = translate): Translator {
    return this.observedStatuses.wrap(base);
  }

  private run(emit: (event: ResourceEvent) => void): () => void {
    let stopped = false;
    let retryTimer: NodeJS.Timeout | undefined;
    const backoff = new Backoff(this.options.backoff);
    const edge = new EdgeFilter(
      new Set((this.options.kinds ?? WATCHED_KINDS).filter((k) => k.specOnly).map((k) => k.kind)),
    );
    // Pods: the last view forwarded per `<namespace>/<name>` (see pod-view.ts).
    const podViews = new Map<string, string>();

    const start = async (): Promise<void> => {
      let kinds: ResolvedKind[];
      try {
        const discovery = await discoverKinds(this.api, this.options.kinds ?? WATCHED_KINDS);
        kinds = discovery.kinds;
        for (const missing of discovery.missing) {
          this.logger.info('CRD not installed; not watching it', {
            kind: missing.kind,
            group: missing.group,
            versions: missing.versions,
          });
        }
      } catch (err) {
        const delayMs = backoff.next();
        const log = backoff.failures === 1 ? this.logger.warn : this.logger.debug;
        log.call(this.logger, 'API discovery failed; retrying', {
          error: `${errorMessage(err)}; check --kubeconfig and that the API server at ${this.api.server} is up`,
          retryInMs: delayMs,
        });
        if (!stopped) {
          retryTimer = setTimeout(() => void start(), delayMs);
          retryTimer.unref();
        }
        return;
      }
      if (stopped) return;
      const factory = this.options.informerFactory ?? listWatchFactory(this.config);
      const problems = new WatchProblems(this.logger);
      for (const kind of kinds) {
        this.resolved.set(kind.kind, kind);
        const source = PROVIDER_SOURCE_PREFIX + kind.kind;
        const informer = new RestartingInformer(
          kind,
          {
            upsert: (object) => {
              if (stopped) return;
              const decision = edge.observe(object);
              if (decision === 'unchanged') {
                this.counts.unchanged += 1;
              } else if (decision === 'status-only') {
                this.counts.statusOnly += 1;
                this.observedStatuses.record(object);
              } else {
                this.observedStatuses.clear(object);
                if (!this.translatable(object.kind)) return;
                if (object.kind === 'Pod') {
                  const view = podView(object);
                  const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
                  const viewKey = podViewKey(view);
                  if (podViews.get(key) === viewKey) return;
                  podViews.set(key, viewKey);
                  object = view;
                }
                this.counts.forwarded += 1;
                emit({ type: 'upsert', object, source: bucketedSource(source, object) });
              }
            },
            delete: (object) => {
              if (stopped) return;
              edge.forget(object);
              if (object.kind === 'Pod') podViews.delete(`${object.metadata.namespace ?? ''}/${object.metadata.name}`);
              this.observedStatuses.clear(object);
              // The store never held it: a delete would only cost a translation of an unchanged store.
              if (!KIND_BY_NAME.has(object.kind)) return;
              this.counts.deleted += 1;
              emit({ type: 'delete', object, source: bucketedSource(source, object) });
            },
            listed: () => {
              if (stopped || this.isSynced) return;
              if ([...this.informers.values()].every((i) => i.listed)) {
                this.isSynced = true;
                this.logger.info('informers synced', { kinds: [...this.informers.keys()] });
                emit({ type: 'synced' });
              }
            },
          },
          {
            api: this.api,
            factory,
            problems,
            logger: this.logger,
            ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
          },
        );
        this.informers.set(kind.kind, informer);
      }
      // Started only once all exist, so that `listed` of a fast informer sees every other one.
      for (const informer of this.informers.values()) informer.start();
    };

    void start();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      for (const informer of this.informers.values()) void informer.stop();
    };
  }

  /**
   * Kinds the translator does not read (not in the kind table) are watched but not
   * forwarded: they would only add a warning per object to every translation. They flow as soon as
   * the translator supports them.
   */
  private translatable(kind: string): boolean {
    if (KIND_BY_NAME.has(kind)) return true;
    if (!this.untranslatedKinds.has(kind)) {
      this.untranslatedKinds.add(kind);
      this.logger.info('watching a kind Portico does not translate yet; its objects are ignored', { kind });
    }
    return false;
  }
}
