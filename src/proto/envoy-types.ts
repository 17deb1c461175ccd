/**
 * The Envoy messages Portico builds, as generated TypeScript types (gen/envoy/messages.d.ts,
 * written by `make envoy-types` from the protos `root.ts` loads): protobufjs `keepCase` object form,
 * every field optional, enums as unions of their names, an Any as `{'@type': url} & Message` over
 * the types `type-urls.ts` names. A misspelt field or enum name is a compile error; values the types
 * cannot express (ranges, oneofs set twice) are still caught by the round trip in `codec.ts`.
 *
 * Builders name a message by its proto full name (`envoy.config.route.v3.RouteAction`); the
 * resources served over xDS and the bootstrap have short names here.
 */
import type { envoy, google } from '../../gen/envoy/messages.js';

export type { envoy, google, xds } from '../../gen/envoy/messages.js';

export type Listener = envoy.config.listener.v3.Listener;
export type RouteConfiguration = envoy.config.route.v3.RouteConfiguration;
export type Cluster = envoy.config.cluster.v3.Cluster;
export type ClusterLoadAssignment = envoy.config.endpoint.v3.ClusterLoadAssignment;
export type Secret = envoy.extensions.transport_sockets.tls.v3.Secret;
export type Bootstrap = envoy.config.bootstrap.v3.Bootstrap;

/** A route's or virtual host's `typed_per_filter_config`: per-route configuration by filter name. */
export type PerFilterConfig = { [filterName: string]: google.protobuf.Any };

/** The message a type URL names, packed into an Any: `Packed<typeof ROUTER>` is `{'@type': ROUTER} & Router`. */
export type Packed<U extends google.protobuf.Any['@type']> = Extract<google.protobuf.Any, { '@type': U }>;
