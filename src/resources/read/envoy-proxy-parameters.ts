/**
 * EnvoyProxyParameters (`gateway.portico.dev/v1alpha1`, manifests/crd-envoyproxyparameters.yaml),
 * read: the parameters of the Envoy Deployment and Service the provisioner makes, or every problem
 * found, each with its field path (`spec.deployment.replicas: …`).
 *
 * The CRD's schema checks an object on write; this module checks it again, field by field and
 * with the same bounds, because an object may come from a file, or from a cluster whose CRD is
 * older or was edited: what reaches the provisioner must be something the API server takes in a
 * Deployment or Service and Envoy takes on its command line. The translator merges a class's and
 * a Gateway's (envoy-proxy-parameters.ts there), and checks the merge with `mergedProblems`.
 */
import { quantityValue } from '../../shared/quantity.js';
import type { IrProxyParameters, IrResourceList, IrToleration } from '../../ir/types.js';
import { readTelemetry } from './access-log-parameters.js';
import { readOnce } from './read-once.js';
import { fieldsOf } from './validation-result.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'] as const;
const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;
const OPERATORS = ['Exists', 'Equal'] as const;
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/** Bounds, the same as the CRD's. */
export const MAX_REPLICAS = 1000;
const MAX_IMAGE = 512;
const MAX_MAP_ENTRIES = 32;
const MAX_TOLERATIONS = 32;
const MAX_ANNOTATION_VALUE = 4096;
/** Annotation keys Gateway API and Portico keep for themselves (as for spec.infrastructure). */
const RESERVED_PREFIXES = ['gateway.networking.k8s.io/', 'portico.dev/'];

const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** A Kubernetes quantity, non-negative (resources cannot be negative); exponents are whole numbers. */
/** A Kubernetes label or annotation key: `[DNS subdomain prefix/]name`. */
export function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  return QUALIFIED_NAME.test(key) && (slash < 0 || slash <= 253);
}

export type ParametersRead = { ok: true; parameters: IrProxyParameters } | { ok: false; problems: string[] };

type Fields = Record<string, unknown>;

/** Collects the problems of one object, each with its field path. */
class Reader {
  readonly problems: string[] = [];

  problem(path: string, message: string): undefined {
    this.problems.push(`${path}: ${message}`);
    return undefined;
  }

  /** The object at `path` with only `known` fields, or undefined (a problem if it is not an object). */
  object(value: unknown, path: string, known: readonly string[]): Fields | undefined {
    if (value === undefined || value === null) return undefined;
    const fields = fieldsOf(value);
    if (!fields) return this.problem(path, 'must be an object');
    for (const key of Object.keys(fields)) {
      if (!known.includes(key)) this.problem(`${path}.${key}`, 'unknown field');
    }
    return fields;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    return this.problem(path, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }

  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      return this.problem(path, `${JSON.stringify(value)} must be a whole number from ${min} to ${max}`);
    }
    return value;
  }

  /** A map of string values (labels, annotations): keys qualified names, values checked by `value`. */
  stringMap(
    input: unknown,
    path: string,
    value: (v: string) => string | undefined,
    key: (k: string) => string | undefined = () => undefined,
  ): Record<string, string> | undefined {
    if (input === undefined || input === null) return undefined;
    const map = fieldsOf(input);
    if (!map) return this.problem(path, 'must be a map of strings');
    const entries = Object.entries(map);
    if (entries.length > MAX_MAP_ENTRIES)
      return this.problem(path, `has ${entries.length} entries; at most ${MAX_MAP_ENTRIES}`);
    const out: Record<string, string> = {};
    for (const [k, v] of entries) {
      const keyProblem = isQualifiedName(k)
        ? key(k)
        : 'not a valid key (an optional DNS subdomain prefix and "/", then a name of up to 63 characters)';
      if (keyProblem) this.problem(`${path}[${JSON.stringify(k)}]`, keyProblem);
      else if (typeof v !== 'string') this.problem(`${path}[${JSON.stringify(k)}]`, 'the value must be a string');
      else {
        const valueProblem = value(v);
        if (valueProblem) this.problem(`${path}[${JSON.stringify(k)}]`, valueProblem);
        else out[k] = v;
      }
    }
    return out;
  }
}

