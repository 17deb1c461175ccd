/**
 * The snapshot cache: one consistent set of encoded resources per Gateway (`node.cluster`),
 * replaced as a whole on every publish. Implements `SnapshotPublisher`; the ADS server listens
 * for changes and brings every stream of the Gateway to the new snapshot.
 */
import { toProtoJson } from '../proto/proto-json.js';
import {
  CLUSTER,
  CLUSTER_LOAD_ASSIGNMENT,
  LISTENER,
  ROUTE_CONFIGURATION,
  SECRET,
  TYPE_URL_BY_KIND,
  kindOfTypeUrl,
  type ResourceTypeUrl,
} from '../proto/type-urls.js';
import { XDS_KINDS, type EnvoyMessage, type XdsKind, type XdsResources } from '../translate/xds/types.js';
import type { ConfigDump, GatewayKey, SnapshotPublisher } from './contract.js';
import { type Logger, quietLogger } from './log.js';
import { ResourceEncoder, contentHash, type EncodedResource } from './resources.js';

/**
 * The order in which a changed snapshot is pushed (make-before-break): clusters, their
 * endpoints, secrets, then listeners and the route configurations they name.
 */
export const PUSH_ORDER: readonly ResourceTypeUrl[] = [
  CLUSTER,
  CLUSTER_LOAD_ASSIGNMENT,
  SECRET,
  LISTENER,
  ROUTE_CONFIGURATION,
];

/** Types Envoy subscribes to as a whole (wildcard) rather than by name. */
export const WILDCARD_TYPES: ReadonlySet<string> = new Set([CLUSTER, LISTENER]);

export type TypeResources = ReadonlyMap<string, EncodedResource>;

export interface Snapshot {
  readonly gateway: GatewayKey;
  /** Hash of every resource version: equal snapshots have equal versions, across restarts too. */
  readonly version: string;
  /** Increases on every change of the Gateway's snapshot. */
  readonly generation: number;
  readonly types: ReadonlyMap<ResourceTypeUrl, TypeResources>;
  /** `remove()` was called: served empty until the last stream goes. */
  readonly removed: boolean;
  /** `Date.now()` of the publish. */
  readonly publishedAt: number;
}

const EMPTY: TypeResources = new Map();

/** One kind's part of a built snapshot, remembered with the input list it came from. */
interface BuiltType {
  input: readonly EnvoyMessage[];
  byName: Map<string, EncodedResource>;
  /** Hash of the names and versions of this kind's resources. */
  version: string;
}

export function resourcesOf(snapshot: Snapshot | undefined, typeUrl: string): TypeResources {
  return snapshot?.types.get(typeUrl as ResourceTypeUrl) ?? EMPTY;
}

export type SnapshotListener = (gateway: GatewayKey, snapshot: Snapshot | undefined) => void;

export interface SnapshotCacheOptions {
  logger?: Logger;
  encoder?: ResourceEncoder;
}

export class SnapshotCache implements SnapshotPublisher {
  readonly encoder: ResourceEncoder;
  private readonly logger: Logger;
  private readonly snapshots = new Map<GatewayKey, Snapshot>();
  private readonly listeners = new Set<SnapshotListener>();
  private generation = 0;

  constructor(options: SnapshotCacheOptions = {}) {
    this.encoder = options.encoder ?? new ResourceEncoder();
    this.logger = options.logger ?? quietLogger;
  }

  /** False when the content equals the snapshot being served (or could not be encoded). */
  publish(gateway: GatewayKey, resources: XdsResources): boolean {
    let next: Snapshot;
    try {
      next = this.build(gateway, resources, false);
    } catch (err) {
      // The contract is fire-and-forget from an RxJS pipeline: never throw into it. The previous
      // snapshot keeps being served.
      this.logger({
        level: 'error',
        msg: 'snapshot not published: a resource could not be encoded',
        gateway,
        error: err instanceof Error ? err.message : String(err),
      });
      return false;
    }
    return this.replace(gateway, next);
  }

  remove(gateway: GatewayKey): void {
    const current = this.snapshots.get(gateway);
    if (!current || current.removed) return;
    this.replace(gateway, this.build(gateway, emptyResources(), true));
  }

  /** Forgets a removed Gateway once no stream needs its (empty) snapshot any more. */
  forget(gateway: GatewayKey): void {
    const current = this.snapshots.get(gateway);
    if (!current?.removed) return;
    this.snapshots.delete(gateway);
    this.releaseAll(current);
  }

  gateways(): GatewayKey[] {
    return [...this.snapshots.values()]
      .filter((s) => !s.removed)
      .map((s) => s.gateway)
      .sort();
  }

  get(gateway: GatewayKey): Snapshot | undefined {
    return this.snapshots.get(gateway);
  }

