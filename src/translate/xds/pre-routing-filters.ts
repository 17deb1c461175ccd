/**
 * Gateway listeners' pre-routing filters (GEP-5224) as HTTP filters of the connection manager,
 * and the ext_authz filter they share with route rules' ExternalAuth filters (`routeExtAuthzFilter`).
 *
 * Each is off by default (`disabled`) and turned on, as configured in the chain, by the virtual
 * hosts of its listener (a per-route configuration): listeners on one HTTP port share a
 * connection manager, and a request belongs to the listener whose virtual host its Host selects,
 * which no filter can change. Envoy settles which filters run from the route the request first
 * matches; every such virtual host ends with a catch-all route (`gateway-ir.ts`), so that is
 * always one of the listener's.
 */
import type { IrExtAuthz, IrPreRoutingFilter, IrRouteExtAuthz } from '../../ir/types.js';
import { EXT_AUTHZ, EXT_AUTHZ_PER_ROUTE, HTTP_FAULT } from '../../proto/type-urls.js';
import type { envoy, google, Packed, PerFilterConfig } from './types.js';

/** How long Envoy waits for the authorization server (ext_authz's own default is 200 ms). */
const AUTHZ_TIMEOUT: google.protobuf.Duration = { seconds: 10 };

/** The authority of checks (HTTP Host, gRPC `:authority`): no server is told a name of its own. */
const AUTHZ_AUTHORITY = 'ext-authz.portico.invalid';

/**
 * Headers an authorization server must not set on the request, besides the ones ext_authz's
 * mutation rules refuse by default (`host`, `:authority`, `:scheme`, `:method`): the framing of
 * the request to the backend is Envoy's.
 */
const FRAMING_HEADERS = '^(content-length|transfer-encoding|connection|keep-alive|proxy-connection|te|upgrade)$';

function headerList(names: readonly string[]): envoy.type.matcher.v3.ListStringMatcher {
  return { patterns: names.map((exact) => ({ exact, ignore_case: true })) };
}

/**
 * `preRouting`: what the server adds to the request is what route matching must see (GEP-5224),
 * so the route is chosen again after it. A route rule's filter runs once its route is chosen and
 * leaves that choice alone.
 */
function extAuthz(f: IrExtAuthz, preRouting: boolean): Packed<typeof EXT_AUTHZ> {
  const config: Packed<typeof EXT_AUTHZ> = {
    '@type': EXT_AUTHZ,
    transport_api_version: 'V3',
    ...(preRouting ? { clear_route_cache: true } : {}),
    // Set at all, the rules are checked: a refused change (Host, :authority…) is dropped and the
    // request goes on with the original value.
    decoder_header_mutation_rules: { disallow_expression: { regex: FRAMING_HEADERS } },
  };
  // A server that cannot be reached, or answers 5xx: the request goes on (else ext_authz's 403).
  if (f.failOpen) config.failure_mode_allow = true;
  if (f.allowedHeaders.length > 0) config.allowed_headers = headerList(f.allowedHeaders);
  if (f.forwardBodyMaxBytes !== undefined) {
    // GEP-1494: "the body sent to the authorization server must be truncated to maxSize bytes";
    // a SecurityPolicy's bodyToExtAuth answers a longer body 413 instead (Envoy's default).
    config.with_request_body = {
      max_request_bytes: f.forwardBodyMaxBytes,
      ...(f.refuseLongerBody ? {} : { allow_partial_message: true }),
    };
  }
  if (f.protocol === 'GRPC') {
    // Without an authority Envoy sends the cluster name as `:authority`, and a name with a `/` is
    // no authority: HTTP/2 servers (grpc-js, Go's) reset the stream, and every check fails.
    config.grpc_service = {
      envoy_grpc: { cluster_name: f.clusterName, authority: AUTHZ_AUTHORITY },
      timeout: AUTHZ_TIMEOUT,
    };
    return config;
  }
  const http: envoy.extensions.filters.http.ext_authz.v3.HttpService = {
    server_uri: { uri: `http://${AUTHZ_AUTHORITY}`, cluster: f.clusterName, timeout: AUTHZ_TIMEOUT },
  };
  if (f.allowedResponseHeaders.length > 0) {
    http.authorization_response = { allowed_upstream_headers: headerList(f.allowedResponseHeaders) };
  } else if (!f.onlyListedResponseHeaders) {
    // GEP-1494: "If this list is empty, then all headers from the authorization server except
    // Authority or Host must be copied" (the mutation rules keep those two out). Without the
    // list, Envoy copies none (SecurityPolicy headersToBackend).
    http.authorization_response = { allowed_upstream_headers: { patterns: [{ safe_regex: { regex: '.*' } }] } };
  }
  if (f.pathPrefix !== undefined) http.path_prefix = f.pathPrefix;
  config.http_service = http;
  return config;
}

export function preRoutingFilter(
  f: IrPreRoutingFilter,
): envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter {
  if (f.type === 'deny') {
    // A filter whose backend is missing: its requests get an error, never a skipped check.
    return {
      name: f.name,
      disabled: true,
      typed_config: { '@type': HTTP_FAULT, abort: { http_status: f.status, percentage: { numerator: 100 } } },
    };
  }
  return { name: f.name, disabled: true, typed_config: extAuthz(f, true) };
}

/** A route rule's ExternalAuth: off by default, turned on by its routes (`enableRouteExtAuthz`). */
export function routeExtAuthzFilter(
  f: IrRouteExtAuthz,
): envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter {
  return { name: f.name, disabled: true, typed_config: extAuthz(f, false) };
}

/** A route's `typed_per_filter_config` entry turning its rule's ExternalAuth on. */
export function enableRouteExtAuthz(f: IrRouteExtAuthz): PerFilterConfig {
  return { [f.name]: { '@type': EXT_AUTHZ_PER_ROUTE, check_settings: {} } };
}

/**
 * On a virtual host whose listener has pre-routing filters: every route rule's ext_authz of the
 * chain put in the chain, and skipped unless the route says otherwise. Envoy settles which filters
 * are in a request's chain from the route the request first matches, and a pre-routing filter can
 * make it match another route after that (clear_route_cache): a rule's ext_authz must then be in
 * the chain already. ext_authz reads its per-route setting when it runs, from the route the
 * request matches then (a route's setting wins over its virtual host's), so it checks exactly the
 * requests that end up on its rules' routes.
 */
export function skipRouteExtAuthz(names: readonly string[]): PerFilterConfig {
  const out: PerFilterConfig = {};
  for (const name of names) out[name] = { '@type': EXT_AUTHZ_PER_ROUTE, disabled: true };
  return out;
}

/**
 * A virtual host's `typed_per_filter_config` turning its listener's pre-routing filters on: a
 * filter off by default runs where it has a per-route configuration (Envoy refuses an empty
 * `FilterConfig`), here one that changes nothing of the filter's own.
 */
export function enablePreRouting(filters: readonly IrPreRoutingFilter[]): PerFilterConfig {
  const out: PerFilterConfig = {};
  for (const f of filters) {
    out[f.name] =
      f.type === 'deny'
        ? { '@type': HTTP_FAULT, abort: { http_status: f.status, percentage: { numerator: 100 } } }
        : { '@type': EXT_AUTHZ_PER_ROUTE, check_settings: {} };
  }
  return out;
}
