/**
 * Memory of the Envoy stage between runs. IR objects that a run reuses (see the route memo) map to
 * the Envoy messages built from them last time; a virtual host, route configuration or resource list
 * whose parts are all the same objects as last time is itself the same object as last time. The
 * encoder downstream then recognises unchanged resources by identity and encodes only what changed.
 *
 * Entries live for one run after their last use (two generations), so removed Gateways, route
 * configurations and virtual hosts do not accumulate.
 */
import type { IrCluster, IrListener, IrRoute, IrSecret } from '../../ir/types.js';
import type { Cluster, ClusterLoadAssignment, envoy, Listener, Secret } from '../xds/types.js';
import { CompositeMemo, type Composite } from './composite-memo.js';

export class XdsMemo extends CompositeMemo {
  readonly routes = new WeakMap<IrRoute, envoy.config.route.v3.Route>();
  readonly clusters = new WeakMap<IrCluster, Cluster>();
  readonly loadAssignments = new WeakMap<IrCluster, ClusterLoadAssignment>();
  readonly listeners = new WeakMap<IrListener, Listener>();
  readonly secrets = new WeakMap<IrSecret, Secret>();
  /** Per message cache: the content entry an IR object's message came from (see `byContent`). */
  private readonly origins = new WeakMap<object, WeakMap<object, { key: string; entry: Composite }>>();

  /**
   * The message built from an IR object: by identity, else by content under `keyOf(ir)` (a route that
   * was translated again rebuilds its clusters as new objects with the same content), else `build`.
   */
  byContent<K extends object, M extends object>(
    cache: WeakMap<K, M>,
    keyOf: (ir: K) => string,
    ir: K,
    build: (ir: K) => M,
  ): M {
    let origins = this.origins.get(cache);
    if (!origins) this.origins.set(cache, (origins = new WeakMap()));
    const known = origins.get(ir);
    const message = cache.get(ir);
    if (message !== undefined && known) {
      // Keep the content entry alive for the runs after this one.
      if (this.current.get(known.key) !== known.entry) this.current.set(known.key, known.entry);
      return message;
    }
    const key = keyOf(ir);
    const built = this.composite(key, [JSON.stringify(ir)], () => build(ir));
    cache.set(ir, built);
    origins.set(ir, { key, entry: this.current.get(key)! });
    return built;
  }

  /** `list` itself, unless the list last seen under `key` holds the same messages (then that one). */
  list<M extends object>(key: string, list: M[]): M[] {
    return this.composite(key, list, () => list);
  }
}

/** Builds through a WeakMap when a memo is given, directly otherwise. */
export function memoized<K extends object, V>(cache: WeakMap<K, V> | undefined, key: K, build: (key: K) => V): V {
  if (!cache) return build(key);
  let value = cache.get(key);
  if (value === undefined) {
    value = build(key);
    cache.set(key, value);
  }
  return value;
}
