/**
 * Gateway, read: its class, its listeners (each read on its own, see listener.ts), the types of
 * the addresses it requests, which ListenerSets it allows, its client certificate validation
 * (`spec.tls.frontend`), the client certificate it presents to backends (`spec.tls.backend`) and
 * its own parameters (`spec.infrastructure.parametersRef`).
 */
import type { LabelSelector, SecretObjectReference } from '../gateway-api.js';
import { readLabelSelector } from './label-selector.js';
import { readListener, type ListenerEntry } from './listener.js';
import { readParametersRef, type ParametersReference } from './parameters-ref.js';
import { readOnce } from './read-once.js';
import { fieldsOf, invalid, itemsOf, valid, type ValidationResult } from './validation-result.js';

/** ListenerSets a Gateway takes; `Unknown`: a `from` Portico does not know (it admits none). */
export interface AllowedListeners {
  /** Undefined when not written. */
  from: 'All' | 'Same' | 'Selector' | 'None' | 'Unknown' | undefined;
  /** Undefined when absent or malformed: selects nothing. */
  selector: LabelSelector | undefined;
}

/** A CA certificate reference of `spec.tls.frontend`, or why it cannot be one. */
export type FrontendCaRef = { name: string; group?: string; kind?: string; namespace?: string } | { problem: string };

/**
 * The client certificate check for some port: none, one written so that it cannot be read (the
 * listener is then not served, never served without it), a mode Portico does not know, or the check.
 */
export type FrontendCheck =
  | { kind: 'none' }
  | { kind: 'malformed' }
  | { kind: 'unsupportedMode'; mode: string }
  | { kind: 'validate'; mode: 'AllowValidOnly' | 'AllowInsecureFallback'; caCertificateRefs: FrontendCaRef[] };

export interface FrontendTls {
  default: FrontendCheck;
  /** Per-port entries, first match wins (entries without an integer port match no listener). */
  perPort: { port: number; check: FrontendCheck }[];
}

export interface ValidatedGateway {
  /** '' when absent (no class of Portico's has that name). */
  gatewayClassName: string;
  listeners: ListenerEntry[];
  /** Listener names used more than once, sorted (names must be unique). */
  duplicateListenerNames: string[];
  /** The type of each `spec.addresses` entry (`IPAddress` when unset). */
  addressTypes: string[];
  allowedListeners: AllowedListeners;
  /** Undefined: no `spec.tls.frontend`. */
  frontendTls: FrontendTls | undefined;
  /** `spec.tls.backend.clientCertificateRef`; undefined when none is given. */
  backendClientCertificateRef: ValidationResult<SecretObjectReference> | undefined;
  /** `spec.infrastructure.parametersRef` (in the Gateway's namespace); undefined when none. */
  infrastructureParametersRef: ValidationResult<ParametersReference> | undefined;
}

export const readGateway: (gateway: { spec?: unknown }) => ValidatedGateway = readOnce((spec) => {
  const fields = fieldsOf(spec);
  const listeners = itemsOf(fields?.listeners).map((l, i) => readListener(l, `spec.listeners[${i}]`));
  const className = fields?.gatewayClassName;
  return {
    gatewayClassName: typeof className === 'string' ? className : '',
    listeners,
    duplicateListenerNames: duplicates(listeners.map((l) => l.name)),
    addressTypes: itemsOf(fields?.addresses).map((a) => {
      const type = fieldsOf(a)?.type;
      return typeof type === 'string' ? type : 'IPAddress';
    }),
    allowedListeners: readAllowedListeners(fields?.allowedListeners),
    frontendTls: readFrontendTls(fieldsOf(fields?.tls)?.frontend),
    backendClientCertificateRef: readClientCertificateRef(fieldsOf(fieldsOf(fields?.tls)?.backend)),
    infrastructureParametersRef: readParametersRef(
      fieldsOf(fields?.infrastructure)?.parametersRef,
      'spec.infrastructure.parametersRef',
    ),
  };
});

