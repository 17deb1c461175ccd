/** The IR of HTTP routing: route configurations, virtual hosts, routes and their actions. */
import type { IrPreRoutingFilter, IrRouteExtAuthz } from './pre-routing.js';
import type { IrSecurity } from './security.js';
import type { IrSource } from './source.js';
import type { IrRouteTraffic } from './traffic.js';

export interface IrRouteConfig {
  name: string;
  virtualHosts: IrVirtualHost[];
  /** The name of every span of a request this configuration routes (XTelemetryPolicy `spanName`). */
  spanName?: string;
}

export interface IrVirtualHost {
  /** Unique within the route config; derived from the domain. */
  name: string;
  /** Envoy domains: the hostname, `*.suffix`, or `*`. A domain with a port (`host:*`) is not used. */
  domains: string[];
  /** Routes in precedence order: Envoy takes the first match. */
  routes: IrRoute[];
  /** The pre-routing filters of the listener that owns this virtual host: they run for its requests. */
  preRouting?: IrPreRoutingFilter[];
}

export type IrStringMatch =
  { type: 'Exact'; value: string } | { type: 'Prefix'; value: string } | { type: 'RegularExpression'; value: string };

export interface IrPathMatch {
  /**
   * `Exact`: the whole path. `PathPrefix`: segment-aware prefix (Envoy `path_separated_prefix`;
   * `/` matches everything). `RegularExpression`: RE2, whole path.
   */
  type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value: string;
}

export interface IrHeaderMatch {
  name: string;
  match: IrStringMatch;
}

export interface IrQueryMatch {
  name: string;
  match: IrStringMatch;
}

export interface IrRouteMatch {
  path: IrPathMatch;
  headers: IrHeaderMatch[];
  queryParams: IrQueryMatch[];
  /** HTTP method; matched on the `:method` pseudo-header. */
  method?: string;
  /**
   * Only requests whose random value (out of 1,000,000) is below this. Envoy draws one value per
   * request and tests every route with it, so consecutive routes with rising thresholds split the
   * requests of one match by weight (`backend-split.ts`).
   */
  randomBelow?: number;
}

export interface IrHeaderMutation {
  /** Replace or add. */
  set: { name: string; value: string }[];
  /** Append to existing values. */
  add: { name: string; value: string }[];
  remove: string[];
}

export interface IrWeightedBackend {
  /** Name of an `IrCluster`. */
  clusterName: string;
  weight: number;
  /** Backend-level header filters. */
  requestHeaders?: IrHeaderMutation;
  responseHeaders?: IrHeaderMutation;
  /** Backend-level Host rewrite (URLRewrite hostname, or a Host header set); wins over the route's. */
  hostRewrite?: string;
}

export interface IrRetry {
  /** HTTP status codes to retry; empty: none (only requests the backend did not process are retried). */
  codes: number[];
  /** Number of retries (Gateway API `attempts` counts retries, not tries); 0 disables retries. */
  numRetries: number;
  /** Base backoff interval, milliseconds. */
  backoffMs?: number;
}

export interface IrMirror {
  clusterName: string;
  /** Fraction of requests to mirror, as numerator/denominator (denominator 100, 10000 or 1000000). */
  numerator: number;
  denominator: 100 | 10000 | 1000000;
}

export interface IrCors {
  /** Origins: exact strings, or RE2 regular expressions for wildcard origins. */
  allowOrigins: IrStringMatch[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
  allowCredentials: boolean;
}

export type IrSessionPersistence =
  | {
      type: 'Cookie';
      cookieName: string;
      /** Cookie TTL in seconds; absent for session cookies. */
      ttlSeconds?: number;
      path: string;
    }
  | { type: 'Header'; headerName: string };

export interface IrPathRewrite {
  /** Replace the whole path with `value`. */
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  value: string;
  /** For ReplacePrefixMatch: the matched prefix that is replaced. */
  matchedPrefix?: string;
}

export interface IrForwardAction {
  type: 'forward';
  /**
   * Weighted backends with weight > 0. Never empty, and their weights with `invalidBackendWeight`
   * sum to at most 2^32 - 1 (Envoy's limit): a rule with no usable backend, or whose weights
   * overflow, is a `direct` 500 (gRPC: 503) instead, decided by stage 1.
   */
  backends: IrWeightedBackend[];
  /**
   * The summed weight of backendRefs that could not be resolved. The spec says their share of
   * requests answers HTTP 500 while the other backends keep serving theirs.
   */
  invalidBackendWeight?: number;
  /** Whole-request timeout in milliseconds; 0 disables. Absent: Envoy's default. */
  timeoutMs?: number;
  /** Per-try timeout in milliseconds. */
  perTryTimeoutMs?: number;
  retry?: IrRetry;
  mirrors: IrMirror[];
  hostRewrite?: string;
  pathRewrite?: IrPathRewrite;
  /** Allow WebSocket upgrades on this route. */
  websocket: boolean;
  /**
   * The route carries gRPC (GRPCRoute): the share of unresolved backendRefs, and requests no
   * backend can take, are answered with gRPC status UNAVAILABLE instead of HTTP 500.
   */
  grpc?: boolean;
}

export interface IrRedirectAction {
  type: 'redirect';
  scheme?: string;
  hostname?: string;
  port?: number;
  /** Path change; for ReplacePrefixMatch `matchedPrefix` is the route's prefix. */
  path?: IrPathRewrite;
  statusCode: 301 | 302 | 303 | 307 | 308;
}

export interface IrDirectResponseAction {
  type: 'direct';
  status: number;
  body?: string;
}

export type IrRouteAction = IrForwardAction | IrRedirectAction | IrDirectResponseAction;

export interface IrRoute {
  /**
   * Unique, stable and readable: `httproute/<ns>/<name>/rule/<index or name>/match/<index>`, plus
   * `/backend/<backendRef index>` for a match split per backend (`backend-split.ts`).
   */
  name: string;
  source: IrSource & { rule: number; ruleName?: string; match: number; backendRef?: number };
  match: IrRouteMatch;
  action: IrRouteAction;
  requestHeaders?: IrHeaderMutation;
  responseHeaders?: IrHeaderMutation;
  cors?: IrCors;
  sessionPersistence?: IrSessionPersistence;
  /** The rule's ExternalAuth filter: its requests are authorized before anything else of the route. */
  extAuthz?: IrRouteExtAuthz;
  /** Its effective SecurityPolicy (`security.ts`); absent: none applies. */
  security?: IrSecurity;
  /** Its effective BackendTrafficPolicy's route settings (`traffic.ts`); absent: none applies. */
  traffic?: IrRouteTraffic;
}
