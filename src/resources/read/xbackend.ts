/**
 * XBackend (gateway.networking.x-k8s.io/v1alpha1, GEP-4894), read: the endpoints it selects, its
 * port and protocol, what its server certificate is checked against, and its session
 * persistence; or the first reason it cannot be used, with the condition reason its status gives.
 *
 * What Portico cannot honour is a problem here (`ExternalHostname`, TLS mode `ClientAndServer`,
 * protocol `MCP`), as what the spec does not allow is. Whether the CA certificates resolve is the
 * translator's (xbackend.ts): it depends on other objects, and is checked after everything read
 * here but the session persistence, which is therefore read apart.
 */
import { readBackendTlsValidation, type BackendTlsValidation } from './backend-tls-policy.js';
import { readOnce } from './read-once.js';
import { readBackendSessionPersistence, type SessionPersistenceRead } from './session-persistence.js';
import { fieldsOf, type FieldError } from './validation-result.js';

export type XBackendProtocol = 'TCP' | 'HTTP' | 'HTTP2' | 'HTTP11' | 'H2C' | 'GRPC' | 'WSS';

const PROTOCOLS: ReadonlySet<unknown> = new Set<XBackendProtocol>([
  'TCP',
  'HTTP',
  'HTTP2',
  'HTTP11',
  'H2C',
  'GRPC',
  'WSS',
]);

/** A problem, with the reason of the XBackend's Accepted=False condition. */
export interface XBackendProblem extends FieldError {
  reason: 'Invalid' | 'UnsupportedValue';
}

type Refusal = { valid: false; errors: XBackendProblem[] };

export interface XBackendEndpoints {
  /** Never empty. A value that is not a string matches no Pod (Pod labels are strings). */
  matchLabels: Readonly<Record<string, unknown>>;
  /** The endpoints' port, 1 to 65535. */
  port: number;
  /** Undefined when not set: the route decides. */
  protocol: XBackendProtocol | undefined;
  /** With `tls.mode` ServerOnly: what the server's certificate is checked against. */
  tls: BackendTlsValidation | undefined;
}

export type XBackendEndpointsRead = { valid: true; result: XBackendEndpoints } | Refusal;

export interface ValidatedXBackend {
  /** Everything but the session persistence, checked in the order of the fields. */
  endpoints: XBackendEndpointsRead;
  /** Undefined when not written (or when `spec` is no object). */
  sessionPersistence: SessionPersistenceRead | undefined;
}

export const readXBackend: (xb: { spec?: unknown }) => ValidatedXBackend = readOnce((spec) => {
  const fields = fieldsOf(spec);
  if (!fields) return { endpoints: problem('spec', 'Invalid', 'spec is required'), sessionPersistence: undefined };
  return {
    endpoints: readEndpoints(fields),
    sessionPersistence: readBackendSessionPersistence(fields.sessionPersistence, 'spec.sessionPersistence'),
  };
});

function problem(path: string, reason: XBackendProblem['reason'], message: string): Refusal {
  return { valid: false, errors: [{ path, reason, message }] };
}

function readEndpoints(spec: Record<string, unknown>): XBackendEndpointsRead {
  if (spec.type === 'ExternalHostname') {
    return problem(
      'spec.type',
      'UnsupportedValue',
      'type ExternalHostname is not supported by Portico; use type EndpointSelector',
    );
  }
  if (spec.type !== 'EndpointSelector') {
    return problem('spec.type', 'UnsupportedValue', `type ${JSON.stringify(spec.type)} is not supported`);
  }
  const matchLabels = fieldsOf(fieldsOf(spec.endpointSelector)?.matchLabels);
  if (!matchLabels || Object.keys(matchLabels).length === 0) {
    return problem(
      'spec.endpointSelector.matchLabels',
      'Invalid',
      'endpointSelector.matchLabels must name at least one label',
    );
  }
  const port = fieldsOf(spec.port)?.number;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return problem('spec.port.number', 'Invalid', `port.number ${JSON.stringify(port)} is not a port number`);
  }
  const protocol = spec.protocol;
  if (protocol !== undefined && !PROTOCOLS.has(protocol)) {
    return problem('spec.protocol', 'UnsupportedValue', `protocol ${String(protocol)} is not supported by Portico`);
  }
  const tls = readTls(fieldsOf(spec.tls));
  if (!tls.valid) return tls;
  const endpoints: XBackendEndpoints = {
    matchLabels,
    port,
    protocol: protocol as XBackendProtocol | undefined,
    tls: tls.result,
  };
  if ((protocol === 'HTTP2' || protocol === 'WSS') && !endpoints.tls) {
    return problem('spec.protocol', 'Invalid', `protocol ${protocol} needs TLS (tls.mode ServerOnly)`);
  }
  return { valid: true, result: endpoints };
}

/** `tls`: its validation with mode ServerOnly, undefined with None (or no tls). */
function readTls(
  tls: Record<string, unknown> | undefined,
): { valid: true; result: BackendTlsValidation | undefined } | Refusal {
  const mode = tls?.mode ?? 'None';
  if (mode === 'None') return { valid: true, result: undefined };
  if (mode === 'ClientAndServer') {
    return problem(
      'spec.tls.mode',
      'UnsupportedValue',
      'tls.mode ClientAndServer is not supported by Portico; use ServerOnly or None',
    );
  }
  if (mode !== 'ServerOnly') {
    return problem('spec.tls.mode', 'UnsupportedValue', `tls.mode ${String(mode)} is not supported`);
  }
  // The validation fields are BackendTLSPolicy's, read the same way.
  const validation = readBackendTlsValidation(tls?.validation, 'spec.tls.validation');
  if (!validation.valid) {
    const first = validation.errors[0]!;
    return problem(first.path, 'Invalid', `tls.validation: ${first.message}`);
  }
  return { valid: true, result: validation.result };
}
