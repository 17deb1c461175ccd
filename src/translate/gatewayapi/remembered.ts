/**
 * Values worked out from one input object alone (what Envoy would make of a Secret's key pair, of
 * a ConfigMap's CA certificates…), remembered per object. Objects are never changed in place (a
 * change is a new object), so the object stands for its content. `compute` reads nothing but the
 * key: the key itself was reached through the context's lookups, which a cache records, so
 * remembering adds no dependency the recorded reads miss.
 *
 * How long values live is the caller's: a `TranslationCache` keeps one store for all its runs; a
 * translation without a cache gets a store of its own (`StageMemory.remembered`). No store is kept
 * at module level, so nothing outlives the memory its caller owns.
 */
export interface Remember {
  <K extends object, V>(table: string, key: K, compute: (key: K) => V): V;
  /**
   * Whether the store outlives the run (a cache's): only then is bookkeeping for later runs (the
   * reads a verdict made, the statuses Portico wrote) worth its cost.
   */
  readonly lasting: boolean;
}

/**
 * A new store: one map per table name, weakly keyed when the store outlives the run (a run's own
 * store is dropped with it: a plain map costs the collector less than a weak one).
 */
export function rememberedValues(lasting = false): Remember {
  const tables = new Map<string, WeakMap<object, unknown> | Map<object, unknown>>();
  const remember = <K extends object, V>(table: string, key: K, compute: (key: K) => V): V => {
    let values = tables.get(table);
    if (!values) tables.set(table, (values = lasting ? new WeakMap() : new Map()));
    const known = values.get(key);
    if (known !== undefined || values.has(key)) return known as V;
    const value = compute(key);
    values.set(key, value);
    return value;
  };
  return Object.assign(remember, { lasting });
}
