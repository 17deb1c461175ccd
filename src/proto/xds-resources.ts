/**
 * Envoy v3 resources as plain objects in protobufjs `keepCase` form (snake_case field names,
 * enums as strings, Durations as `{seconds, nanos}`, wrappers as `{value}`, Any as
 * `{'@type': url, ...fields}`), typed by the generated declarations (`envoy-types.ts`). They are
 * what `src/proto` encodes, and what stage 2 (src/translate/xds) emits: defined here, below both,
 * so that proto needs nothing from above.
 */
import type { Cluster, ClusterLoadAssignment, Listener, RouteConfiguration, Secret } from './envoy-types.js';

/**
 * Any Envoy message, for code that handles every type alike by its type URL (the codec, the
 * encoder, the snapshot). Builders use the generated message types, which are assignable to it.
 */
export type EnvoyMessage = { [field: string]: unknown };

/** The Envoy resources for one Gateway, each list sorted by name. */
export interface XdsResources {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
  secrets: Secret[];
}

export type XdsKind = keyof XdsResources;
export const XDS_KINDS: readonly XdsKind[] = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'];
