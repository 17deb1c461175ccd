/**
 * ClientTrafficPolicy sections about HTTP and TLS (Envoy Gateway's field names): `headers`,
 * `http1`, `http2`, `path`, `tls`. Values are checked against what Envoy accepts: HTTP/2 windows
 * and streams (PGV bounds), TLS versions and the cipher names BoringSSL knows (Envoy refuses a
 * listener naming one it does not).
 */
import { isHeaderName } from './header-name.js';
import { Fields, INT32_MAX } from './client-traffic-fields.js';
import { itemsOf, valid, type ValidationResult } from './validation-result.js';

export type WithUnderscoresAction = 'Allow' | 'RejectRequest' | 'DropHeader';
export type RequestIdAction = 'PreserveOrGenerate' | 'Preserve' | 'Generate' | 'Disable';

export interface HeadersRead {
  withUnderscoresAction?: WithUnderscoresAction;
  /** `preserveXRequestID: true` reads as PreserveOrGenerate. */
  requestID?: RequestIdAction;
  earlyRequestHeaders?: {
    set: { name: string; value: string }[];
    add: { name: string; value: string }[];
    remove: string[];
  };
}

export interface Http1Read {
  enableTrailers?: boolean;
  /** `http10` set: HTTP/1.0 requests are taken. */
  http10?: boolean;
}

export interface Http2Read {
  maxConcurrentStreams?: number;
  initialStreamWindowSize?: number;
  initialConnectionWindowSize?: number;
}

export type EscapedSlashesAction = 'KeepUnchanged' | 'RejectRequest' | 'UnescapeAndRedirect' | 'UnescapeAndForward';

export interface PathRead {
  escapedSlashesAction?: EscapedSlashesAction;
  disableMergeSlashes?: boolean;
}

export type TlsVersionRead = 'Auto' | '1.0' | '1.1' | '1.2' | '1.3';

export interface TlsRead {
  minVersion?: TlsVersionRead;
  maxVersion?: TlsVersionRead;
  ciphers?: string[];
  alpnProtocols?: string[];
}

const TLS_VERSIONS: readonly TlsVersionRead[] = ['Auto', '1.0', '1.1', '1.2', '1.3'];

/** BoringSSL's cipher suite names for TLS 1.0–1.2, as Envoy takes them. */
const CIPHERS: ReadonlySet<string> = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-PSK-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-PSK-AES128-CBC-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
  'ECDHE-PSK-AES256-CBC-SHA',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA',
  'AES256-SHA',
  'PSK-AES128-CBC-SHA',
  'PSK-AES256-CBC-SHA',
  'DES-CBC3-SHA',
]);

/** A cipher name, or an equal-preference group `[A|B]` of them. */
function isCipher(name: unknown): name is string {
  if (typeof name !== 'string') return false;
  const group = /^\[(.+)\]$/.exec(name);
  return group ? group[1]!.split('|').every((n) => CIPHERS.has(n)) : CIPHERS.has(name);
}

function done<T>(f: Fields, result: T): ValidationResult<T> {
  return f.problems.length > 0 ? { valid: false, errors: f.problems } : valid(result);
}

/** Envoy takes a header value without NUL, CR or LF (and Portico no other control character). */
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export function readHeaders(value: unknown): ValidationResult<HeadersRead> {
  const f = new Fields();
  const at = 'spec.headers';
  const h = f.object(value, at) ?? {};
  f.onlyKnown(h, at, ['withUnderscoresAction', 'preserveXRequestID', 'requestID', 'earlyRequestHeaders']);
  const out: HeadersRead = {};
  const underscores = f.oneOf(h.withUnderscoresAction, `${at}.withUnderscoresAction`, [
    'Allow',
    'RejectRequest',
    'DropHeader',
  ] as const);
  if (underscores) out.withUnderscoresAction = underscores;
  const preserve = f.boolean(h.preserveXRequestID, `${at}.preserveXRequestID`);
  const requestID = f.oneOf(h.requestID, `${at}.requestID`, [
    'PreserveOrGenerate',
    'Preserve',
    'Generate',
    'Disable',
  ] as const);
  if (preserve !== undefined && h.requestID !== undefined && h.requestID !== null) {
    f.problem(at, `${at}: preserveXRequestID and requestID cannot both be set`);
  }
  if (requestID) out.requestID = requestID;
  else if (preserve !== undefined) out.requestID = preserve ? 'PreserveOrGenerate' : 'Generate';
  const early = f.object(h.earlyRequestHeaders, `${at}.earlyRequestHeaders`);
  if (early) {
    const path = `${at}.earlyRequestHeaders`;
    f.onlyKnown(early, path, ['set', 'add', 'remove']);
    const pairs = (key: 'set' | 'add'): { name: string; value: string }[] =>
      itemsOf(early[key]).flatMap((item, i) => {
        const e = f.object(item, `${path}.${key}[${i}]`);
        const name = e?.name;
        const text = e?.value;
        if (!isHeaderName(name) || name.toLowerCase() === 'host') {
          f.problem(
            `${path}.${key}[${i}].name`,
            `${path}.${key}[${i}].name ${JSON.stringify(name)} is not a header name Portico can change (a token, not Host)`,
          );
          return [];
        }
        if (typeof text !== 'string' || BAD_VALUE.test(text) || text.length > 4096) {
          f.problem(
            `${path}.${key}[${i}].value`,
            `${path}.${key}[${i}].value must be a string of at most 4096 characters without control characters`,
          );
          return [];
        }
        return [{ name, value: text }];
      });
    const set = pairs('set');
    const add = pairs('add');
    const remove = itemsOf(early.remove).flatMap((name, i) => {
      if (isHeaderName(name) && name.toLowerCase() !== 'host') return [name];
      f.problem(
        `${path}.remove[${i}]`,
        `${path}.remove[${i}] ${JSON.stringify(name)} is not a header name Portico can remove (a token, not Host)`,
      );
      return [];
    });
    // Nothing to change: no extension (Envoy refuses one with no mutations, and with it the listener).
    if (set.length + add.length + remove.length > 0) out.earlyRequestHeaders = { set, add, remove };
  }
  return done(f, out);
}

