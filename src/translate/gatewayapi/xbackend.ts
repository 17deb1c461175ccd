/**
 * XBackend (gateway.networking.x-k8s.io/v1alpha1, experimental in Gateway API v1.7.0, GEP-4894) as
 * a backendRef target: an EDS cluster whose endpoints are the ready Pods its `endpointSelector`
 * selects, on `spec.port.number`, spoken to with `spec.protocol` and `spec.tls`, with the
 * backend's own session persistence (GEP-1619 as v1.7.0 has it).
 *
 * What Portico cannot honour makes the XBackend unusable (its status says why, the routes' share
 * for it answers 500), never a silently different backend: `ExternalHostname` backends, TLS mode
 * `ClientAndServer`, protocol `MCP`.
 */
import type { IrCluster, IrEndpoint, IrSessionPersistence, IrUpstreamTls } from '../../ir/types.js';
import type { BackendObjectReference, KubeObject, Pod, XBackend } from '../../resources/types.js';
import { GATEWAY_X_GROUP } from '../../resources/types.js';
import { parseGatewayDuration } from '../../resources/read/duration.js';
import { isHeaderName } from '../../resources/read/header-name.js';
import type { SessionPersistenceRead } from '../../resources/read/session-persistence.js';
import { readPodStatus, type PodStatusRead } from '../../resources/read/pod.js';
import { readXBackend } from '../../resources/read/xbackend.js';
import type { BackendResult, RouteProtocol } from './backend-result.js';
import { resolveTlsValidation } from './backend-tls.js';
import { objectKey, type TranslationContext } from './context.js';
import { grantRefusal, referrerGroup } from './references/reference-grants.js';

export function isXBackendRef(ref: { group?: string; kind?: string }): boolean {
  return ref.group === GATEWAY_X_GROUP && ref.kind === 'XBackend';
}

/** How Envoy speaks to an XBackend's endpoints, or why it cannot. */
export type XBackendVerdict =
  | {
      ok: true;
      port: number;
      /** `spec.protocol`, when set; otherwise the route decides. */
      protocol?: string;
      tls?: IrUpstreamTls;
      session?: IrSessionPersistence;
    }
  | { ok: false; reason: string; message: string };

/**
 * "If not specified, a unique cookie name SHOULD be generated": namespaces have no dots, so
 * `portico.<namespace>.<name>` names one XBackend only.
 */
function defaultCookieName(xb: XBackend): string {
  return `portico.${xb.metadata.namespace ?? 'default'}.${xb.metadata.name}`;
}

/** A read `spec.sessionPersistence` → Envoy's stateful session, or the reason it cannot be honoured. */
function xBackendSession(
  xb: XBackend,
  read: SessionPersistenceRead,
): { session: IrSessionPersistence | undefined } | { problem: string } {
  if (!read.valid) return { problem: read.errors[0]!.message };
  const sp = read.result;
  if (!sp) return { session: undefined };
  if (sp.type === 'Header') return { session: { type: 'Header', headerName: sp.headerName.toLowerCase() } };
  const name = sp.cookieName ?? defaultCookieName(xb);
  // A name given is a header name (read); the default one is made of the object's name.
  if (!isHeaderName(name)) return { problem: `sessionPersistence: invalid cookie.name ${JSON.stringify(name)}` };
  const session: IrSessionPersistence = { type: 'Cookie', cookieName: name, path: sp.path };
  const timeout = sp.absoluteTimeout === undefined ? undefined : parseGatewayDuration(sp.absoluteTimeout);
  if (sp.absoluteTimeout !== undefined && timeout === undefined) {
    return { problem: `sessionPersistence: invalid absoluteTimeout ${JSON.stringify(sp.absoluteTimeout)}` };
  }
  if (sp.permanent) {
    // The cookie's Max-Age is the timeout; Envoy's cookie TTL counts whole seconds.
    if (timeout === undefined || timeout < 1000) {
      return { problem: 'sessionPersistence: a Permanent cookie needs an absoluteTimeout of at least 1s' };
    }
    session.ttlSeconds = Math.floor(timeout / 1000);
  } else if (timeout !== undefined) {
    // A session cookie whose session the gateway ends after absoluteTimeout: Envoy's cookie session
    // state has one TTL for both the cookie and the session, and a TTL makes the cookie permanent.
    return { problem: 'sessionPersistence: absoluteTimeout on a Session cookie is not supported by Portico' };
  }
  return { session };
}

