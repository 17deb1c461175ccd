/**
 * The kinds the Kubernetes provider watches, and API discovery of the optional ones.
 *
 * Required kinds are watched unconditionally: if the Gateway API CRDs are missing their informers
 * fail to list, log what to install, and retry with backoff — nothing is translated meanwhile.
 * Optional kinds (the other route kinds, BackendTLSPolicy, ListenerSet) are watched only when
 * discovery finds their CRD; a missing one is logged once, not an error.
 */
import { apiVersionOf, KINDS } from '../resources/kinds.js';
import type { KindInfo } from '../resources/kinds.js';
import type { KubeApi } from '../kube-client/kube-api.js';
import { isNotFound } from '../kube-client/kube-api.js';

/** A kind as the provider watches it: a row of the kind table (src/resources/kinds.ts). */
export type WatchedKind = KindInfo;

/** A kind with the version discovery chose. */
export interface ResolvedKind extends WatchedKind {
  version: string;
  apiVersion: string;
  /** The list/watch path across all namespaces. */
  path: string;
}

/** Every kind of the table, in its order (a kind's `needs` comes before it). */
export const WATCHED_KINDS: readonly WatchedKind[] = KINDS;

export function resolveKind(kind: WatchedKind, version: string): ResolvedKind {
  const apiVersion = apiVersionOf(kind.group, version);
  const prefix = kind.group === '' ? '/api' : '/apis';
  return { ...kind, version, apiVersion, path: `${prefix}/${apiVersion}/${kind.plural}` };
}

/** The path of one object (for get and status writes). */
export function objectPath(kind: ResolvedKind, name: string, namespace: string | undefined): string {
  const prefix = kind.group === '' ? '/api' : '/apis';
  const scope = kind.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
  return `${prefix}/${kind.apiVersion}${scope}/${kind.plural}/${encodeURIComponent(name)}`;
}

export interface Discovery {
  kinds: ResolvedKind[];
  /** Optional kinds whose CRD is not installed. */
  missing: WatchedKind[];
}

interface ApiResourceList {
  resources?: { name?: string; kind?: string }[];
}

/**
 * Which version of each kind to watch. Required kinds that discovery cannot find still get their
 * first version, so their informer reports the problem (and retries) instead of Portico silently
 * watching nothing. A discovery call that fails for a reason other than 404 is thrown: the caller
 * retries, because treating "API server unreachable" as "CRD not installed" would drop a kind.
 */
export async function discoverKinds(api: KubeApi, kinds: readonly WatchedKind[] = WATCHED_KINDS): Promise<Discovery> {
  const served = new Map<string, Set<string>>();
  const resourcesOf = async (group: string, version: string): Promise<Set<string>> => {
    const key = `${group}/${version}`;
    let plurals = served.get(key);
    if (plurals) return plurals;
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    try {
      const list = await api.request<ApiResourceList>({ path, timeoutMs: 10_000 });
      plurals = new Set((list.resources ?? []).map((r) => r.name ?? '').filter((n) => n !== '' && !n.includes('/')));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      plurals = new Set();
    }
    served.set(key, plurals);
    return plurals;
  };

  const resolved: ResolvedKind[] = [];
  const missing: WatchedKind[] = [];
  for (const kind of kinds) {
    let version: string | undefined;
    for (const candidate of kind.versions) {
      if ((await resourcesOf(kind.group, candidate)).has(kind.plural)) {
        version = candidate;
        break;
      }
    }
    if (kind.needs !== undefined && !resolved.some((k) => k.kind === kind.needs)) missing.push(kind);
    else if (version) resolved.push(resolveKind(kind, version));
    else if (kind.optional) missing.push(kind);
    else resolved.push(resolveKind(kind, kind.versions[0]!));
  }
  return { kinds: resolved, missing };
}
