/**
 * Make-before-break: clusters Envoy still has that the current snapshot dropped are kept (on SotW:
 * still included in Cluster responses; on delta: not removed), with their ClusterLoadAssignments,
 * until the listeners and route configurations of that snapshot are ACKed. Removing them sooner
 * would break routes Envoy still runs.
 */
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, type ResourceTypeUrl } from '../proto/type-urls.js';
import { contentHash, type EncodedResource } from './resources.js';
import { hasAll, isEncoded, type Held, type Protocol, type TypeStream } from './type-stream.js';
import type { Extra, TypeView } from './views.js';

interface Retained {
  cluster?: EncodedResource;
  claName: string;
  cla?: EncodedResource;
}

export class ClusterRetention {
  private readonly retained = new Map<string, Retained>();
  /** Bumped on every change of what is retained; plans memoized at another generation are stale. */
  gen = 0;
  /** What retained clusters add to the views of CDS and EDS. */
  private extras: { clusters?: Extra; assignments?: Extra } = {};
  /** What `capture` last looked at, when it retained nothing. */
  private inputs: { clusters: object; sent: object } | undefined;

  constructor(private readonly protocol: Protocol) {}

  get size(): number {
    return this.retained.size;
  }

  has(cluster: string): boolean {
    return this.retained.has(cluster);
  }

  names(): string[] {
    return [...this.retained.keys()];
  }

  /** The extra resources retention adds to the view of `typeUrl` (CDS and EDS only). */
  extra(typeUrl: ResourceTypeUrl): Extra | undefined {
    if (typeUrl === CLUSTER) return this.extras.clusters;
    if (typeUrl === CLUSTER_LOAD_ASSIGNMENT) return this.extras.assignments;
    return undefined;
  }

  /**
   * Retains the clusters the client was sent (`sent`, with the assignments `sentAssignments`)
   * that `clusters` (the snapshot's) lacks, and releases those it has again.
   */
  capture(
    clusters: ReadonlyMap<string, EncodedResource>,
    sent: ReadonlyMap<string, Held>,
    sentAssignments: ReadonlyMap<string, Held> | undefined,
  ): void {
    let changed = false;
    // The common case on SotW (whose `sent` maps are never mutated): the same clusters served and
    // sent as at the last call, which retained nothing, and nothing retained since. The two loops
    // below would then find nothing again.
    const unchanged =
      this.protocol === 'sotw' &&
      this.retained.size === 0 &&
      this.inputs?.clusters === clusters &&
      this.inputs.sent === sent;
    if (!unchanged) {
      for (const name of [...this.retained.keys()]) {
        if (clusters.has(name)) changed = this.retained.delete(name) || changed;
      }
      for (const [name, held] of sent) {
        if (clusters.has(name) || this.retained.has(name)) continue;
        const cluster = isEncoded(held) ? held : undefined;
        // SotW can only keep a cluster by sending it again, which needs its bytes.
        if (this.protocol === 'sotw' && !cluster) continue;
        const claName = cluster?.edsName ?? name;
        const cla = sentAssignments?.get(claName);
        this.retained.set(name, { ...(cluster ? { cluster } : {}), claName, ...(isEncoded(cla) ? { cla } : {}) });
        changed = true;
      }
    }
    this.inputs = this.retained.size === 0 ? { clusters, sent } : undefined;
    if (changed) this.changed();
  }

  /** The routes settled: nothing uses the retained clusters any more. */
  release(): void {
    this.retained.clear();
    this.changed();
  }

  /** Whether a retained cluster (with bytes, so that it is still served) uses assignment `name`. */
  usesAssignment(name: string): boolean {
    for (const kept of this.retained.values()) if (kept.cluster?.edsName === name) return true;
    return false;
  }

  /** Names a delta stream must not remove: retained clusters and their assignments. */
  keep(typeUrl: ResourceTypeUrl): Set<string> {
    const out = new Set<string>();
    for (const [name, kept] of this.retained) {
      if (typeUrl === CLUSTER) out.add(name);
      if (typeUrl === CLUSTER_LOAD_ASSIGNMENT) out.add(kept.claName);
    }
    return out;
  }

  private changed(): void {
    this.gen++;
    const clusters = new Map<string, EncodedResource>();
    const assignments = new Map<string, EncodedResource>();
    for (const [name, kept] of this.retained) {
      if (kept.cluster && !clusters.has(name)) clusters.set(name, kept.cluster);
      if (kept.cla && !assignments.has(kept.claName)) assignments.set(kept.claName, kept.cla);
    }
    this.extras = { clusters: extraOf(clusters), assignments: extraOf(assignments) };
  }
}

function extraOf(resources: Map<string, EncodedResource>): Extra | undefined {
  if (resources.size === 0) return undefined;
  const key = [...resources].map(([name, r]) => `${name} ${r.version}`).join(',');
  return { key: contentHash(key), resources };
}

/** What `routesSettled` reads of a stream. */
export interface RoutesInputs {
  /** The client announced configuration it already has (a reconnect). */
  resumed: boolean;
  listeners: TypeStream | undefined;
  routes: TypeStream | undefined;
  snapshotHasRoutes: boolean;
  view(ts: TypeStream): TypeView;
}

/**
 * Whether the listeners and route configurations of the current snapshot are ACKed: then nothing
 * Envoy runs uses a retained cluster any more, and it may go.
 */
export function routesSettled(input: RoutesInputs): boolean {
  if (input.resumed) {
    // A reconnecting Envoy has listeners and routes we have not heard about yet: wait for their
    // subscriptions before deciding that nothing uses a cluster any more.
    if (!input.listeners?.requested) return false;
    if (input.snapshotHasRoutes && !input.routes?.requested) return false;
  }
  for (const ts of [input.listeners, input.routes]) {
    if (!ts?.requested) continue;
    if (ts.pending) return false;
    const desired = input.view(ts).resources;
    if (!hasAll(ts.acked, desired)) return false;
    if (ts.sub.wildcard && ts.acked !== desired) {
      for (const name of ts.acked.keys()) if (!desired.has(name)) return false;
    }
  }
  return true;
}
