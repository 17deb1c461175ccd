/**
 * What a stream serves for one type, computed once and shared by every stream that asks the same.
 *
 * The proxies of a Gateway nearly all ask the same: a wildcard CDS/LDS subscription and the same
 * EDS/RDS names. So the subscribed, name-sorted resource list of a type, its content version and
 * the encoded SotW response body (everything but the per-stream nonce) are memoized per
 * snapshot, type and subscription, instead of being filtered, sorted, hashed and encoded again
 * by each stream on each request. Streams then compare views by identity, which makes an ACK
 * O(1).
 *
 * Lifetimes: views hang off their snapshot in a WeakMap, so a replaced snapshot's views and
 * bodies are collected as soon as no stream references them; subscriptions are interned through
 * WeakRefs, so equal subscriptions share one name set and the table forgets unused ones.
 */
import { CLUSTER, type ResourceTypeUrl } from '../proto/type-urls.js';
import { contentHash, typeVersion, type EncodedResource } from './resources.js';
import { builtVersion, resourcesOf, type Snapshot, type TypeResources } from './snapshot.js';
import type { GrpcFrame } from './grpc-frame.js';
import { encodeSotwResponse } from './wire.js';

/** An interned subscription: streams that subscribe to the same names hold the same object. */
export interface Subscription {
  /** Identifies the subscription in memo keys (`*` for a wildcard). */
  readonly key: string;
  readonly wildcard: boolean;
  /** Explicit names (a wildcard subscription may name resources too; they add nothing). */
  readonly names: ReadonlySet<string>;
}

/**
 * Resources a stream must serve beyond the snapshot: clusters (and their assignments) that a new
 * snapshot dropped but Envoy may still use (make-before-break). Rare and small.
 */
export interface Extra {
  /** Names and versions of `resources`: streams retaining the same content share views. */
  readonly key: string;
  readonly resources: ReadonlyMap<string, EncodedResource>;
}

/** The subscribed part of a snapshot's type (plus extras), sorted by name. Immutable, shared. */
export interface TypeView {
  readonly typeUrl: ResourceTypeUrl;
  readonly resources: ReadonlyMap<string, EncodedResource>;
  /** Content version of `resources`: the SotW `version_info`. */
  readonly version: string;
}

/** A whole DiscoveryResponse shared by streams, and the nonce it carries. */
export interface SharedResponse {
  readonly nonce: string;
  /** The response, framed once for every stream it is written to. */
  readonly frame: GrpcFrame;
}

/** How a view differs from what a client has (`sent`). */
export interface ViewDiff {
  /** Resources of the view the client lacks, or has at another version. */
  readonly changed: readonly EncodedResource[];
  /** Names the client has that the view lacks. */
  readonly removed: readonly string[];
}

const RECENT_SUBSCRIPTIONS = 16;
const RECENT_CHARS = 4 * 1024 * 1024;

export const WILDCARD: Subscription = { key: '*', wildcard: true, names: new Set() };

export class ViewCache {
  private readonly subscriptions = new Map<string, WeakRef<Subscription>>();
  private readonly forget = new FinalizationRegistry<string>((key) => {
    if (this.subscriptions.get(key)?.deref() === undefined) this.subscriptions.delete(key);
  });
  /**
   * Keyed by a type's resource map rather than by snapshot: a new snapshot that left a type alone
   * shares its map with the previous one, and so its views, versions and encoded responses.
   */
  private readonly views = new WeakMap<TypeResources, Map<string, TypeView>>();
  private readonly responses = new WeakMap<TypeView, SharedResponse>();
  private readonly updates = new WeakMap<TypeView, WeakMap<object, SharedResponse>>();
  private nextId = 0;
  private readonly names = new WeakMap<TypeView, readonly string[]>();
  private readonly edsNames = new WeakMap<ReadonlyMap<string, EncodedResource>, ReadonlySet<string>>();
  private readonly diffs = new WeakMap<object, WeakMap<TypeView, ViewDiff>>();
  private readonly parts = new WeakMap<object, WeakMap<Subscription, ReadonlyMap<string, unknown>>>();

