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
import { type Logger, quietLogger } from '../shared/logger.js';
import { ResourceEncoder, SetDigest, contentHash, type EncodedResource } from './resources.js';

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
  /** What `version` is made from, to update it for a few changed resources. */
  digest: SetDigest;
  /** The encoding of each input position (a duplicate name's earlier one included). */
  encodedAt: EncodedResource[];
  hasDuplicates: boolean;
  /**
   * Snapshots holding this type. The type holds one encoder reference per resource of `byName`
   * for all of them, given back when the last holder goes.
   */
  holders: number;
}

/** The version (`typeVersion`) each built type map was given. */
const builtVersions = new WeakMap<ReadonlyMap<string, EncodedResource>, string>();

/** The version of a type map built by a snapshot, without hashing it again; undefined otherwise. */
export function builtVersion(resources: ReadonlyMap<string, EncodedResource>): string | undefined {
  return builtVersions.get(resources);
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
    this.logger = options.logger ?? quietLogger({ component: 'xds' });
  }

  /** False when the content equals the snapshot being served (or could not be encoded). */
  publish(gateway: GatewayKey, resources: XdsResources): boolean {
    let next: Snapshot;
    try {
      next = this.build(gateway, resources, false);
    } catch (err) {
      // The contract is fire-and-forget from an RxJS pipeline: never throw into it. The previous
      // snapshot keeps being served.
      this.logger.error('snapshot not published: a resource could not be encoded', {
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

  private readonly builtOf = new WeakMap<Snapshot, Map<XdsKind, BuiltType>>();

  private build(gateway: GatewayKey, resources: XdsResources, removed: boolean): Snapshot {
    const types = new Map<ResourceTypeUrl, Map<string, EncodedResource>>();
    const built = new Map<XdsKind, BuiltType>();
    const served = this.snapshots.get(gateway);
    const previous = served && !served.removed ? this.builtOf.get(served) : undefined;
    // Exactly one reference per resource kept in the snapshot; given back if the build fails.
    const held: EncodedResource[] = [];
    try {
      for (const kind of XDS_KINDS) {
        const typeUrl = TYPE_URL_BY_KIND[kind];
        const input = resources[kind] ?? [];
        const reused = previous?.get(kind);
        if (reused && reused.input === input) {
          // Shared with the snapshots that hold it: one more holder, no per-resource work.
          reused.holders++;
          types.set(typeUrl, reused.byName);
          built.set(kind, reused);
          continue;
        }
        // A list changed in a few places (the endpoint fast path swaps single assignments) reuses
        // the previous encodings of the positions that hold the same object.
        const positional = reused && !reused.hasDuplicates && reused.input.length === input.length ? reused : undefined;
        const patched = positional && this.patch(positional, input, typeUrl);
        if (patched) {
          types.set(typeUrl, patched.byName);
          builtVersions.set(patched.byName, patched.version);
          built.set(kind, patched);
          continue;
        }
        const byName = new Map<string, EncodedResource>();
        const encodedAt: EncodedResource[] = [];
        let hasDuplicates = false;
        for (let i = 0; i < input.length; i++) {
          const msg = input[i]!;
          let encoded: EncodedResource;
          if (positional && positional.input[i] === msg) {
            encoded = positional.encodedAt[i]!;
            this.encoder.retain(encoded);
          } else {
            encoded = this.encoder.acquire(typeUrl, msg);
          }
          held.push(encoded);
          encodedAt.push(encoded);
          const duplicate = byName.get(encoded.name);
          if (duplicate) {
            hasDuplicates = true;
            this.logger.warn('duplicate resource name: the last one wins', {
              gateway,
              typeUrl,
              name: encoded.name,
            });
            // Not kept: its reference goes back now.
            held.splice(held.lastIndexOf(duplicate), 1);
            this.encoder.release(duplicate);
            byName.delete(encoded.name);
          }
          byName.set(encoded.name, encoded);
        }
        // The translator emits lists sorted by name; only re-sort what is not.
        const sorted = isSortedByName(byName)
          ? byName
          : new Map([...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        const digest = SetDigest.of(sorted.values());
        const version = digest.version();
        types.set(typeUrl, sorted);
        builtVersions.set(sorted, version);
        built.set(kind, { input, byName: sorted, version, digest, encodedAt, hasDuplicates, holders: 1 });
        held.length = 0;
      }
    } catch (err) {
      for (const r of held) this.encoder.release(r);
      for (const type of built.values()) this.releaseType(type);
      throw err;
    }
    const snapshot: Snapshot = {
      gateway,
      version: contentHash(...XDS_KINDS.map((kind) => `${TYPE_URL_BY_KIND[kind]} ${built.get(kind)?.version ?? ''}`)),
      generation: ++this.generation,
      types,
      removed,
      publishedAt: Date.now(),
    };
    this.builtOf.set(snapshot, built);
    return snapshot;
  }

  /**
   * `previous` with the few positions of `input` that hold other objects encoded again: no walk over
   * every name, and the version updated from the digest. Undefined when more than an eighth of the
   * list changed, or a changed position now holds another name (the full build handles order and
   * duplicates then). Takes the new type's references.
   */
  private patch(previous: BuiltType, input: readonly EnvoyMessage[], typeUrl: ResourceTypeUrl): BuiltType | undefined {
    const changed: number[] = [];
    for (let i = 0; i < input.length; i++) {
      if (previous.input[i] !== input[i] && changed.push(i) > input.length / 8) return undefined;
    }
    const fresh: EncodedResource[] = [];
    try {
      for (const i of changed) {
        const encoded = this.encoder.acquire(typeUrl, input[i]!);
        fresh.push(encoded);
        if (encoded.name !== previous.encodedAt[i]!.name) {
          for (const r of fresh) this.encoder.release(r);
          return undefined;
        }
      }
    } catch (err) {
      for (const r of fresh) this.encoder.release(r);
      throw err;
    }
    const byName = new Map(previous.byName);
    const encodedAt = previous.encodedAt.slice();
    const digest = previous.digest.copy();
    changed.forEach((i, k) => {
      const before = encodedAt[i]!;
      const after = fresh[k]!;
      digest.remove(before);
      digest.add(after);
      encodedAt[i] = after;
      byName.set(after.name, after);
    });
    const acquired = new Set(fresh);
    for (const r of byName.values()) if (!acquired.has(r)) this.encoder.retain(r);
    return { input, byName, version: digest.version(), digest, encodedAt, hasDuplicates: false, holders: 1 };
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
        this.logger.error('snapshot listener failed', { gateway, error: String(err) });
      }
    }
    return true;
  }

  private releaseAll(snapshot: Snapshot): void {
    for (const type of this.builtOf.get(snapshot)?.values() ?? []) this.releaseType(type);
  }

  private releaseType(type: BuiltType): void {
    if (--type.holders > 0) return;
    for (const r of type.byName.values()) this.encoder.release(r);
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
