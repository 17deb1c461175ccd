/** The action half of an Envoy Route: forward (`route`), `redirect` or `direct_response`. */
import type {
  IrDirectResponseAction,
  IrForwardAction,
  IrMirror,
  IrPathMatch,
  IrRedirectAction,
  IrRetry,
  IrRouteTraffic,
  IrWeightedBackend,
} from '../../ir/types.js';
import { PREVIOUS_HOSTS_PREDICATE } from '../../proto/type-urls.js';
import { durationFromMs } from './duration.js';
import { hasHeaderMutation, headerMutationFields } from './header-mutation.js';
import { redirectPathRewrite, routePathRewrite } from './path-rewrite.js';
import { hashPolicy } from './route-hash-policy.js';
import { invalidBackendAbort } from './http-filters.js';
import type { envoy } from './types.js';

type Route = envoy.config.route.v3.Route;
type RouteAction = envoy.config.route.v3.RouteAction;
type RetryPolicy = envoy.config.route.v3.RetryPolicy;

const REDIRECT_RESPONSE_CODES: Record<
  IrRedirectAction['statusCode'],
  envoy.config.route.v3.RedirectAction.RedirectResponseCode
> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

const FRACTION_DENOMINATORS: Record<IrMirror['denominator'], envoy.type.v3.FractionalPercent.DenominatorType> = {
  100: 'HUNDRED',
  10000: 'TEN_THOUSAND',
  1000000: 'MILLION',
};

function clusterWeight(backend: IrWeightedBackend): envoy.config.route.v3.WeightedCluster.ClusterWeight {
  return {
    name: backend.clusterName,
    weight: { value: backend.weight },
    ...headerMutationFields('request', backend.requestHeaders),
    ...headerMutationFields('response', backend.responseHeaders),
    // Envoy applies the entry's Host rewrite after the route's, as a backend filter runs after the rule's.
    ...(backend.hostRewrite !== undefined ? { host_rewrite_literal: backend.hostRewrite } : {}),
  };
}

function clusterSpecifier(backends: IrWeightedBackend[], invalidWeight: number, grpc: boolean): RouteAction {
  const [only] = backends;
  if (invalidWeight > 0 && only) {
    // The entry's cluster is never contacted: the fault filter answers 500 (gRPC: UNAVAILABLE)
    // before the router runs.
    const invalid: envoy.config.route.v3.WeightedCluster.ClusterWeight = {
      name: only.clusterName,
      weight: { value: invalidWeight },
      typed_per_filter_config: invalidBackendAbort(grpc),
    };
    return { weighted_clusters: { clusters: [...backends.map(clusterWeight), invalid] } };
  }
  // `cluster` has nowhere to put backend-level filters; a one-entry weighted_clusters does.
  if (
    backends.length === 1 &&
    only &&
    !hasHeaderMutation(only.requestHeaders) &&
    !hasHeaderMutation(only.responseHeaders) &&
    only.hostRewrite === undefined
  ) {
    return { cluster: only.clusterName };
  }
  return { weighted_clusters: { clusters: backends.map(clusterWeight) } };
}

/**
 * Gateway API v1.7.0 (HTTPRouteRetry): "A request is retried when attempts is greater than 0 and
 * the backend did not process it": the connection could not be established (`connect-failure`),
 * the backend refused the stream (`refused-stream`) or the connection closed before the request was
 * sent (`reset-before-request`), or it answered one of `codes`. Not `reset`, `5xx` or
 * `gateway-error`: they retry a request the backend may have processed (a reset after it was sent,
 * a per-try timeout). Without `codes` no status is retried.
 */
const RETRY_ON_UNPROCESSED = 'connect-failure,refused-stream,reset-before-request';