  /** The interned subscription to `names` (sorted and hashed only when it is not known yet). */
  subscription(wildcard: boolean, names: Iterable<string>): Subscription {
    // Proxies of a Gateway send the same names in the same order: remember the last few lists as
    // sent, so that the common case skips the sort and the hash.
    const list = [...names];
    const raw = `${wildcard ? '*' : ''}\n${list.join('\n')}`;
    const recent = this.recentRaw.get(raw)?.deref();
    if (recent) return recent;
    const interned = this.intern(wildcard, list);
    // Bounded in characters too: a flood of long made-up lists must not stay behind.
    if (interned !== WILDCARD && raw.length <= RECENT_CHARS / 4) {
      while (
        this.recentRaw.size > 0 &&
        (this.recentRaw.size >= RECENT_SUBSCRIPTIONS || this.recentChars + raw.length > RECENT_CHARS)
      ) {
        const oldest = this.recentRaw.keys().next().value!;
        this.recentRaw.delete(oldest);
        this.recentChars -= oldest.length;
      }
      this.recentRaw.set(raw, new WeakRef(interned));
      this.recentChars += raw.length;
    }
    return interned;
  }

  private readonly recentRaw = new Map<string, WeakRef<Subscription>>();
  private recentChars = 0;

  private intern(wildcard: boolean, names: readonly string[]): Subscription {
    const sorted = [...new Set(names)].sort(byString);
    if (wildcard && sorted.length === 0) return WILDCARD;
    const key = `${wildcard ? '*' : ''}${contentHash(...sorted)}`;
    const known = this.subscriptions.get(key)?.deref();
    if (known) return known;
    const created: Subscription = { key, wildcard, names: new Set(sorted) };
    this.subscriptions.set(key, new WeakRef(created));
    this.forget.register(created, key);
    return created;
  }

  /** What a stream subscribed with `sub` (and holding `extra`) should have of `typeUrl`. */
  view(snapshot: Snapshot, typeUrl: ResourceTypeUrl, sub: Subscription, extra?: Extra): TypeView {
    const all = resourcesOf(snapshot, typeUrl);
    let byKey = this.views.get(all);
    if (!byKey) this.views.set(all, (byKey = new Map()));
    const key = `${typeUrl} ${sub.key} ${extra?.key ?? ''}`;
    let view = byKey.get(key);
    if (!view) {
      const resources = select(all, sub, extra);
      view = { typeUrl, resources, version: builtVersion(resources) ?? typeVersion(resources) };
      byKey.set(key, view);
    }
    return view;
  }

  /**
   * The complete SotW response for `view`, encoded once and written as is to every stream served
   * that view. Its nonce names the view, not the stream: a nonce only has to tell a stream's
   * responses of a type apart, and a stream is never sent a view twice in a row under the same
   * nonce (see `AdsStream.send`).
   */
  sotwResponse(view: TypeView, controlPlaneId: string): SharedResponse {
    let response = this.responses.get(view);
    if (!response) {
      const nonce = `v${(++this.nextId).toString(36)}`;
      const frame = encodeSotwResponse({
        versionInfo: view.version,
        typeUrl: view.typeUrl,
        nonce,
        entries: [...view.resources.values()].map((r) => r.sotwEntry),
        controlPlane: controlPlaneId,
      });
      this.responses.set(view, (response = { nonce, frame }));
    }
    return response;
  }

  /**
   * A SotW response for `view` that carries only `changed`, the resources of the view the client
   * does not have at their version: for types other than Listener and Cluster, SotW responses
   * group resources like delta ones, and the client keeps what a response leaves out (xDS
   * protocol, "Grouping Resources into Responses"). Envoy applies every resource of a response
   * (for a ClusterLoadAssignment: one cluster update each), so one changed endpoint costs it one
   * cluster update instead of one per cluster. `version_info` is still the whole view's: after
   * the ACK, the client has the view. With `share`, the response is encoded once per pair of
   * `from` (the map of what the client has, shared by the streams that have the same) and view.
   */
  sotwUpdate(
    view: TypeView,
    from: object,
    changed: readonly EncodedResource[],
    controlPlaneId: string,
    share: boolean,
  ): SharedResponse {
    let byFrom = this.updates.get(view);
    const known = share ? byFrom?.get(from) : undefined;
    if (known) return known;
    const nonce = `v${(++this.nextId).toString(36)}`;
    const frame = encodeSotwResponse({
      versionInfo: view.version,
      typeUrl: view.typeUrl,
      nonce,
      entries: changed.map((r) => r.sotwEntry),
      controlPlane: controlPlaneId,
    });
    const response = { nonce, frame };
    if (share) {
      if (!byFrom) this.updates.set(view, (byFrom = new WeakMap()));
      byFrom.set(from, response);
    }
    return response;
  }

