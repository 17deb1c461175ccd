/**
 * ClientTrafficPolicy sections about the client's connection and address (Envoy Gateway's field
 * names): `clientIPDetection`, `timeout`, `connection`, `tcpKeepalive`, `proxyProtocol` /
 * `enableProxyProtocol`. Each reader checks what Envoy checks (PGV bounds) and says the rest is
 * not supported yet.
 */
import { isHeaderName } from './header-name.js';
import { Fields, UINT32_MAX } from './client-traffic-fields.js';
import { valid, type ValidationResult } from './validation-result.js';

export interface ClientIpDetectionRead {
  /** The Nth address from the right end of X-Forwarded-For is the client's. */
  xForwardedFor?: { numTrustedHops: number };
  /** The client's address is the value of this header; `failClosed`: a request without one is refused (403). */
  customHeader?: { name: string; failClosed: boolean };
}

export interface TimeoutRead {
  http?: { requestReceivedTimeoutMs?: number; idleTimeoutMs?: number; streamIdleTimeoutMs?: number };
  tcp?: { idleTimeoutMs?: number };
}

export interface ConnectionRead {
  connectionLimit?: { value: number; closeDelayMs?: number };
  bufferLimitBytes?: number;
}

export interface TcpKeepaliveRead {
  probes?: number;
  idleTimeSeconds?: number;
  intervalSeconds?: number;
}

export interface ProxyProtocolRead {
  optional: boolean;
}

function done<T>(f: Fields, result: T): ValidationResult<T> {
  return f.problems.length > 0 ? { valid: false, errors: f.problems } : valid(result);
}

export function readClientIpDetection(value: unknown): ValidationResult<ClientIpDetectionRead> {
  const f = new Fields();
  const at = 'spec.clientIPDetection';
  const c = f.object(value, at) ?? {};
  f.onlyKnown(c, at, ['xForwardedFor', 'customHeader']);
  const out: ClientIpDetectionRead = {};
  const xff = f.object(c.xForwardedFor, `${at}.xForwardedFor`);
  if (xff) {
    f.onlyKnown(xff, `${at}.xForwardedFor`, ['numTrustedHops']);
    const hops = f.integer(xff.numTrustedHops ?? 0, `${at}.xForwardedFor.numTrustedHops`, 0, UINT32_MAX);
    if (hops !== undefined) out.xForwardedFor = { numTrustedHops: hops };
  }
  const header = f.object(c.customHeader, `${at}.customHeader`);
  if (header) {
    f.onlyKnown(header, `${at}.customHeader`, ['name', 'failClosed']);
    const name = header.name;
    if (typeof name !== 'string' || !isHeaderName(name) || name.length > 255 || !/^[A-Za-z0-9-]+$/.test(name)) {
      f.problem(
        `${at}.customHeader.name`,
        `${at}.customHeader.name must be a header name (letters, digits, -), 1 to 255 characters`,
      );
    } else {
      out.customHeader = { name, failClosed: f.boolean(header.failClosed, `${at}.customHeader.failClosed`) ?? false };
    }
  }
  if (xff && header) {
    f.problem(at, `${at}: customHeader cannot be used in conjunction with xForwardedFor`);
  }
  return done(f, out);
}

export function readTimeout(value: unknown): ValidationResult<TimeoutRead> {
  const f = new Fields();
  const at = 'spec.timeout';
  const t = f.object(value, at) ?? {};
  f.onlyKnown(t, at, ['http', 'tcp']);
  const out: TimeoutRead = {};
  const http = f.object(t.http, `${at}.http`);
  if (http) {
    f.onlyKnown(http, `${at}.http`, ['requestReceivedTimeout', 'idleTimeout', 'streamIdleTimeout']);
    const requestReceivedTimeoutMs = f.duration(http.requestReceivedTimeout, `${at}.http.requestReceivedTimeout`);
    const idleTimeoutMs = f.duration(http.idleTimeout, `${at}.http.idleTimeout`);
    const streamIdleTimeoutMs = f.duration(http.streamIdleTimeout, `${at}.http.streamIdleTimeout`);
    out.http = {
      ...(requestReceivedTimeoutMs !== undefined ? { requestReceivedTimeoutMs } : {}),
      ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
      ...(streamIdleTimeoutMs !== undefined ? { streamIdleTimeoutMs } : {}),
    };
  }
  const tcp = f.object(t.tcp, `${at}.tcp`);
  if (tcp) {
    f.onlyKnown(tcp, `${at}.tcp`, ['idleTimeout']);
    const idleTimeoutMs = f.duration(tcp.idleTimeout, `${at}.tcp.idleTimeout`);
    out.tcp = idleTimeoutMs !== undefined ? { idleTimeoutMs } : {};
  }
  return done(f, out);
}

