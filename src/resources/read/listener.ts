/**
 * A listener (of a Gateway or a ListenerSet), read. Each listener is read on its own: one the
 * translator cannot read (not an object, no name, a field of the wrong shape) is not accepted,
 * with the reason, and its neighbours are served as usual.
 *
 * Values of the right shape that the translator refuses (an unknown protocol, a port out of
 * range, a hostname that is not a DNS name, a route kind a protocol does not carry) are kept as
 * written here: the translator reports them on the listener with the spec's reasons.
 */
import type { LabelSelector, SecretObjectReference } from '../gateway-api.js';
import { GATEWAY_GROUP } from '../types.js';
import { isValidHostname } from './hostname.js';
import { readLabelSelector } from './label-selector.js';
import { readListenerFilters, type ListenerFilters } from './listener-filters.js';
import { fieldsOf, invalid, valid, type ValidationResult } from './validation-result.js';

/** Which namespaces routes may attach from; a `from` Portico does not know admits none. */
export interface AllowedNamespaces {
  from: 'All' | 'Same' | 'Selector' | 'None';
  /** Undefined when absent or malformed: selects nothing. */
  selector: LabelSelector | undefined;
}

export interface ListenerTls {
  /** As written (a string); undefined when absent. */
  mode: string | undefined;
  certificateRefs: SecretObjectReference[];
}

export interface GatewayListener {
  name: string;
  /** As written, for messages. */
  writtenProtocol: string;
  protocol: string;
  /** An integer port in 1-65535, or undefined (`writtenPort` says what was written). */
  port: number | undefined;
  writtenPort: string;
  /** A valid hostname, or undefined: none written (or empty), or an invalid one (`invalidHostname`). */
  hostname: string | undefined;
  /** An invalid hostname as JSON, for its message (the listener is not accepted). */
  invalidHostname?: string;
  tls: ListenerTls | undefined;
  allowedNamespaces: AllowedNamespaces;
  /** `allowedRoutes.kinds`; undefined when absent or empty (the protocol's kinds). */
  kinds: { group: string; kind: string }[] | undefined;
  /** Pre-routing filters (listener-filters.ts); undefined when none. */
  filters: ListenerFilters | undefined;
}

export interface ListenerEntry {
  /** The listener's name when it has one, even if it cannot be read. */
  name: string | undefined;
  listener: ValidationResult<GatewayListener>;
}

const NAMESPACES_FROM: readonly AllowedNamespaces['from'][] = ['All', 'Same', 'Selector', 'None'];

/** One entry of `spec.listeners`, at `path` (`spec.listeners[2]`). */
export function readListener(value: unknown, path: string): ListenerEntry {
  const l = fieldsOf(value);
  const name = typeof l?.name === 'string' ? l.name : undefined;
  if (!l || name === undefined) return { name, listener: invalid(path, 'a listener must be an object with a name') };
  const tls = readTls(l.tls, `${path}.tls`);
  if (!tls.valid) return { name, listener: tls };
  const routes = readAllowedRoutes(l.allowedRoutes, `${path}.allowedRoutes`);
  if (!routes.valid) return { name, listener: routes };
  const port = l.port;
  return {
    name,
    listener: valid({
      name,
      writtenProtocol: `${String(l.protocol)}`,
      protocol: typeof l.protocol === 'string' ? l.protocol : '',
      port: Number.isInteger(port) && Number(port) >= 1 && Number(port) <= 65535 ? Number(port) : undefined,
      writtenPort: String(port),
      ...readHostname(l.hostname || undefined),
      tls: tls.result,
      ...routes.result,
      filters: readListenerFilters(l.filters),
    }),
  };
}

function readHostname(hostname: unknown): Pick<GatewayListener, 'hostname' | 'invalidHostname'> {
  if (hostname === undefined) return { hostname: undefined };
  if (typeof hostname === 'string' && isValidHostname(hostname)) return { hostname };
  return { hostname: undefined, invalidHostname: JSON.stringify(hostname) };
}

function readTls(value: unknown, path: string): ValidationResult<ListenerTls | undefined> {
  if (value === undefined || value === null) return valid(undefined);
  const tls = fieldsOf(value);
  if (!tls) return invalid(path, 'tls must be an object');
  const mode = tls.mode ?? undefined;
  if (mode !== undefined && typeof mode !== 'string') return invalid(`${path}.mode`, 'tls.mode must be a string');
  const certificateRefs: SecretObjectReference[] = [];
  const refs = Array.isArray(tls.certificateRefs) ? tls.certificateRefs : [];
  for (const [i, item] of refs.entries()) {
    const ref = fieldsOf(item);
    const optional = ref && [ref.group, ref.kind, ref.namespace].every((f) => f == null || typeof f === 'string');
    if (!ref || typeof ref.name !== 'string' || !optional) {
      return invalid(`${path}.certificateRefs[${i}]`, `tls.certificateRefs[${i}] must be an object with a name`);
    }
    certificateRefs.push({
      name: ref.name,
      ...(typeof ref.group === 'string' ? { group: ref.group } : {}),
      ...(typeof ref.kind === 'string' ? { kind: ref.kind } : {}),
      ...(typeof ref.namespace === 'string' ? { namespace: ref.namespace } : {}),
    });
  }
  return valid({ mode, certificateRefs });
}

function readAllowedRoutes(
  value: unknown,
  path: string,
): ValidationResult<Pick<GatewayListener, 'allowedNamespaces' | 'kinds'>> {
  const routes = fieldsOf(value);
  const namespaces = fieldsOf(routes?.namespaces);
  const from = namespaces?.from ?? 'Same';
  const allowedNamespaces: AllowedNamespaces = {
    from: NAMESPACES_FROM.find((f) => f === from) ?? 'None',
    selector: readLabelSelector(namespaces?.selector),
  };
  const requested = routes?.kinds;
  if (!Array.isArray(requested) || requested.length === 0) return valid({ allowedNamespaces, kinds: undefined });
  const kinds: { group: string; kind: string }[] = [];
  for (const [i, item] of requested.entries()) {
    const k = fieldsOf(item);
    const group = k?.group ?? GATEWAY_GROUP;
    if (!k || typeof group !== 'string' || typeof k.kind !== 'string') {
      return invalid(`${path}.kinds[${i}]`, `allowedRoutes.kinds[${i}] must be an object with a kind`);
    }
    // A kind the protocol does not carry is kept: the translator reports it (InvalidRouteKinds).
    kinds.push({ group, kind: k.kind });
  }
  return valid({ allowedNamespaces, kinds });
}
