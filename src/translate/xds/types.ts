/** Stage 2's output: the Envoy resources per Gateway, in the vocabulary src/proto encodes. */
export { XDS_KINDS } from '../../proto/xds-resources.js';
export type { EnvoyMessage, XdsKind, XdsResources } from '../../proto/xds-resources.js';
export type {
  Bootstrap,
  Cluster,
  ClusterLoadAssignment,
  envoy,
  google,
  Listener,
  Packed,
  PerFilterConfig,
  RouteConfiguration,
  Secret,
  xds,
} from '../../proto/envoy-types.js';
