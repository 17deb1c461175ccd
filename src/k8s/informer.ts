/**
 * One list+watch informer per kind, restarted with backoff.
 *
 * client-node's informer (`ListWatch`, what `makeInformer` returns) relists by itself after a 410
 * (resourceVersion too old) and re-watches when the server closes a watch, but on any other error
 * (API server down, 403, a reset connection) it reports the error and stops for good. This wrapper
 * restarts it with exponential backoff; the informer keeps its cache across restarts, so a relist
 * reports exactly the objects that changed or went away meanwhile.
 *
 * `ListWatch` is built directly rather than through `makeInformer` because only its constructor
 * takes a field selector (Secrets: not the cluster's own types). Lists go through `KubeApi` (plain
 * JSON, no client-side models), watches through client-node's `Watch`.
 */
import { ListWatch, Watch } from '@kubernetes/client-node';
import type {
  Informer,
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  ObjectCache,
} from '@kubernetes/client-node';
import type { Logger } from '../shared/logger.js';
import { errorMessage } from '../shared/error-message.js';
import type { KubeObject } from '../resources/types.js';
import { GATEWAY_GROUP } from '../resources/types.js';
import { Backoff } from '../shared/backoff.js';
import type { BackoffOptions } from '../shared/backoff.js';
import type { ResolvedKind } from './kinds.js';
import { ApiError } from '../kube-client/kube-api.js';
import type { KubeApi } from '../kube-client/kube-api.js';

export interface InformerHandlers {
  /** An object was added or changed (every object of the first list, then watch events). */
  upsert(object: KubeObject): void;
  delete(object: KubeObject): void;
  /** The first list completed and its objects were delivered. Called once. */
  listed(): void;
}

export type ListFn = () => Promise<KubernetesListObject<KubernetesObject>>;

/** What the wrapper needs of client-node's informer; tests substitute their own. */
export type InformerLike = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

export type InformerFactory = (kind: ResolvedKind, list: ListFn) => InformerLike;

export function listWatchFactory(config: KubeConfig): InformerFactory {
  return (kind, list) => new ListWatch(kind.path, new Watch(config), list, false, undefined, kind.fieldSelector);
}

export interface RestartingInformerOptions {
  api: KubeApi;
  factory: InformerFactory;
  logger: Logger;
  backoff?: BackoffOptions;
  /** Shared by a provider's informers, so that one outage is one warning, not one per kind and retry. */
  problems?: WatchProblems;
}

/**
 * Keeps informer failures quiet: losing the API server is warned about once for all informers
 * (and its end logged once), any other problem (403, 404…) once per kind until it is fixed;
 * retries are logged at debug.
 */
export class WatchProblems {
  private readonly failing = new Set<string>();
  private unreachableReported = false;

  constructor(private readonly logger: Logger) {}

  failed(kind: string, problem: WatchProblem, retryInMs: number): void {
    const firstForKind = !this.failing.has(kind);
    this.failing.add(kind);
    const fields = { kind, error: problem.message, retryInMs };
    if (problem.unreachable && !this.unreachableReported) {
      this.unreachableReported = true;
      this.logger.warn('lost the API server; informers retry with backoff and keep serving the last state', fields);
    } else if (!problem.unreachable && firstForKind) {
      this.logger.warn('list/watch failed; retrying with backoff', fields);
    } else {
      this.logger.debug('list/watch failed again', fields);
    }
  }

  recovered(kind: string): void {
    if (!this.failing.delete(kind)) return;
    this.logger.debug('watch restored', { kind });
    if (this.failing.size === 0) {
      this.logger.info('all watches restored');
      this.unreachableReported = false;
    }
  }
}

export interface WatchProblem {
  message: string;
  /** No HTTP answer at all (connection refused or reset, TLS, DNS, timeout). */
  unreachable: boolean;
}

export class RestartingInformer {
  private readonly informer: InformerLike;
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private hasListed = false;
  private listSucceeded = false;
  private errorsThisStart = 0;
  private readonly problems: WatchProblems;