/**
 * What an XBackend asks for, as read (`readXBackend`), with its CA certificates resolved (their
 * checks are remembered: see `resolveTlsValidation`) and its session persistence decided.
 */
export function evaluateXBackend(ctx: TranslationContext, xb: XBackend): XBackendVerdict {
  const read = readXBackend(xb);
  if (!read.endpoints.valid) {
    const { reason, message } = read.endpoints.errors[0]!;
    return { ok: false, reason, message };
  }
  const { port, protocol, tls } = read.endpoints.result;
  const verdict: XBackendVerdict = { ok: true, port };
  if (protocol !== undefined) verdict.protocol = protocol;
  if (tls) {
    const resolved = resolveTlsValidation(ctx, tls, xb.metadata.namespace ?? 'default');
    if (!resolved.tls) {
      const why = resolved.invalid ?? resolved.unresolved;
      return { ok: false, reason: why?.reason ?? 'Invalid', message: `tls.validation: ${why?.message ?? 'invalid'}` };
    }
    verdict.tls = resolved.tls;
  }
  if (read.sessionPersistence) {
    const sp = xBackendSession(xb, read.sessionPersistence);
    if ('problem' in sp) return { ok: false, reason: 'UnsupportedValue', message: sp.problem };
    if (sp.session) verdict.session = sp.session;
  }
  return verdict;
}

function podReady(pod: Pod, status: PodStatusRead | undefined): status is PodStatusRead {
  if (!status) return false;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return false;
  if ((pod.metadata as { deletionTimestamp?: unknown }).deletionTimestamp !== undefined) return false;
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  // A Pod the kubelet reports on has a Ready condition; one written by hand may have none.
  return ready === undefined || ready.status === 'True';
}

function podAddresses(status: PodStatusRead): string[] {
  const ips: string[] = [];
  for (const { ip } of status.podIPs ?? []) if (ip !== '') ips.push(ip);
  if (ips.length > 0) return ips;
  const ip = status.podIP;
  return ip !== undefined && ip !== '' ? [ip] : [];
}

