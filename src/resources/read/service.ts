/**
 * Service, read: its ports (`spec.ports`), as a backendRef, a BackendTLSPolicy's sectionName and
 * the EndpointSlices of the Service use them. An entry that is not an object is no port. A name
 * or port of the wrong type is taken as absent (a name that is not a string names no port a
 * sectionName matches); a protocol or appProtocol of the wrong type is kept as written
 * (`NotOfType`): it equals no protocol, and a status message quotes it.
 *
 * A Service's ports written as the spec says read to themselves: the reading is the spec object
 * (no copy, no memo; a Service has a few ports and the check is cheaper than a lookup). Ports with
 * a field of the wrong type, or a null for an absent field, read to a canonical copy.
 */
import { listInPlace } from './list-in-place.js';
import { NotOfType, stringOrNotOfType } from './not-of-type.js';
import { fieldsOf } from './validation-result.js';

export interface ServicePortRead {
  readonly name?: string;
  readonly port?: number;
  /** Absent: TCP. */
  readonly protocol?: string | NotOfType;
  /** Only a number is used (as the EndpointSlice port when a slice names none). */
  readonly targetPort?: number | string;
  readonly appProtocol?: string | NotOfType;
}

export interface ValidatedService {
  readonly ports: readonly ServicePortRead[];
}

const NO_PORTS: ValidatedService = Object.freeze({ ports: Object.freeze([]) });

/**
 * An entry with a field of the wrong type, read. The name as written stays with it, private: the
 * EndpointSlice port that serves a Service port is found by the name as written (`writtenName`),
 * as it was before the reader.
 */
class ServicePortCopy implements ServicePortRead {
  readonly name?: string;
  readonly port?: number;
  readonly protocol?: string | NotOfType;
  readonly targetPort?: number | string;
  readonly appProtocol?: string | NotOfType;
  readonly #writtenName: unknown;

  constructor(fields: Record<string, unknown>) {
    if (typeof fields.name === 'string') this.name = fields.name;
    if (typeof fields.port === 'number') this.port = fields.port;
    const protocol = stringOrNotOfType(fields.protocol);
    if (protocol !== undefined) this.protocol = protocol;
    const target = fields.targetPort;
    if (typeof target === 'number' || typeof target === 'string') this.targetPort = target;
    const appProtocol = stringOrNotOfType(fields.appProtocol);
    if (appProtocol !== undefined) this.appProtocol = appProtocol;
    this.#writtenName = fields.name;
  }

  get writtenName(): unknown {
    return this.#writtenName;
  }
}

function isOptional(value: unknown, type: 'string' | 'number'): boolean {
  return value === undefined || typeof value === type;
}

/** Written as the spec says (no null, every field of its type): the entry reads to itself. */
function isCanonical(fields: Record<string, unknown>): boolean {
  return (
    isOptional(fields.name, 'string') &&
    isOptional(fields.port, 'number') &&
    isOptional(fields.protocol, 'string') &&
    (isOptional(fields.targetPort, 'number') || typeof fields.targetPort === 'string') &&
    isOptional(fields.appProtocol, 'string')
  );
}

function readPort(item: unknown): ServicePortRead | undefined {
  const fields = fieldsOf(item);
  if (!fields) return undefined;
  return isCanonical(fields) ? (fields as ServicePortRead) : new ServicePortCopy(fields);
}

export function readService(service: { spec?: unknown }): ValidatedService {
  const spec = fieldsOf(service.spec);
  const ports = listInPlace(spec?.ports, readPort);
  if (ports === undefined || ports.length === 0) return NO_PORTS;
  return ports === spec!.ports ? (spec as unknown as ValidatedService) : { ports };
}

/** The port's name as written (a name of the wrong type included), absent for null. */
export function writtenName(port: ServicePortRead): unknown {
  return port instanceof ServicePortCopy ? (port.writtenName ?? undefined) : port.name;
}