/** Retries go to another endpoint when there is one (a connection error is usually the endpoint's). */
const RETRY_OTHER_HOSTS: RetryPolicy = {
  retry_host_predicate: [
    { name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': PREVIOUS_HOSTS_PREDICATE } },
  ],
  host_selection_retry_max_attempts: 3,
};

function retryPolicy(retry: IrRetry | undefined, perTryTimeoutMs: number | undefined): RetryPolicy | undefined {
  const retries = retry && retry.numRetries > 0 ? retry : undefined;
  if (!retries && perTryTimeoutMs === undefined) return undefined;
  const policy: RetryPolicy = {};
  if (retries) {
    policy.retry_on =
      retries.codes.length > 0 ? `${RETRY_ON_UNPROCESSED},retriable-status-codes` : RETRY_ON_UNPROCESSED;
    if (retries.codes.length > 0) policy.retriable_status_codes = [...retries.codes];
    policy.num_retries = { value: retries.numRetries };
    Object.assign(policy, RETRY_OTHER_HOSTS);
    if (retries.backoffMs !== undefined && retries.backoffMs > 0) {
      policy.retry_back_off = { base_interval: durationFromMs(retries.backoffMs) };
    }
  } else {
    // A per-try timeout without retries (none asked for, or `attempts: 0`, which "MUST disable
    // retries"): Envoy applies per_try_timeout to the first attempt too; no retry_on and zero
    // retries keep it from retrying.
    policy.num_retries = { value: 0 };
  }
  if (perTryTimeoutMs !== undefined) policy.per_try_timeout = durationFromMs(perTryTimeoutMs);
  return policy;
}

function mirrorPolicy(mirror: IrMirror): envoy.config.route.v3.RouteAction.RequestMirrorPolicy {
  const policy: envoy.config.route.v3.RouteAction.RequestMirrorPolicy = { cluster: mirror.clusterName };
  if (mirror.numerator < mirror.denominator) {
    policy.runtime_fraction = {
      default_value: { numerator: mirror.numerator, denominator: FRACTION_DENOMINATORS[mirror.denominator] },
    };
  }
  return policy;
}

/** A status-only response (the IR's `direct` action). */
export function directResponse(
  action: Pick<IrDirectResponseAction, 'status' | 'body'>,
): Pick<Route, 'direct_response'> {
  const response: envoy.config.route.v3.DirectResponseAction = { status: action.status };
  if (action.body !== undefined) response.body = { inline_string: action.body };
  return { direct_response: response };
}

/**
 * A pure mapping: stage 1 gives only forwards Envoy takes (backends of weight > 0, never empty,
 * whose weights with the unresolved share fit uint32: `expressibleForward` in
 * `gatewayapi/routes/rule-backends.ts`).
 */
export function forwardAction(
  action: IrForwardAction,
  routePath: IrPathMatch,
  traffic?: IrRouteTraffic,
): Pick<Route, 'route'> {
  const route: RouteAction = clusterSpecifier(action.backends, action.invalidBackendWeight ?? 0, action.grpc === true);
  // 0 disables the timeout: `{seconds: 0}` is a present (empty) Duration, unlike absence which
  // means Envoy's 15s default. A BackendTrafficPolicy's requestTimeout yields to the rule's own.
  const timeoutMs = action.timeoutMs ?? traffic?.requestTimeoutMs;
  if (timeoutMs !== undefined) route.timeout = durationFromMs(timeoutMs);
  else if (action.grpc) {
    // Envoy's 15 s default route timeout would cut streaming calls; a gRPC call is bounded by the
    // deadline its client sends (grpc-timeout), with no cap of Portico's.
    route.timeout = durationFromMs(0);
    route.max_stream_duration = { grpc_timeout_header_max: durationFromMs(0) };
  }
  const retry = retryPolicy(action.retry, action.perTryTimeoutMs);
  if (retry) route.retry_policy = retry;
  if (action.mirrors.length > 0) route.request_mirror_policies = action.mirrors.map(mirrorPolicy);
  if (action.hostRewrite !== undefined) route.host_rewrite_literal = action.hostRewrite;
  if (action.pathRewrite) Object.assign(route, routePathRewrite(action.pathRewrite, routePath));
  // The HCM already allows websocket upgrades everywhere; saying so on the route keeps the
  // intent explicit should that default ever change.
  if (action.websocket) route.upgrade_configs = [{ upgrade_type: 'websocket', enabled: { value: true } }];
  if (traffic?.hashPolicy) route.hash_policy = hashPolicy(traffic.hashPolicy);
  return { route };
}

export function redirectAction(action: IrRedirectAction, routePath: IrPathMatch): Pick<Route, 'redirect'> {
  const redirect: envoy.config.route.v3.RedirectAction = {};
  if (action.scheme !== undefined) redirect.scheme_redirect = action.scheme;
  if (action.hostname !== undefined) redirect.host_redirect = action.hostname;
  if (action.port !== undefined) redirect.port_redirect = action.port;
  if (action.path) Object.assign(redirect, redirectPathRewrite(action.path, routePath));
  // MOVED_PERMANENTLY is the enum's zero value: it is what an absent response_code means.
  if (action.statusCode !== 301) redirect.response_code = REDIRECT_RESPONSE_CODES[action.statusCode];
  return { redirect };
}