export function readHttp1(value: unknown): ValidationResult<Http1Read> {
  const f = new Fields();
  const at = 'spec.http1';
  const h = f.object(value, at) ?? {};
  f.onlyKnown(h, at, ['enableTrailers', 'http10']);
  const out: Http1Read = {};
  const trailers = f.boolean(h.enableTrailers, `${at}.enableTrailers`);
  if (trailers !== undefined) out.enableTrailers = trailers;
  const http10 = f.object(h.http10, `${at}.http10`);
  if (http10) {
    f.onlyKnown(http10, `${at}.http10`, []);
    out.http10 = true;
  }
  return done(f, out);
}

export function readHttp2(value: unknown): ValidationResult<Http2Read> {
  const f = new Fields();
  const at = 'spec.http2';
  const h = f.object(value, at) ?? {};
  f.onlyKnown(h, at, ['maxConcurrentStreams', 'initialStreamWindowSize', 'initialConnectionWindowSize']);
  const out: Http2Read = {};
  // Envoy's Http2ProtocolOptions bounds.
  const streams = f.integer(h.maxConcurrentStreams, `${at}.maxConcurrentStreams`, 1, INT32_MAX);
  if (streams !== undefined) out.maxConcurrentStreams = streams;
  const stream = f.size(h.initialStreamWindowSize, `${at}.initialStreamWindowSize`, 65535, INT32_MAX);
  if (stream !== undefined) out.initialStreamWindowSize = stream;
  const connection = f.size(h.initialConnectionWindowSize, `${at}.initialConnectionWindowSize`, 65535, INT32_MAX);
  if (connection !== undefined) out.initialConnectionWindowSize = connection;
  return done(f, out);
}

export function readPath(value: unknown): ValidationResult<PathRead> {
  const f = new Fields();
  const at = 'spec.path';
  const p = f.object(value, at) ?? {};
  f.onlyKnown(p, at, ['escapedSlashesAction', 'disableMergeSlashes']);
  const out: PathRead = {};
  const action = f.oneOf(p.escapedSlashesAction, `${at}.escapedSlashesAction`, [
    'KeepUnchanged',
    'RejectRequest',
    'UnescapeAndRedirect',
    'UnescapeAndForward',
  ] as const);
  if (action) out.escapedSlashesAction = action;
  const merge = f.boolean(p.disableMergeSlashes, `${at}.disableMergeSlashes`);
  if (merge !== undefined) out.disableMergeSlashes = merge;
  return done(f, out);
}

const RANK: Record<TlsVersionRead, number> = { Auto: -1, '1.0': 0, '1.1': 1, '1.2': 2, '1.3': 3 };

export function readTls(value: unknown): ValidationResult<TlsRead> {
  const f = new Fields();
  const at = 'spec.tls';
  const t = f.object(value, at) ?? {};
  f.onlyKnown(t, at, ['minVersion', 'maxVersion', 'ciphers', 'alpnProtocols']);
  const out: TlsRead = {};
  const min = f.oneOf(t.minVersion, `${at}.minVersion`, TLS_VERSIONS);
  const max = f.oneOf(t.maxVersion, `${at}.maxVersion`, TLS_VERSIONS);
  if (min) out.minVersion = min;
  if (max) out.maxVersion = max;
  // Envoy's defaults when Auto or absent: at least 1.2, at most 1.3.
  const low = min === undefined || min === 'Auto' ? 2 : RANK[min];
  const high = max === undefined || max === 'Auto' ? 3 : RANK[max];
  if (low > high) f.problem(at, `${at}: minVersion must be smaller or equal to maxVersion`);
  if (t.ciphers !== undefined && t.ciphers !== null) {
    const ciphers = itemsOf(t.ciphers);
    ciphers.forEach((c, i) => {
      if (!isCipher(c)) {
        f.problem(
          `${at}.ciphers[${i}]`,
          `${at}.ciphers[${i}] ${JSON.stringify(c)} is not a cipher suite Envoy knows (like ECDHE-RSA-AES128-GCM-SHA256)`,
        );
      }
    });
    if (ciphers.length === 0) f.problem(`${at}.ciphers`, `${at}.ciphers must name at least one cipher suite`);
    if (min === '1.3')
      f.problem(`${at}.ciphers`, `${at}: setting ciphers has no effect if the minimum possible TLS version is 1.3`);
    out.ciphers = ciphers.filter(isCipher);
  }
  if (t.alpnProtocols !== undefined && t.alpnProtocols !== null) {
    const protocols = itemsOf(t.alpnProtocols);
    protocols.forEach((p, i) => {
      if (typeof p !== 'string' || p === '' || p.length > 255) {
        f.problem(
          `${at}.alpnProtocols[${i}]`,
          `${at}.alpnProtocols[${i}] must be a protocol name (like h2, http/1.1), 1 to 255 characters`,
        );
      }
    });
    out.alpnProtocols = protocols.filter((p): p is string => typeof p === 'string');
  }
  return done(f, out);
}