  dump(gateway: GatewayKey, kind?: XdsKind): ConfigDump | undefined {
    const snapshot = this.snapshots.get(gateway);
    if (!snapshot || snapshot.removed) return undefined;
    const kinds = kind ? [kind] : XDS_KINDS;
    const out: ConfigDump['resources'] = {};
    for (const k of kinds) {
      const typeUrl = TYPE_URL_BY_KIND[k];
      out[k] = [...resourcesOf(snapshot, typeUrl).values()].map((r) => ({
        name: r.name,
        version: r.version,
        resource: toProtoJson(typeUrl, r.bytes),
      }));
    }
    return { gateway, version: snapshot.version, resources: out };
  }

  /** Called with every changed snapshot (after it replaced the previous one). */
  onChange(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The previous publish's input lists and what was built from them, per Gateway: a publish that
   * passes the same list object for a kind (the endpoint fast path changes only endpoints) reuses
   * that kind's encoded map and version without looking at a single resource.
   */
  private readonly lastBuilt = new Map<GatewayKey, Map<XdsKind, BuiltType>>();

  private build(gateway: GatewayKey, resources: XdsResources, removed: boolean): Snapshot {
    const types = new Map<ResourceTypeUrl, Map<string, EncodedResource>>();
    const built = new Map<XdsKind, BuiltType>();
    const previous = this.lastBuilt.get(gateway);
    const acquired: EncodedResource[] = [];
    try {
      for (const kind of XDS_KINDS) {
        const typeUrl = TYPE_URL_BY_KIND[kind];
        const input = resources[kind] ?? [];
        const reused = previous?.get(kind);
        if (reused && reused.input === input) {
          for (const r of reused.byName.values()) {
            this.encoder.retain(r);
            acquired.push(r);
          }
          types.set(typeUrl, reused.byName);
          built.set(kind, reused);
          continue;
        }
        const byName = new Map<string, EncodedResource>();
        for (const msg of input) {
          const encoded = this.encoder.acquire(typeUrl, msg);
          acquired.push(encoded);
          if (byName.has(encoded.name)) {
            this.logger({
              level: 'warn',
              msg: 'duplicate resource name: the last one wins',
              gateway,
              typeUrl,
              name: encoded.name,
            });
          }
          byName.set(encoded.name, encoded);
        }
        // The translator emits lists sorted by name; only re-sort what is not.
        const sorted = isSortedByName(byName)
          ? byName
          : new Map([...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        const version = contentHash(...[...sorted.values()].map((r) => `${r.name} ${r.version}`));
        types.set(typeUrl, sorted);
        built.set(kind, { input, byName: sorted, version });
      }
    } catch (err) {
      for (const r of acquired) this.encoder.release(r);
      throw err;
    }
    // Duplicates were acquired but are not part of the snapshot: give their references back, so
    // that each kept resource holds exactly one reference for this snapshot.
    const kept = new Set<EncodedResource>();
    for (const byName of types.values()) for (const r of byName.values()) kept.add(r);
    const counted = new Set<EncodedResource>();
    for (const r of acquired) {
      if (kept.has(r) && !counted.has(r)) counted.add(r);
      else this.encoder.release(r);
    }
    if (!removed) this.lastBuilt.set(gateway, built);
    else this.lastBuilt.delete(gateway);
    return {
      gateway,
      version: contentHash(...XDS_KINDS.map((kind) => `${TYPE_URL_BY_KIND[kind]} ${built.get(kind)?.version ?? ''}`)),
      generation: ++this.generation,
      types,
      removed,
      publishedAt: Date.now(),
    };
  }

  private replace(gateway: GatewayKey, next: Snapshot): boolean {
    const current = this.snapshots.get(gateway);
    if (current && current.version === next.version && current.removed === next.removed) {
      // Unchanged content: keep the current snapshot (and its generation), drop the new references.
      this.releaseAll(next);
      return false;
    }
    this.snapshots.set(gateway, next);
    if (current) this.releaseAll(current);
    for (const listener of this.listeners) {
      try {
        listener(gateway, next);
      } catch (err) {
        this.logger({ level: 'error', msg: 'snapshot listener failed', gateway, error: String(err) });
      }
    }
    return true;
  }

  private releaseAll(snapshot: Snapshot): void {
    for (const byName of snapshot.types.values()) for (const r of byName.values()) this.encoder.release(r);
  }
}

function isSortedByName(byName: ReadonlyMap<string, unknown>): boolean {
  let previous: string | undefined;
  for (const name of byName.keys()) {
    if (previous !== undefined && previous > name) return false;
    previous = name;
  }
  return true;
}

export function emptyResources(): XdsResources {
  return { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] };
}

/** The XdsKind a type URL serves, for log fields and dumps. */
export function kindName(typeUrl: string): string {
  return kindOfTypeUrl(typeUrl) ?? typeUrl;
}
