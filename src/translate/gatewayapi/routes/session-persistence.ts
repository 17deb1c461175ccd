/**
 * Session persistence of HTTPRoute rules (GEP-1619): the rule's own settings, and the one cluster
 * that weighted backends become so that a session can stick across them.
 */
import type { IrCluster, IrEndpoint, IrSessionPersistence, IrWeightedBackend } from '../../../ir/types.js';
import type { SessionPersistence } from '../../../resources/types.js';
import { checkHeaderName, parseGatewayDuration } from '../validation.js';

/** The characters RFC 6265 allows in a cookie's Path attribute: no control characters, no ';'. */
// eslint-disable-next-line no-control-regex
const COOKIE_PATH_BAD_RE = /[\u0000-\u001f\u007f;]/;

export function sessionPersistence(
  sp: SessionPersistence,
  errors: string[],
  unsupported: string[],
): IrSessionPersistence | undefined {
  const type = sp.type ?? 'Cookie';
  if (sp.idleTimeout !== undefined) {
    errors.push('sessionPersistence: idleTimeout is not supported by Portico');
    return undefined;
  }
  if (type === 'Header') {
    const name = sp.header?.name;
    // The CRD requires header.name for type Header; an object from an older schema may lack it.
    if (typeof name !== 'string' || checkHeaderName(name)) {
      errors.push(`sessionPersistence: type Header needs a valid header.name, got ${JSON.stringify(name)}`);
      return undefined;
    }
    return { type: 'Header', headerName: name };
  }
  if (type !== 'Cookie') {
    unsupported.push(`sessionPersistence: type ${String(type)} is not supported`);
    return undefined;
  }
  const cookie = sp.cookie ?? {};
  if (cookie.name !== undefined && (typeof cookie.name !== 'string' || checkHeaderName(cookie.name))) {
    errors.push(`sessionPersistence: invalid cookie.name ${JSON.stringify(cookie.name)}`);
    return undefined;
  }
  // "When not specified, implementations MUST default the cookie path to "/"" (v1.7.0; it was derived
  // from the rule's match before).
  const path = cookie.path ?? '/';
  if (typeof path !== 'string' || path === '' || COOKIE_PATH_BAD_RE.test(path)) {
    errors.push(`sessionPersistence: invalid cookie.path ${JSON.stringify(path)}`);
    return undefined;
  }
  const out: IrSessionPersistence = { type: 'Cookie', cookieName: cookie.name ?? 'portico-session', path };
  if (cookie.lifetimeType === 'Permanent') {
    const ms = sp.absoluteTimeout === undefined ? undefined : parseGatewayDuration(sp.absoluteTimeout);
    if (ms === undefined || ms < 1000) {
      errors.push('sessionPersistence: a Permanent cookie needs a valid absoluteTimeout of at least 1s');
      return undefined;
    }
    out.ttlSeconds = Math.floor(ms / 1000);
  } else if (sp.absoluteTimeout !== undefined && parseGatewayDuration(sp.absoluteTimeout) === undefined) {
    errors.push(`sessionPersistence: invalid absoluteTimeout ${sp.absoluteTimeout}`);
    return undefined;
  }
  return out;
}

/**
 * Envoy's stateful session picks a host inside the cluster the route already chose by weight, so
 * a session cannot stick across weighted backendRefs that are separate clusters. For a rule with
 * session persistence they become one cluster whose endpoints carry the backendRef weights (split
 * evenly over each backend's endpoints). Backend-level filters cannot be kept in a combined
 * cluster, and HTTP/1 and HTTP/2 backends cannot share one: those rules stay weighted.
 */
export function combineForSession(
  backends: IrWeightedBackend[],
  clusters: Map<string, IrCluster>,
  standby: IrCluster[],
): IrCluster | undefined {
  if (backends.some((b) => b.requestHeaders || b.responseHeaders || b.hostRewrite !== undefined)) return undefined;
  const members = backends.map((b) => clusters.get(b.clusterName));
  // Backends spoken to differently (HTTP/1 or 2, TLS settings) cannot share one cluster.
  const how = (c: IrCluster) => JSON.stringify([c.protocol, c.tls ?? null]);
  if (members.some((m) => !m) || new Set(members.map((m) => how(m!))).size !== 1) return undefined;
  // A weight-0 backend's endpoints go in at priority 1: Envoy sends no new request there while
  // priority 0 has healthy endpoints, but a session's override host is found at any priority.
  const kept = standby.filter(
    (c, i) =>
      how(c) === how(members[0]!) &&
      !members.some((m) => m!.name === c.name) &&
      standby.findIndex((o) => o.name === c.name) === i,
  );
  if (members.length === 1 && kept.length === 0) return undefined;
  const weights = new Map<string, IrEndpoint>();
  backends.forEach((b, i) => {
    const member = members[i]!;
    const share = Math.max(1, Math.round((b.weight * 1000) / Math.max(1, member.endpoints.length)));
    for (const e of member.endpoints) {
      const key = `${e.address}:${e.port}`;
      const known = weights.get(key);
      weights.set(key, { address: e.address, port: e.port, weight: (known?.weight ?? 0) + share });
    }
  });
  const first = members[0]!;
  const standbyEndpoints = new Map<string, IrEndpoint>();
  // Only next to endpoints that take new sessions: with priority 0 empty, Envoy would fail over
  // to priority 1 and send new traffic to a weight-0 backend.
  if (weights.size > 0) {
    for (const c of kept) {
      for (const e of c.endpoints) {
        const key = `${e.address}:${e.port}`;
        if (!weights.has(key)) standbyEndpoints.set(key, { address: e.address, port: e.port, priority: 1 });
      }
    }
  }
  const byAddress = (a: IrEndpoint, b: IrEndpoint): number =>
    a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1;
  return {
    name: `session/${[...backends.map((b) => `${b.clusterName}*${b.weight}`), ...kept.map((c) => `${c.name}*0`)].join(
      '+',
    )}`,
    source: first.source,
    protocol: first.protocol,
    ...(first.tls ? { tls: first.tls } : {}),
    endpoints: [...[...weights.values()].sort(byAddress), ...[...standbyEndpoints.values()].sort(byAddress)],
    members: [
      ...backends.map((b, i) => ({ ...members[i]!.source, weight: b.weight })),
      ...kept.map((c) => ({ ...c.source, weight: 0 })),
    ],
  };
}
