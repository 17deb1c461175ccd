/**
 * Step: accept Portico's GatewayClasses, and evaluate the Gateways of those classes (their
 * addresses, parameters and listeners), with the ListenerSets that attach to them.
 */
import { readGateway } from '../../../resources/read/gateway.js';
import { isOurClass, translateGatewayClass } from '../gateway-classes.js';
import { classParameters, gatewayInfrastructure, type ClassParameters } from '../parameters-ref.js';
import { evaluateListeners } from '../listeners/evaluate.js';
import { attachListenerSets } from '../listeners/listener-sets.js';
import { backendClientCertificate } from '../backend-client-certificate.js';
import { rejectPortsOfOlderGateways } from '../listeners/shared-address.js';
import { gatewayKey } from '../names.js';
import type { TranslationRun } from './run.js';

export function acceptGateways(run: TranslationRun): void {
  const { ctx, statuses: out } = run;
  const assignsAddresses = run.options.assignsAddresses === true;
  const classes = new Map<string, ClassParameters>();
  for (const gc of ctx.resources.gatewayClasses) {
    if (!isOurClass(gc)) continue;
    const parameters = classParameters(ctx.resources, gc);
    out.set(gc, translateGatewayClass(gc, ctx.now, parameters).status);
    classes.set(gc.metadata.name, parameters);
  }
  const states = run.gateways;
  for (const gw of ctx.resources.gateways) {
    const read = readGateway(gw);
    const fromClass = classes.get(read.gatewayClassName);
    if (fromClass === undefined) continue;
    const key = gatewayKey(gw.metadata.namespace ?? 'default', gw.metadata.name);
    const duplicates = read.duplicateListenerNames;
    const addresses = requestedAddresses(read.addressTypes);
    // A class refused only for its parameters still manages its Gateways: they are held like a
    // Gateway whose own parameters are invalid (below), not torn down.
    const infrastructure = gatewayInfrastructure(ctx.resources, gw, fromClass);
    let rejection: string | undefined;
    let rejectionReason: string | undefined;
    if (duplicates.length > 0) {
      rejection = `listener names ${duplicates.join(', ')} are used more than once; listener names must be unique`;
    } else if (addresses.unsupported.length > 0) {
      rejection = `spec.addresses of type ${addresses.unsupported.join(', ')} are not supported; Portico supports IPAddress and Hostname`;
      rejectionReason = 'UnsupportedAddress';
    }
    const clientCertificate = rejection === undefined ? backendClientCertificate(ctx, gw) : undefined;
    states.set(key, {
      key,
      gateway: gw,
      ...(clientCertificate ? { backendClientCertificate: clientCertificate } : {}),
      accepted: rejection === undefined,
      ...(rejection !== undefined ? { rejection } : {}),
      ...(rejectionReason !== undefined ? { rejectionReason } : {}),
      ...(infrastructure !== undefined ? { infrastructure } : {}),
      ...(rejection === undefined && addresses.requested > 0 && !assignsAddresses
        ? {
            addressProblem:
              'Portico does not assign the addresses requested in spec.addresses: the Gateway is reachable at its Service’s address (status.addresses); remove spec.addresses',
          }
        : {}),
      listeners: rejection === undefined ? evaluateListeners(ctx, gw) : [],
      listenerSets: [],
      reportsListenerSets: false,
      placed: new Map(),
      attachedRouteKeys: new Map(),
      attachedRoutes: new Set(),
    });
  }
  if (ctx.resources.listenerSets.length > 0) attachListenerSets(ctx, states);
  if (ctx.sharedAddress) rejectPortsOfOlderGateways(states);
}

/** Address types Portico knows (GatewaySpecAddress.type, `IPAddress` when unset). */
const ADDRESS_TYPES = new Set(['IPAddress', 'Hostname']);

/** How many addresses `spec.addresses` requests, and the types among them Portico does not support. */
function requestedAddresses(types: readonly string[]): { requested: number; unsupported: string[] } {
  const unsupported = types.filter((type) => !ADDRESS_TYPES.has(type));
  return { requested: types.length, unsupported: [...new Set(unsupported)] };
}