/** The ready Pods of the XBackend's namespace that carry every label of its selector, on its port. */
export function xBackendEndpoints(
  pods: readonly Pod[],
  matchLabels: Readonly<Record<string, unknown>>,
  port: number,
): IrEndpoint[] {
  const wanted = Object.entries(matchLabels);
  const seen = new Set<string>();
  const out: IrEndpoint[] = [];
  for (const pod of pods) {
    const labels = pod.metadata.labels ?? {};
    if (!wanted.every(([k, v]) => labels[k] === v)) continue;
    const status = readPodStatus(pod);
    if (!podReady(pod, status)) continue;
    for (const address of podAddresses(status)) {
      if (seen.has(address)) continue;
      seen.add(address);
      out.push({ address, port });
    }
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** An XBackend's cluster name: `<namespace>/<name>/xbackend`, never a Service port's `<ns>/<svc>/<port>`. */
export function xBackendClusterName(namespace: string, name: string, variant?: string): string {
  return `${namespace}/${name}/xbackend${variant === undefined ? '' : `/${variant}`}`;
}

/**
 * The cluster protocol for a route kind and the XBackend's `protocol`, or undefined when that
 * route cannot use it.
 */
function clusterProtocol(
  protocol: string | undefined,
  route: RouteProtocol,
): { protocol: IrCluster['protocol']; websocket: boolean; variant?: string } | undefined {
  if (route === 'tcp')
    return protocol === undefined || protocol === 'TCP'
      ? { protocol: 'tcp', websocket: false, variant: 'tcp' }
      : undefined;
  if (route === 'udp') return undefined;
  if (route === 'grpc') {
    switch (protocol) {
      case undefined:
      case 'HTTP':
      case 'HTTP2':
      case 'H2C':
      case 'GRPC':
        return { protocol: 'http2', websocket: false, variant: 'h2' };
      default:
        return undefined;
    }
  }
  switch (protocol) {
    case undefined:
    case 'HTTP':
    case 'HTTP11':
      return { protocol: 'http1', websocket: false };
    case 'HTTP2':
    case 'H2C':
    case 'GRPC':
      return { protocol: 'http2', websocket: false };
    case 'WSS':
      return { protocol: 'http1', websocket: true };
    default:
      return undefined;
  }
}

/** A backendRef to an XBackend: the same namespace, or another one a ReferenceGrant opens. */
export function resolveXBackendRef(
  ctx: TranslationContext,
  route: KubeObject,
  ref: BackendObjectReference,
  routeProtocol: RouteProtocol,
): BackendResult {
  const routeNamespace = route.metadata.namespace ?? 'default';
  const namespace = ref.namespace ?? routeNamespace;
  const label = `${namespace}/${ref.name}`;
  const refused = grantRefusal(
    ctx,
    { kind: route.kind, namespace: routeNamespace, group: referrerGroup(route) },
    { group: GATEWAY_X_GROUP, kind: 'XBackend', namespace, name: ref.name },
    'backendRef',
  );
  if (refused !== undefined) return { ok: false, reason: 'RefNotPermitted', message: refused };
  const xb = ctx.xBackends.get(objectKey(namespace, ref.name));
  if (!xb) return { ok: false, reason: 'BackendNotFound', message: `XBackend ${label} does not exist` };
  if (ref.port !== undefined) {
    // The route CRD refuses it ("Must not have port for Backend reference"): the XBackend owns its port.
    return { ok: false, reason: 'BackendNotFound', message: `backendRef to XBackend ${label} must not set a port` };
  }
  const verdict = evaluateXBackend(ctx, xb);
  // Its own status says why it cannot be used; the route's share for it fails.
  if (!verdict.ok) return { ok: false, quiet: true, reason: 'BackendNotFound', message: verdict.message };
  const how = clusterProtocol(verdict.protocol, routeProtocol);
  if (!how) {
    return {
      ok: false,
      reason: 'UnsupportedProtocol',
      message: `XBackend ${label} has protocol ${verdict.protocol ?? '(unset)'}, which ${route.kind} backends cannot use`,
    };
  }
  const cluster: IrCluster = {
    name: xBackendClusterName(namespace, ref.name, how.variant),
    source: { kind: 'XBackend', namespace, name: ref.name, port: verdict.port },
    protocol: how.protocol,
    endpoints: resolveXBackendEndpoints(ctx, xb, verdict.port),
  };
  if (verdict.tls) cluster.tls = verdict.tls;
  const result: BackendResult = { ok: true, websocket: how.websocket, cluster };
  if (verdict.session && routeProtocol !== 'tcp') result.session = verdict.session;
  return result;
}

function resolveXBackendEndpoints(ctx: TranslationContext, xb: XBackend, port: number): IrEndpoint[] {
  const namespace = xb.metadata.namespace ?? 'default';
  // Looked up even when cached: the lookup is what a route memo records as a dependency.
  const pods = ctx.podsByNamespace.get(namespace) ?? [];
  const key = `xbackend/${namespace}/${xb.metadata.name}`;
  let cached = ctx.endpointCache.get(key);
  if (!cached) {
    const read = readXBackend(xb).endpoints;
    cached = xBackendEndpoints(pods, read.valid ? read.result.matchLabels : {}, port);
    ctx.endpointCache.set(key, cached);
  }
  return cached;
}
