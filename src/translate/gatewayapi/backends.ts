/**
 * Backend references: a Service and port become an EDS cluster whose endpoints come from the
 * Service's EndpointSlices. Cross-namespace references need a ReferenceGrant.
 */
import type { BackendObjectReference, KubeObject, Service } from '../../resources/types.js';
import type { IrCluster, IrEndpoint } from '../../ir/types.js';
import { readEndpointSlice } from '../../resources/read/endpoint-slice.js';
import { asWritten, NotOfType } from '../../resources/read/not-of-type.js';
import { readService, writtenName, type ServicePortRead } from '../../resources/read/service.js';
import type { FieldError } from '../../resources/read/validation-result.js';
import { objectKey, type TranslationContext } from './context.js';
import { checkCoreReference, referrerGroup } from './references/reference-grants.js';
import { clusterName } from './names.js';
import { evaluatePolicy, policyFor } from './backend-tls.js';
import { isXBackendRef, resolveXBackendRef } from './xbackend.js';
import type { BackendResult, RouteProtocol } from './backend-result.js';
import { retryBudgetFor } from './traffic/x-backend-traffic.js';

/** appProtocol values that say the port speaks TLS: usable when a BackendTLSPolicy provides it. */
const TLS_APP_PROTOCOLS: ReadonlySet<string> = new Set(['https', 'HTTPS', 'kubernetes.io/wss']);

/** Service `appProtocol` values Portico understands for HTTP routes (GEP-1911). */
function upstreamProtocol(
  appProtocol: string | NotOfType | undefined,
  route: RouteProtocol,
): { protocol: IrCluster['protocol']; websocket: boolean } | undefined {
  // A TCP or UDP proxy does not look at what the port speaks.
  if (route === 'tcp' || route === 'udp') return { protocol: route, websocket: false };
  if (route === 'grpc') {
    // gRPC needs HTTP/2 whatever the port says, unless it names a protocol gRPC cannot ride on.
    // (https: TLS comes from a BackendTLSPolicy; the protocol inside is still HTTP/2.)
    switch (appProtocol ?? '') {
      case '':
      case 'http':
      case 'HTTP':
      case 'grpc':
      case 'kubernetes.io/h2c':
      case 'https':
      case 'HTTPS':
        return { protocol: 'http2', websocket: false };
      default:
        return undefined;
    }
  }
  switch (appProtocol ?? '') {
    case '':
    case 'http':
    case 'HTTP':
      return { protocol: 'http1', websocket: false };
    case 'kubernetes.io/h2c':
      return { protocol: 'http2', websocket: false };
    case 'kubernetes.io/ws':
      return { protocol: 'http1', websocket: true };
    // The same over TLS, which a BackendTLSPolicy for the Service provides (GEP-1911).
    case 'https':
    case 'HTTPS':
      return { protocol: 'http1', websocket: false };
    case 'kubernetes.io/wss':
      return { protocol: 'http1', websocket: true };
    default:
      return undefined;
  }
}

function resolveEndpoints(
  ctx: TranslationContext,
  namespace: string,
  service: string,
  port: ServicePortRead,
): IrEndpoint[] {
  // The slices are looked up even when the endpoints are cached: the lookup is what a route
  // memo records as this route's dependency on them.
  const slices = ctx.endpointSlices.get(objectKey(namespace, service)) ?? [];
  const key = `${namespace}/${service}/${port.port}/${port.protocol ?? 'TCP'}`;
  let cached = ctx.endpointCache.get(key);
  if (!cached) {
    cached = endpointsOf(port, slices);
    ctx.endpointCache.set(key, cached);
  }
  return cached;
}

/**
 * The ready endpoints of one Service port, from that Service's EndpointSlices. Pure and shared with
 * the pipeline's fast path, which recomputes just these when only EndpointSlices changed.
 */
export function endpointsOf(port: ServicePortRead, slices: readonly object[]): IrEndpoint[] {
  const seen = new Set<string>();
  const endpoints: IrEndpoint[] = [];
  const name = writtenName(port) ?? '';
  for (const given of slices) {
    const slice = readEndpointSlice(given);
    if (!slice) continue;
    // The EndpointSlice port that serves a Service port carries the Service port's name.
    const slicePort = slice.ports?.find((p) => (asWritten(p.name) ?? '') === name);
    const written = slicePort?.port;
    if (written instanceof NotOfType) continue; // a port number that does not read: the slice serves none
    const target = written ?? (typeof port.targetPort === 'number' ? port.targetPort : undefined);
    if (target === undefined || !Number.isInteger(target) || target < 1 || target > 65535) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const address of ep.addresses ?? []) {
        const key = `${address}|${target}`;
        if (seen.has(key) || address === '') continue;
        seen.add(key);
        endpoints.push({ address, port: target });
      }
    }
  }
  return endpoints.sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
}

/**
 * The Service port a backendRef means: the entry with that port number and the route's transport
 * protocol (TCP, the default, for every route kind but UDPRoute). A Service may expose the same
 * number over both (DNS does); `otherProtocol` names what the number is used for when no entry of
 * the wanted protocol has it.
 */
export function servicePortFor(
  service: Service | undefined,
  port: number,
  transport: 'TCP' | 'UDP' = 'TCP',
): { port?: ServicePortRead; otherProtocol?: string } {
  let first: ServicePortRead | undefined;
  for (const entry of service ? readService(service).ports : []) {
    if (entry.port !== port) continue;
    if ((entry.protocol ?? 'TCP') === transport) return { port: entry };
    first ??= entry;
  }
  return first ? { otherProtocol: String(first.protocol ?? 'TCP') } : {};
}

