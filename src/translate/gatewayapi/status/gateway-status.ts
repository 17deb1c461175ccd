/** A Gateway's status: its conditions, its listeners' statuses and its attached ListenerSets. */
import type { Gateway, GatewayStatus } from '../../../resources/types.js';
import type { TranslationContext } from '../context.js';
import {
  GATEWAY_CONDITIONS,
  condition,
  materializeConditions,
  withForeignConditions,
  type ConditionInput,
} from '../conditions.js';
import { isProgrammed } from '../listeners/listener-state.js';
import { listenerStatuses } from './listener-status.js';
import { withAttachedListenerSets } from '../listeners/listener-sets.js';
import type { GatewayState } from '../gateway-state.js';

export function gatewayStatus(ctx: TranslationContext, state: GatewayState): GatewayStatus {
  const gw: Gateway = state.gateway;
  const gen = gw.metadata.generation;
  const conditions: ConditionInput[] = [];
  if (!state.accepted) {
    conditions.push(
      condition('Accepted', false, state.rejectionReason ?? 'Invalid', state.rejection ?? 'Gateway is not accepted'),
    );
    conditions.push(condition('Programmed', false, 'Invalid', 'Gateway is not accepted'));
  } else if (state.infrastructure && 'invalid' in state.infrastructure) {
    // Spec (GatewayInfrastructure.parametersRef): Accepted=False/InvalidParameters. What runs is
    // held: its routes are still served to the Envoys provisioned before, which are not changed.
    conditions.push(condition('Accepted', false, 'InvalidParameters', state.infrastructure.invalid));
    conditions.push(
      condition(
        'Programmed',
        false,
        'Invalid',
        'the Gateway’s parameters cannot be used: no Envoy is provisioned or changed for it until they are fixed; Envoys provisioned before keep serving its routes',
      ),
    );
  } else {
    // The Gateway's own listeners; a ListenerSet's speak in its own status.
    const own = state.listeners.filter((l) => !l.set);
    const invalid = own.filter((l) => !l.accepted);
    const valid = own.filter((l) => l.accepted);
    if (invalid.length === 0) {
      conditions.push(condition('Accepted', true, 'Accepted', 'Gateway is accepted'));
    } else {
      const msg = `invalid listeners: ${invalid.map((l) => `${l.name} (${l.acceptedReason})`).join(', ')}; accepted listeners: ${valid.map((l) => l.name).join(', ') || 'none'}`;
      conditions.push(condition('Accepted', valid.length > 0, 'ListenersNotValid', msg));
    }
    // The Gateway's own configuration: its ListenerSets' listeners speak in their own status.
    const programmed = state.listeners.some((l) => !l.set && isProgrammed(l));
    conditions.push(
      state.addressProblem
        ? condition('Programmed', false, 'AddressNotAssigned', state.addressProblem)
        : programmed
          ? condition('Programmed', true, 'Programmed', 'Gateway configuration is translated')
          : condition('Programmed', false, 'Invalid', 'Gateway has no listener that can be programmed'),
    );
  }
  // The Gateway's own references (GatewayConditionResolvedRefs): its backend client certificate.
  // Written only when it has one, so Gateways without it keep the conditions they had.
  const clientCertificate = state.backendClientCertificate;
  if (clientCertificate) {
    conditions.push(
      'problem' in clientCertificate
        ? condition('ResolvedRefs', false, clientCertificate.problem.reason, clientCertificate.problem.message)
        : condition('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved'),
    );
  }
  // GEP-91: a Gateway whose client validation lets unverified clients through says so.
  if (state.listeners.some((l) => l.insecureFrontendValidation)) {
    conditions.push(
      condition(
        'InsecureFrontendValidationMode',
        true,
        'ConfigurationChanged',
        'spec.tls.frontend uses mode AllowInsecureFallback: clients without a valid certificate are let through',
      ),
    );
  }
  const status: GatewayStatus = {
    conditions: withForeignConditions(
      materializeConditions(conditions, gen, gw.status?.conditions, ctx.now),
      gw.status?.conditions,
      GATEWAY_CONDITIONS,
    ),
    listeners: listenerStatuses(
      state.listeners.filter((l) => !l.set),
      gw.status?.listeners,
      gen,
      ctx.now,
      (l) => state.attachedRouteKeys.get(l.index)?.size ?? 0,
    ),
  };
  if (gw.status?.addresses) status.addresses = gw.status.addresses;
  return withAttachedListenerSets(status, state);
}
