/**
 * What a valid ClientTrafficPolicy's settings become in the IR, split by where Envoy takes them:
 * the listener, the filter chain, its TLS context, its connection manager, its TCP proxy.
 */
import type {
  IrConnectionLimit,
  IrEscapedSlashesAction,
  IrHcmClientTraffic,
  IrListenerClientTraffic,
  IrTlsParameters,
  IrTlsVersion,
} from '../../../ir/types.js';
import type { ClientTrafficFeatures } from '../../../resources/read/client-traffic-policy.js';
import type { EscapedSlashesAction, TlsVersionRead } from '../../../resources/read/client-traffic-http.js';

export interface ClientTrafficParts {
  /** `<namespace>/<name>` of the policy. */
  policy: string;
  listener?: IrListenerClientTraffic;
  connectionLimit?: IrConnectionLimit;
  tls?: { params?: IrTlsParameters; alpnProtocols?: string[] };
  hcm?: IrHcmClientTraffic;
  tcpIdleTimeoutMs?: number;
}

const TLS_VERSION: Record<TlsVersionRead, IrTlsVersion> = {
  Auto: 'TLS_AUTO',
  '1.0': 'TLSv1_0',
  '1.1': 'TLSv1_1',
  '1.2': 'TLSv1_2',
  '1.3': 'TLSv1_3',
};

const ESCAPED_SLASHES: Record<EscapedSlashesAction, IrEscapedSlashesAction> = {
  KeepUnchanged: 'KEEP_UNCHANGED',
  RejectRequest: 'REJECT_REQUEST',
  UnescapeAndRedirect: 'UNESCAPE_AND_REDIRECT',
  UnescapeAndForward: 'UNESCAPE_AND_FORWARD',
};

const UNDERSCORES = { Allow: 'ALLOW', RejectRequest: 'REJECT_REQUEST', DropHeader: 'DROP_HEADER' } as const;

const REQUEST_ID = {
  PreserveOrGenerate: { preserve: true, generate: true },
  Preserve: { preserve: true, generate: false },
  Generate: { preserve: false, generate: true },
  Disable: { preserve: false, generate: false },
} as const;

/** Drops the undefined fields (the IR is plain JSON). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const nonEmpty = <T extends object>(o: T): T | undefined => (Object.keys(o).length > 0 ? o : undefined);

export function clientTrafficParts(policy: string, f: ClientTrafficFeatures): ClientTrafficParts {
  const listener = nonEmpty(
    defined<IrListenerClientTraffic>({
      proxyProtocol: f.proxyProtocol,
      bufferLimitBytes: f.connection?.bufferLimitBytes,
      tcpKeepalive: f.tcpKeepalive,
    }),
  );
  const limit = f.connection?.connectionLimit;
  const connectionLimit = limit && defined({ max: limit.value, closeDelayMs: limit.closeDelayMs });
  const tls = f.tls && {
    params: nonEmpty(
      defined<IrTlsParameters>({
        minVersion: f.tls.minVersion && TLS_VERSION[f.tls.minVersion],
        maxVersion: f.tls.maxVersion && TLS_VERSION[f.tls.maxVersion],
        ciphers: f.tls.ciphers,
      }),
    ),
    alpnProtocols: f.tls.alpnProtocols,
  };
  const ip = f.clientIPDetection;
  const http = f.timeout?.http;
  const hcm = defined<IrHcmClientTraffic>({
    policy,
    clientAddress: ip?.customHeader
      ? { header: ip.customHeader.name, failClosed: ip.customHeader.failClosed }
      : ip?.xForwardedFor
        ? { xffNumTrustedHops: ip.xForwardedFor.numTrustedHops }
        : undefined,
    requestTimeoutMs: http?.requestReceivedTimeoutMs,
    idleTimeoutMs: http?.idleTimeoutMs,
    streamIdleTimeoutMs: http?.streamIdleTimeoutMs,
    headersWithUnderscores: f.headers?.withUnderscoresAction && UNDERSCORES[f.headers.withUnderscoresAction],
    requestId: f.headers?.requestID && { ...REQUEST_ID[f.headers.requestID] },
    earlyRequestHeaders: f.headers?.earlyRequestHeaders,
    http1: f.http1 && nonEmpty(defined({ enableTrailers: f.http1.enableTrailers, acceptHttp10: f.http1.http10 })),
    http2: f.http2 && nonEmpty({ ...f.http2 }),
    escapedSlashesAction: f.path?.escapedSlashesAction && ESCAPED_SLASHES[f.path.escapedSlashesAction],
    mergeSlashes: f.path?.disableMergeSlashes === undefined ? undefined : !f.path.disableMergeSlashes,
  });
  return defined<ClientTrafficParts>({
    policy,
    listener,
    connectionLimit,
    tls: tls && nonEmpty(defined(tls)),
    hcm: Object.keys(hcm).length > 1 ? hcm : undefined,
    tcpIdleTimeoutMs: f.timeout?.tcp?.idleTimeoutMs,
  });
}
