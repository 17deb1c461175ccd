/**
 * Session persistence of HTTPRoute rules (GEP-1619): the rule's own settings, and the one cluster
 * that weighted backends become so that a session can stick across them.
 */
import type { IrCluster, IrEndpoint, IrSessionPersistence, IrWeightedBackend } from '../../../ir/types.js';
import type { SessionPersistenceRead } from '../../../resources/read/session-persistence.js';
import { parseGatewayDuration } from '../../../resources/read/duration.js';

/** A rule's read session persistence → the IR's; the duration is checked here (GEP-2257). */
export function sessionPersistence(
  read: SessionPersistenceRead,
  errors: string[],
  unsupported: string[],
): IrSessionPersistence | undefined {
  if (!read.valid) {
    for (const p of read.errors) (p.unsupported ? unsupported : errors).push(p.message);
    return undefined;
  }
  const sp = read.result;
  if (!sp) return undefined;
  if (sp.type === 'Header') return { type: 'Header', headerName: sp.headerName };
  const out: IrSessionPersistence = { type: 'Cookie', cookieName: sp.cookieName ?? 'portico-session', path: sp.path };
  if (sp.permanent) {
    const ms = sp.absoluteTimeout === undefined ? undefined : parseGatewayDuration(sp.absoluteTimeout);
    if (ms === undefined || ms < 1000) {
      errors.push('sessionPersistence: a Permanent cookie needs a valid absoluteTimeout of at least 1s');
      return undefined;
    }
    out.ttlSeconds = Math.floor(ms / 1000);
  } else if (sp.absoluteTimeout !== undefined && parseGatewayDuration(sp.absoluteTimeout) === undefined) {
    errors.push(`sessionPersistence: invalid absoluteTimeout ${String(sp.absoluteTimeout)}`);
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