/**
 * What a backend reference with a field of the wrong type resolves to: nothing, said with the
 * paths of the fields (a group or kind that is not a string names no kind Portico knows).
 */
export function unreadableBackendRef(errors: readonly FieldError[]): BackendResult {
  const aboutKind = errors.some((e) => e.path.endsWith('.group') || e.path.endsWith('.kind'));
  return {
    ok: false,
    reason: aboutKind ? 'InvalidKind' : 'BackendNotFound',
    message: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
  };
}

export function resolveBackendRef(
  ctx: TranslationContext,
  route: KubeObject,
  ref: BackendObjectReference,
  routeProtocol: RouteProtocol = 'http',
): BackendResult {
  if (isXBackendRef(ref)) return resolveXBackendRef(ctx, route, ref, routeProtocol);
  const routeNamespace = route.metadata.namespace ?? 'default';
  const check = checkCoreReference(
    ctx,
    { kind: route.kind, namespace: routeNamespace, group: referrerGroup(route) },
    ref,
    'Service',
    'backendRef',
  );
  if (!check.ok)
    return { ok: false, reason: check.problem === 'kind' ? 'InvalidKind' : 'RefNotPermitted', message: check.message };
  const { namespace, label } = check;
  const service = ctx.services.get(objectKey(namespace, ref.name));
  if (!service) return { ok: false, reason: 'BackendNotFound', message: `Service ${label} does not exist` };
  if (ref.port === undefined) {
    return { ok: false, reason: 'BackendNotFound', message: `backendRef to Service ${label} must set a port` };
  }
  const transport = routeProtocol === 'udp' ? 'UDP' : 'TCP';
  const { port, otherProtocol } = servicePortFor(service, ref.port, transport);
  if (otherProtocol !== undefined) {
    // GEP-1911: a backend the route cannot reach with its protocol is UnsupportedProtocol.
    return {
      ok: false,
      reason: 'UnsupportedProtocol',
      message: `Service ${label} port ${ref.port} is ${otherProtocol}; ${route.kind} needs a ${transport} port`,
    };
  }
  if (!port) return { ok: false, reason: 'BackendNotFound', message: `Service ${label} has no port ${ref.port}` };
  const proto = upstreamProtocol(port.appProtocol, routeProtocol);
  if (!proto) {
    return {
      ok: false,
      reason: 'UnsupportedProtocol',
      message: `Service ${label} port ${ref.port} has appProtocol ${port.appProtocol}, which ${route.kind} backends do not support`,
    };
  }
  // A gRPC backend on a port that HTTP routes would reach over HTTP/1 needs a cluster of its own,
  // and so does a TCP proxy's (a cluster with HTTP options is an HTTP cluster).
  const variant =
    routeProtocol === 'tcp' || routeProtocol === 'udp'
      ? routeProtocol
      : routeProtocol === 'grpc' && upstreamProtocol(port.appProtocol, 'http')?.protocol !== 'http2'
        ? 'h2'
        : undefined;
  // Every optional field present, in one order: a policy's copy (`{ ...cluster, traffic }`) then
  // keeps the cluster's shape (see `routes/ir-route.ts`).
  const cluster: IrCluster = {
    name: clusterName(namespace, ref.name, ref.port, variant),
    source: { kind: 'Service', namespace, name: ref.name, port: ref.port },
    protocol: proto.protocol,
    endpoints: resolveEndpoints(ctx, namespace, ref.name, port),
    edsName: undefined,
    tls: undefined,
    reencrypt: undefined,
    traffic: undefined,
    retryBudget: undefined,
  };
  // XBackendTrafficPolicy: a retry budget for the Service's HTTP clusters.
  const retryBudget = proto.protocol.startsWith('http') ? retryBudgetFor(ctx, namespace, ref.name) : undefined;
  if (retryBudget) cluster.retryBudget = retryBudget;
  const policy = routeProtocol === 'udp' ? undefined : policyFor(ctx, namespace, service, port);
  if (policy && routeProtocol === 'tcp') {
    // A TCP proxy forwards the client's bytes as they are (TLS passthrough among them); only a
    // listener that terminates TLS must originate it again (see `gateway-ir.ts`).
    const verdict = evaluatePolicy(ctx, policy);
    cluster.reencrypt = verdict.tls ? { tls: verdict.tls } : {};
  } else if (!policy && typeof port.appProtocol === 'string' && TLS_APP_PROTOCOLS.has(port.appProtocol)) {
    // The port speaks TLS and nothing here would: plain HTTP would only fail at the backend.
    return {
      ok: false,
      reason: 'UnsupportedProtocol',
      message: `Service ${label} port ${ref.port} has appProtocol ${port.appProtocol} (TLS), but no BackendTLSPolicy applies to it; add one`,
    };
  } else if (policy) {
    const verdict = evaluatePolicy(ctx, policy);
    if (!verdict.tls) {
      // Fail closed: never plain text to a backend that asked for TLS.
      return {
        ok: false,
        quiet: true,
        reason: 'BackendNotFound',
        message: `BackendTLSPolicy ${policy.metadata.namespace ?? 'default'}/${policy.metadata.name} for Service ${label} cannot be used`,
      };
    }
    cluster.tls = verdict.tls;
  }
  return { ok: true, websocket: proto.websocket, cluster };
}