function duplicates(names: readonly (string | undefined)[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const name of names) {
    if (name === undefined) continue;
    if (seen.has(name)) dups.add(name);
    seen.add(name);
  }
  return [...dups].sort();
}

const LISTENERS_FROM = ['All', 'Same', 'Selector', 'None'] as const;

function readAllowedListeners(value: unknown): AllowedListeners {
  const namespaces = fieldsOf(fieldsOf(value)?.namespaces);
  const from = namespaces?.from ?? undefined;
  return {
    from: from === undefined ? undefined : (LISTENERS_FROM.find((f) => f === from) ?? 'Unknown'),
    selector: readLabelSelector(namespaces?.selector),
  };
}

function readFrontendTls(value: unknown): FrontendTls | undefined {
  const frontend = fieldsOf(value);
  if (!frontend) return undefined;
  const perPort: FrontendTls['perPort'] = [];
  for (const item of itemsOf(frontend.perPort)) {
    const entry = fieldsOf(item);
    if (entry && Number.isInteger(entry.port)) perPort.push({ port: Number(entry.port), check: readCheck(entry.tls) });
  }
  return { default: readCheck(frontend.default), perPort };
}

const MODES = ['AllowValidOnly', 'AllowInsecureFallback'] as const;

function readCheck(value: unknown): FrontendCheck {
  if (value === undefined || value === null) return { kind: 'none' };
  const config = fieldsOf(value);
  // A malformed entry must not turn a configured check off.
  if (!config) return { kind: 'malformed' };
  if (config.validation === undefined || config.validation === null) return { kind: 'none' };
  const validation = fieldsOf(config.validation);
  if (!validation) return { kind: 'malformed' };
  const written = validation.mode ?? 'AllowValidOnly';
  const mode = MODES.find((m) => m === written);
  if (mode === undefined) return { kind: 'unsupportedMode', mode: JSON.stringify(written) };
  return { kind: 'validate', mode, caCertificateRefs: itemsOf(validation.caCertificateRefs).map(readCaRef) };
}

function readCaRef(item: unknown): FrontendCaRef {
  const ref = fieldsOf(item);
  if (!ref || typeof ref.name !== 'string') return { problem: 'a caCertificateRef has no name' };
  const { group, kind, namespace } = ref;
  if (![group, kind, namespace].every((v) => v === undefined || v === null || typeof v === 'string')) {
    return { problem: `caCertificateRef ${ref.name}: its group, kind and namespace must be strings` };
  }
  return {
    name: ref.name,
    ...(typeof group === 'string' ? { group } : {}),
    ...(typeof kind === 'string' ? { kind } : {}),
    ...(typeof namespace === 'string' ? { namespace } : {}),
  };
}

const CLIENT_CERTIFICATE_REF = 'spec.tls.backend.clientCertificateRef';

function readClientCertificateRef(
  backend: Record<string, unknown> | undefined,
): ValidationResult<SecretObjectReference> | undefined {
  const value = backend?.clientCertificateRef;
  if (value === undefined || value === null) return undefined;
  const ref = fieldsOf(value);
  if (!ref || typeof ref.name !== 'string')
    return invalid(CLIENT_CERTIFICATE_REF, `${CLIENT_CERTIFICATE_REF} has no name`);
  const { group, kind, namespace } = ref;
  if (![group, kind, namespace].every((v) => v === undefined || v === null || typeof v === 'string')) {
    return invalid(CLIENT_CERTIFICATE_REF, `${CLIENT_CERTIFICATE_REF}: its group, kind and namespace must be strings`);
  }
  return valid({
    name: ref.name,
    ...(typeof group === 'string' ? { group } : {}),
    ...(typeof kind === 'string' ? { kind } : {}),
    ...(typeof namespace === 'string' ? { namespace } : {}),
  });
}
