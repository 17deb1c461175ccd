/**
 * Where a more specific ClientTrafficPolicy overrides a less specific one, per Gateway listener
 * (said in the overridden policy's status): on a listener, the policy of one of its less specific
 * targets is overridden when another policy's settings are what its connections get. On an HTTP
 * port shared by several Gateway listeners that is the policy of the port's first listener
 * (`client-traffic-apply.ts`).
 */
import type { ClientTrafficPolicy } from '../../../resources/types.js';
import type { GatewayState } from '../gateway-state.js';
import { isProgrammed, type ServedListener } from '../listeners/listener-state.js';
import { effectivePolicy, listenerChain, type PolicyAttachments } from '../policy/attachment.js';
import { policyKey, type Overrides } from '../policy/policy-status.js';

/** The Gateway listener whose policy a listener's connections get: itself, or its HTTP port's first. */
function applyingListener(programmed: readonly ServedListener[], l: ServedListener): ServedListener {
  if (l.protocol !== 'HTTP') return l;
  return programmed.filter((o) => o.protocol === 'HTTP' && o.port === l.port).sort((a, b) => a.index - b.index)[0]!;
}

export function clientTrafficOverrides(
  gateways: Iterable<GatewayState>,
  attachments: PolicyAttachments<ClientTrafficPolicy>,
): Overrides<ClientTrafficPolicy> {
  const out: Overrides<ClientTrafficPolicy> = new Map();
  for (const state of gateways) {
    const programmed = state.listeners.filter(isProgrammed);
    for (const l of programmed) {
      const applied = effectivePolicy(attachments, listenerChain(state, applyingListener(programmed, l)))?.policy;
      const chain = listenerChain(state, l);
      const own = effectivePolicy(attachments, chain);
      if (!own) continue;
      for (const key of chain.slice(chain.indexOf(own.key) + 1)) {
        const overridden = attachments.byTarget.get(key)?.[0];
        if (!overridden || overridden === applied) continue;
        let byGateway = out.get(overridden);
        if (!byGateway) out.set(overridden, (byGateway = new Map()));
        let notes = byGateway.get(state.key);
        if (!notes) byGateway.set(state.key, (notes = new Set()));
        notes.add(`${applied ? `ClientTrafficPolicy ${policyKey(applied)}` : "Portico's defaults"} (listener ${l.id})`);
      }
    }
  }
  return out;
}