export function readConnection(value: unknown): ValidationResult<ConnectionRead> {
  const f = new Fields();
  const at = 'spec.connection';
  const c = f.object(value, at) ?? {};
  f.onlyKnown(c, at, ['connectionLimit', 'bufferLimit']);
  const out: ConnectionRead = {};
  const limit = f.object(c.connectionLimit, `${at}.connectionLimit`);
  if (limit) {
    f.onlyKnown(limit, `${at}.connectionLimit`, ['value', 'closeDelay']);
    // Envoy's connection_limit filter: max_connections at least 1.
    const max = f.integer(limit.value, `${at}.connectionLimit.value`, 1, Number.MAX_SAFE_INTEGER);
    if (limit.value === undefined) f.problem(`${at}.connectionLimit.value`, `${at}.connectionLimit.value is required`);
    const closeDelayMs = f.duration(limit.closeDelay, `${at}.connectionLimit.closeDelay`);
    if (max !== undefined)
      out.connectionLimit = { value: max, ...(closeDelayMs !== undefined ? { closeDelayMs } : {}) };
  }
  const buffer = f.size(c.bufferLimit, `${at}.bufferLimit`, 0, UINT32_MAX);
  if (buffer !== undefined) out.bufferLimitBytes = buffer;
  return done(f, out);
}

const MAX_KEEPALIVE_PROBES = 127;
const MAX_KEEPALIVE_SECONDS = 32767;

/**
 * `tcpKeepalive` of a ClientTrafficPolicy (the clients' connections) or a BackendTrafficPolicy
 * (Envoy's connections to the backends): the same fields, read the same way.
 */
export function readTcpKeepalive(value: unknown): ValidationResult<TcpKeepaliveRead> {
  const f = new Fields();
  const at = 'spec.tcpKeepalive';
  const k = f.object(value, at) ?? {};
  f.onlyKnown(k, at, ['probes', 'idleTime', 'interval']);
  // Linux's bounds (TCP_KEEPCNT 1-127, TCP_KEEPIDLE and TCP_KEEPINTVL 1-32767 s): Envoy cannot
  // set a socket option beyond them, and would refuse the listener or fail every connection.
  const probes = f.integer(k.probes, `${at}.probes`, 1, MAX_KEEPALIVE_PROBES);
  const seconds = (key: 'idleTime' | 'interval'): number | undefined => {
    const ms = f.duration(k[key], `${at}.${key}`);
    if (ms === undefined) return undefined;
    // Socket options take whole seconds, at least one.
    if (ms < 1000 || ms % 1000 !== 0 || ms > MAX_KEEPALIVE_SECONDS * 1000) {
      f.problem(`${at}.${key}`, `${at}.${key} must be a whole number of seconds from 1s to ${MAX_KEEPALIVE_SECONDS}s`);
      return undefined;
    }
    return ms / 1000;
  };
  const idleTimeSeconds = seconds('idleTime');
  const intervalSeconds = seconds('interval');
  return done(f, {
    ...(probes !== undefined ? { probes } : {}),
    ...(idleTimeSeconds !== undefined ? { idleTimeSeconds } : {}),
    ...(intervalSeconds !== undefined ? { intervalSeconds } : {}),
  });
}

export function readProxyProtocol(value: unknown): ValidationResult<ProxyProtocolRead> {
  const f = new Fields();
  const at = 'spec.proxyProtocol';
  const p = f.object(value, at) ?? {};
  f.onlyKnown(p, at, ['optional']);
  return done(f, { optional: f.boolean(p.optional, `${at}.optional`) ?? false });
}
