/**
 * Envoy v3 resources as plain objects in protobufjs `keepCase` form (snake_case field names,
 * enums as strings, Durations as `{seconds, nanos}`, wrappers as `{value}`, Any as
 * `{'@type': url, ...fields}`). They are what `src/proto` encodes, and what stage 2
 * (src/translate/xds) emits: defined here, below both, so that proto needs nothing from above.
 */
export type EnvoyMessage = { [field: string]: unknown };

/** The Envoy resources for one Gateway, each list sorted by name. */
export interface XdsResources {
  listeners: EnvoyMessage[];
  routes: EnvoyMessage[];
  clusters: EnvoyMessage[];
  endpoints: EnvoyMessage[];
  secrets: EnvoyMessage[];
}

export type XdsKind = keyof XdsResources;
export const XDS_KINDS: readonly XdsKind[] = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'];
