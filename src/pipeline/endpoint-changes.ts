/**
 * The deciding half of the endpoint fast path: whether a batch of changes touched EndpointSlices
 * only, and if so which Services, as they are now. The translator's `refreshEndpoints` then
 * replaces just their ClusterLoadAssignments.
 */
import type { EndpointSlice, KubeObject, Service } from '../resources/types.js';
import type { ServiceEndpoints } from '../translate/index.js';
import type { ResourceStore } from './resource-store.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * The Services (`<namespace>/<name>`) whose EndpointSlices differ between two stores, or
 * undefined when anything other than an EndpointSlice changed (then only a full translation is right).
 */
export function endpointOnlyChanges(before: ResourceStore, after: ResourceStore): Set<string> | undefined {
  if (before.synced !== after.synced) return undefined;
  const services = new Set<string>();
  const note = (object: KubeObject | undefined): boolean => {
    if (!object) return true;
    if (object.kind !== 'EndpointSlice') return false;
    const service = object.metadata.labels?.[SERVICE_NAME_LABEL];
    if (typeof service === 'string') services.add(`${object.metadata.namespace ?? 'default'}/${service}`);
    return true;
  };
  const sources = new Set([...before.sources.keys(), ...after.sources.keys()]);
  for (const source of sources) {
    const old = before.sources.get(source);
    const now = after.sources.get(source);
    if (old === now) continue;
    for (const [identity, object] of now ?? []) {
      const previous = old?.get(identity);
      if (previous === object) continue;
      if (!note(object) || !note(previous)) return undefined;
    }
    for (const [identity, object] of old ?? []) {
      if (!now?.has(identity) && !note(object)) return undefined;
    }
  }
  return services;
}

interface SourceIndex {
  services: Map<string, Service>;
  slices: Map<string, EndpointSlice[]>;
}

/**
 * Services and their EndpointSlices by Service key, per source of a store. The store shares
 * unchanged sources between revisions, so a change re-indexes only the source it touched.
 */
export class ServiceEndpointsIndex {
  private readonly bySource = new WeakMap<ReadonlyMap<string, KubeObject>, SourceIndex>();

  /** Each of `services` as `store` holds it now. */
  of(store: ResourceStore, services: ReadonlySet<string>): Map<string, ServiceEndpoints> {
    const out = new Map<string, { service: Service | undefined; slices: EndpointSlice[] }>();
    for (const key of services) out.set(key, { service: undefined, slices: [] });
    for (const objects of store.sources.values()) {
      const source = this.indexSource(objects);
      for (const [key, entry] of out) {
        entry.service = source.services.get(key) ?? entry.service;
        const slices = source.slices.get(key);
        if (slices) entry.slices = [...entry.slices, ...slices];
      }
    }
    return out;
  }

  private indexSource(objects: ReadonlyMap<string, KubeObject>): SourceIndex {
    let index = this.bySource.get(objects);
    if (index) return index;
    index = { services: new Map(), slices: new Map() };
    for (const object of objects.values()) {
      const namespace = object.metadata.namespace ?? 'default';
      if (object.kind === 'Service') {
        index.services.set(`${namespace}/${object.metadata.name}`, object as Service);
      } else if (object.kind === 'EndpointSlice') {
        const key = `${namespace}/${object.metadata.labels?.[SERVICE_NAME_LABEL]}`;
        const list = index.slices.get(key);
        if (list) list.push(object as EndpointSlice);
        else index.slices.set(key, [object as EndpointSlice]);
      }
    }
    this.bySource.set(objects, index);
    return index;
  }
}