  /**
   * How `view` differs from `held`, what a client has. With `share` (`held` is a map that is
   * never mutated: a SotW stream's, which is the view it was last sent and is shared by the
   * streams sent the same), computed once per pair and shared: after a change, 500 Envoys that
   * had the same view cost one comparison, not 500.
   */
  diff(held: ReadonlyMap<string, { readonly version: string }>, view: TypeView, share: boolean): ViewDiff {
    let byView = share ? this.diffs.get(held) : undefined;
    const known = byView?.get(view);
    if (known) return known;
    const changed: EncodedResource[] = [];
    for (const r of view.resources.values()) if (held.get(r.name)?.version !== r.version) changed.push(r);
    const removed: string[] = [];
    if (held.size + changed.length > view.resources.size) {
      for (const name of held.keys()) if (!view.resources.has(name)) removed.push(name);
    }
    const diff = { changed, removed };
    if (share) {
      if (!byView) this.diffs.set(held, (byView = new WeakMap()));
      byView.set(view, diff);
    }
    return diff;
  }

  /**
   * `held` without the names `sub` does not ask for; `held` itself when nothing is dropped. A SotW
   * stream's maps are never mutated and shared by the streams sent the same, so the answer is
   * shared too: 500 Envoys restating a grown EDS subscription cost one walk, not 500.
   */
  subscribedPart<H>(held: ReadonlyMap<string, H>, sub: Subscription): ReadonlyMap<string, H> {
    let bySub = this.parts.get(held);
    const known = bySub?.get(sub) as ReadonlyMap<string, H> | undefined;
    if (known) return known;
    let part: ReadonlyMap<string, H> = held;
    for (const name of held.keys()) {
      if (!sub.names.has(name)) {
        part = new Map([...held].filter(([n]) => sub.names.has(n)));
        break;
      }
    }
    if (!bySub) this.parts.set(held, (bySub = new WeakMap()));
    bySub.set(sub, part);
    return part;
  }

  /** The names in `view`, for debug logs (built once per view, not per push). */
  namesOf(view: TypeView): readonly string[] {
    let names = this.names.get(view);
    if (!names) this.names.set(view, (names = [...view.resources.keys()]));
    return names;
  }

  /** ClusterLoadAssignment names the EDS clusters of a cluster view use. */
  edsNamesOf(clusters: ReadonlyMap<string, EncodedResource>): ReadonlySet<string> {
    let names = this.edsNames.get(clusters);
    if (!names) {
      const found = new Set<string>();
      for (const r of clusters.values()) if (r.edsName) found.add(r.edsName);
      this.edsNames.set(clusters, (names = found));
    }
    return names;
  }

  /** ClusterLoadAssignment names the snapshot's EDS clusters use. */
  claNames(snapshot: Snapshot): ReadonlySet<string> {
    return this.edsNamesOf(resourcesOf(snapshot, CLUSTER));
  }
}

/** The subscribed resources, sorted by name; the snapshot's own (sorted) map when it is all of it. */
function select(
  all: ReadonlyMap<string, EncodedResource>,
  sub: Subscription,
  extra: Extra | undefined,
): ReadonlyMap<string, EncodedResource> {
  const extras = extra ? [...extra.resources].filter(([name]) => !all.has(name)) : [];
  const wanted = (name: string): boolean => sub.wildcard || sub.names.has(name);
  if (sub.wildcard && extras.length === 0) return all;
  if (extras.length === 0 && sub.names.size >= all.size && coversAll(sub, all)) return all;
  const out: [string, EncodedResource][] = [];
  for (const entry of all) if (wanted(entry[0])) out.push(entry);
  for (const entry of extras) if (wanted(entry[0])) out.push(entry);
  // The snapshot's maps are sorted already: only extras need sorting in.
  if (extras.length > 0) out.sort(([a], [b]) => byString(a, b));
  return new Map(out);
}

/** Whether a subscription names every resource of `all` (Envoy's EDS subscription usually does). */
function coversAll(sub: Subscription, all: ReadonlyMap<string, EncodedResource>): boolean {
  for (const name of all.keys()) if (!sub.names.has(name)) return false;
  return true;
}

export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