const labelValueProblem = (v: string): string | undefined =>
  v.length <= 63 && LABEL_VALUE.test(v) ? undefined : `${JSON.stringify(v)} is not a valid label value`;

function readResourceList(reader: Reader, value: unknown, path: string): IrResourceList | undefined {
  const fields = reader.object(value, path, ['cpu', 'memory']);
  if (!fields) return undefined;
  const out: IrResourceList = {};
  for (const name of ['cpu', 'memory'] as const) {
    const raw = fields[name];
    if (raw === undefined || raw === null) continue;
    // The CRD field is int-or-string, as in a Pod: `cpu: 1` is a quantity too.
    const text = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
    if (typeof text !== 'string' || quantityValue(text) === undefined) {
      reader.problem(`${path}.${name}`, `${JSON.stringify(raw)} is not a non-negative quantity (e.g. 500m, 1, 256Mi)`);
    } else out[name] = text;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function readToleration(reader: Reader, value: unknown, path: string): IrToleration | undefined {
  if (!fieldsOf(value)) return reader.problem(path, 'must be an object');
  const fields = reader.object(value, path, ['key', 'operator', 'value', 'effect', 'tolerationSeconds'])!;
  const out: IrToleration = {};
  const before = reader.problems.length;
  if (fields.key !== undefined && fields.key !== null && fields.key !== '') {
    if (typeof fields.key !== 'string' || !isQualifiedName(fields.key)) {
      reader.problem(`${path}.key`, `${JSON.stringify(fields.key)} is not a valid taint key`);
    } else out.key = fields.key;
  }
  const operator = reader.oneOf(fields.operator, `${path}.operator`, OPERATORS);
  if (operator) out.operator = operator;
  if (fields.value !== undefined && fields.value !== null && fields.value !== '') {
    const problem = typeof fields.value === 'string' ? labelValueProblem(fields.value) : 'must be a string';
    if (problem) reader.problem(`${path}.value`, problem);
    else out.value = fields.value as string;
  }
  const effect = reader.oneOf(fields.effect, `${path}.effect`, EFFECTS);
  if (effect) out.effect = effect;
  const seconds = reader.integer(fields.tolerationSeconds, `${path}.tolerationSeconds`, -(2 ** 53 - 1), 2 ** 53 - 1);
  if (seconds !== undefined) out.tolerationSeconds = seconds;
  if (reader.problems.length > before) return undefined;
  // The rules the API server applies to a Pod's tolerations.
  if (out.key === undefined && out.operator !== 'Exists') {
    return reader.problem(`${path}.operator`, 'must be Exists when key is empty (a toleration of every taint)');
  }
  if (out.operator === 'Exists' && out.value !== undefined) {
    return reader.problem(`${path}.value`, 'must be empty when operator is Exists');
  }
  if (out.tolerationSeconds !== undefined && out.effect !== 'NoExecute') {
    return reader.problem(`${path}.tolerationSeconds`, 'is allowed only with effect NoExecute');
  }
  return out;
}

/** An EnvoyProxyParameters object, read once (see `readParameters`). */
export const readEnvoyProxyParameters: (object: { spec?: unknown }) => ParametersRead = readOnce(readParameters);

/**
 * The parameters of an EnvoyProxyParameters object's `spec`, or every problem found in it (each
 * with its field path, `spec.deployment.replicas: …`).
 */
export function readParameters(spec: unknown): ParametersRead {
  const reader = new Reader();
  const out: IrProxyParameters = {};
  const root = reader.object(spec, 'spec', ['deployment', 'service', 'telemetry']) ?? {};

  const deployment = reader.object(root.deployment, 'spec.deployment', [
    'replicas',
    'image',
    'logLevel',
    'resources',
    'nodeSelector',
    'tolerations',
  ]);
  if (deployment) {
    const d: NonNullable<IrProxyParameters['deployment']> = {};
    const replicas = reader.integer(deployment.replicas, 'spec.deployment.replicas', 0, MAX_REPLICAS);
    if (replicas !== undefined) d.replicas = replicas;
    if (deployment.image !== undefined && deployment.image !== null) {
      const image = deployment.image;
      if (typeof image !== 'string' || image.length === 0 || image.length > MAX_IMAGE || /\s/.test(image)) {
        reader.problem(
          'spec.deployment.image',
          `must be an image reference of 1 to ${MAX_IMAGE} characters without spaces`,
        );
      } else d.image = image;
    }
    const logLevel = reader.oneOf(deployment.logLevel, 'spec.deployment.logLevel', LOG_LEVELS);
    if (logLevel) d.logLevel = logLevel;
    const resources = reader.object(deployment.resources, 'spec.deployment.resources', ['requests', 'limits']);
    if (resources) {
      const requests = readResourceList(reader, resources.requests, 'spec.deployment.resources.requests');
      const limits = readResourceList(reader, resources.limits, 'spec.deployment.resources.limits');
      if (requests || limits) d.resources = { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
    }
    const nodeSelector = reader.stringMap(deployment.nodeSelector, 'spec.deployment.nodeSelector', labelValueProblem);
    if (nodeSelector) d.nodeSelector = nodeSelector;
    if (deployment.tolerations !== undefined && deployment.tolerations !== null) {
      if (!Array.isArray(deployment.tolerations)) reader.problem('spec.deployment.tolerations', 'must be a list');
      else if (deployment.tolerations.length > MAX_TOLERATIONS) {
        reader.problem(
          'spec.deployment.tolerations',
          `has ${deployment.tolerations.length} items; at most ${MAX_TOLERATIONS}`,
        );
      } else {
        const tolerations = deployment.tolerations.map((t, i) =>
          readToleration(reader, t, `spec.deployment.tolerations[${i}]`),
        );
        d.tolerations = tolerations.filter((t): t is IrToleration => t !== undefined);
      }
    }
    if (Object.keys(d).length > 0) out.deployment = d;
  }

  const service = reader.object(root.service, 'spec.service', ['type', 'externalTrafficPolicy', 'annotations']);
  if (service) {
    const s: NonNullable<IrProxyParameters['service']> = {};
    const type = reader.oneOf(service.type, 'spec.service.type', SERVICE_TYPES);
    if (type) s.type = type;
    const policy = reader.oneOf(service.externalTrafficPolicy, 'spec.service.externalTrafficPolicy', TRAFFIC_POLICIES);
    if (policy) s.externalTrafficPolicy = policy;
    const annotations = reader.stringMap(
      service.annotations,
      'spec.service.annotations',
      (v) =>
        v.length <= MAX_ANNOTATION_VALUE ? undefined : `the value is longer than ${MAX_ANNOTATION_VALUE} characters`,
      (k) =>
        RESERVED_PREFIXES.some((p) => k.startsWith(p))
          ? `the prefixes ${RESERVED_PREFIXES.join(' and ')} are reserved for Gateway API and Portico`
          : undefined,
    );
    if (annotations) s.annotations = annotations;
    if (Object.keys(s).length > 0) out.service = s;
  }

  const telemetry = readTelemetry(root.telemetry, reader.problems);
  if (telemetry) out.telemetry = telemetry;

  if (reader.problems.length > 0) return { ok: false, problems: reader.problems };
  const merged = mergedProblems(out);
  return merged.length > 0 ? { ok: false, problems: merged } : { ok: true, parameters: out };
}

/**
 * What the API server would refuse in the Deployment or Service made from these parameters, on
 * top of each field's own rules: a request above its limit, a ClusterIP Service with an external
 * traffic policy. Checked on each object and again on the merge.
 */
export function mergedProblems(parameters: IrProxyParameters): string[] {
  const problems: string[] = [];
  const resources = parameters.deployment?.resources;
  for (const name of ['cpu', 'memory'] as const) {
    const request = resources?.requests?.[name];
    const limit = resources?.limits?.[name];
    if (request !== undefined && limit !== undefined && quantityValue(request)! > quantityValue(limit)!) {
      problems.push(`deployment.resources: the ${name} request ${request} is above its limit ${limit}`);
    }
  }
  if (parameters.service?.type === 'ClusterIP' && parameters.service.externalTrafficPolicy !== undefined) {
    problems.push('service.externalTrafficPolicy applies only to NodePort and LoadBalancer Services, not ClusterIP');
  }
  return problems;
}
