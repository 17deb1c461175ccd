/** A listener where Envoy terminates TLS: its certificates, and for HTTPS the client validation it asks for. */
import type { Gateway } from '../../../resources/types.js';
import type { GatewayListener, ListenerTls } from '../../../resources/read/listener.js';
import type { TranslationContext } from '../context.js';
import { resolveCertificateRef } from '../references/certificates.js';
import type { ListenerState } from './listener-state.js';
import { clientValidation } from './frontend-validation.js';

/** The certificates of a listener where Envoy terminates TLS, and the client validation it asks for. */
export function terminateTls(
  ctx: TranslationContext,
  gateway: Gateway,
  listener: GatewayListener,
  tls: ListenerTls,
  state: ListenerState,
  reject: (reason: string, message: string) => void,
): void {
  const refs = tls.certificateRefs;
  if (refs.length === 0) {
    state.refsProblem ??= {
      reason: 'InvalidCertificateRef',
      message: `${listener.protocol} listener has no certificateRefs`,
    };
  }
  for (const ref of refs) {
    const owner = state.set
      ? { kind: 'ListenerSet' as const, namespace: state.set.namespace }
      : { kind: 'Gateway' as const, namespace: gateway.metadata.namespace ?? 'default' };
    const result = resolveCertificateRef(ctx, owner, ref);
    if (result.ok) {
      if (state.certificates.some((c) => c.name === result.secret.name)) continue;
      state.certificates.push(result.secret);
      if (result.note) (state.certificateNotes ??= []).push(result.note);
      (state.certificateValidity ??= []).push(result.validity);
    } else if (!state.refsProblem || state.refsProblem.reason === 'InvalidRouteKinds') {
      state.refsProblem = { reason: result.reason, message: result.message };
    }
  }
  // spec.tls.frontend speaks of listeners "handling HTTPS traffic".
  if (listener.protocol === 'HTTPS') clientValidation(ctx, gateway, listener, state, reject);
}