  constructor(
    readonly kind: ResolvedKind,
    private readonly handlers: InformerHandlers,
    private readonly options: RestartingInformerOptions,
  ) {
    this.logger = options.logger.child({ kind: kind.kind });
    this.backoff = new Backoff(options.backoff);
    this.problems = options.problems ?? new WatchProblems(this.logger);
    this.informer = options.factory(kind, () => this.list());
    this.informer.on('add', (object) => this.deliver(() => handlers.upsert(this.normalize(object))));
    this.informer.on('update', (object) => this.deliver(() => handlers.upsert(this.normalize(object))));
    this.informer.on('delete', (object) => this.deliver(() => handlers.delete(this.normalize(object))));
    this.informer.on('error', (err: unknown) => this.failed(err));
  }

  /** Whether the first list has been delivered. */
  get listed(): boolean {
    return this.hasListed;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.informer.stop();
  }

  /** The informer's cached object, as the API server last reported it. */
  get(name: string, namespace: string | undefined): KubeObject | undefined {
    const object = this.informer.get(name, this.kind.namespaced ? namespace : undefined);
    return object ? this.normalize(object) : undefined;
  }

  list(): Promise<KubernetesListObject<KubernetesObject>> {
    return this.options.api
      .request<KubernetesListObject<KubernetesObject>>({
        path: this.kind.path,
        query: { fieldSelector: this.kind.fieldSelector },
      })
      .then((list) => {
        this.listSucceeded = true;
        return { ...list, items: (list.items ?? []).map((item) => this.normalize(item) as KubernetesObject) };
      });
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    this.listSucceeded = false;
    this.errorsThisStart = 0;
    try {
      // Resolves once the list (if one was needed) has been delivered and the watch is open, or
      // once either failed (reported through the 'error' callback).
      await this.informer.start();
    } catch (err) {
      this.failed(err);
    }
    if (this.stopped) return;
    if (this.listSucceeded && !this.hasListed) {
      this.hasListed = true;
      this.logger.debug('listed', { count: this.informer.list().length });
      this.handlers.listed();
    }
    if (this.errorsThisStart === 0) {
      this.problems.recovered(this.kind.kind);
      this.backoff.reset();
    }
  }

  private failed(err: unknown): void {
    if (this.stopped) return; // stopping aborts the watch, which client-node reports as an error
    this.errorsThisStart += 1;
    if (this.restartTimer) return; // one failure can be reported twice (list and watch)
    const delayMs = this.backoff.next();
    this.problems.failed(this.kind.kind, describeWatchError(err, this.kind), delayMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.run();
    }, delayMs);
    this.restartTimer.unref();
  }

  /** A handler's exception must not escape into client-node's stream handling. */
  private deliver(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.logger.error('handling an informer event failed', { error: err });
    }
  }

  /** Items of typed lists carry no kind/apiVersion; watch events do. Every object gets both. */
  private normalize(object: KubernetesObject): KubeObject {
    const o = object as KubeObject;
    if (o.kind === this.kind.kind && o.apiVersion) return o;
    return { ...o, kind: this.kind.kind, apiVersion: o.apiVersion ?? this.kind.apiVersion };
  }
}

/** An error as a sentence that says what to do about it. */
export function describeWatchError(err: unknown, kind: ResolvedKind): WatchProblem {
  const status = statusOf(err);
  return { message: watchErrorMessage(status, err, kind), unreachable: status === 0 };
}

function statusOf(err: unknown): number {
  return err instanceof ApiError
    ? err.status
    : typeof (err as { statusCode?: unknown })?.statusCode === 'number'
      ? (err as { statusCode: number }).statusCode
      : typeof (err as { code?: unknown })?.code === 'number'
        ? (err as { code: number }).code
        : 0;
}

function watchErrorMessage(status: number, err: unknown, kind: ResolvedKind): string {
  const detail = errorMessage(err);
  switch (status) {
    case 401:
      return `${kind.path}: credentials rejected (401); check the kubeconfig's user or the service account token`;
    case 403:
      return `${kind.path}: forbidden (403); grant list and watch on ${kind.plural}${kind.group ? `.${kind.group}` : ''} to Portico's service account (see manifests/)`;
    case 404:
      return kind.group === GATEWAY_GROUP
        ? `${kind.path}: not found (404); install the Gateway API CRDs (v1.7.0) into the cluster`
        : `${kind.path}: not found (404); the API server does not serve ${kind.apiVersion} ${kind.plural}`;
    default:
      return status === 0
        ? `${kind.path}: cannot reach the API server (${detail}); check --kubeconfig and that the API server is up`
        : `${kind.path}: ${detail}`;
  }
}
