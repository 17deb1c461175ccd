/**
 * What SecurityPolicies do beyond their own status: where a more specific policy overrides a less
 * specific one (said in the overridden policy's status), and the condition
 * `gateway.portico.dev/SecurityPolicyAffected` on every Gateway and ListenerSet a policy applies
 * to (GEP-713: a target says which policies affect it).
 */
import type { Condition, KubeObject } from '../../../resources/types.js';
import { condition, materializeConditions } from '../conditions.js';
import type { GatewayState } from '../gateway-state.js';
import { effectivePolicy, routeChain, type SecurityAttachments } from './security-attachment.js';
import { policyKey } from './security-ir.js';
import { routePolicyLookup } from './route-policy-lookup.js';
import type { Overrides } from './security-status.js';

import { SECURITY_POLICY_AFFECTED } from './route-affected.js';

/** For each route entry, the policies of its less specific targets that the one applying there overrides. */
export function securityOverrides(gateways: Iterable<GatewayState>, attachments: SecurityAttachments): Overrides {
  const out: Overrides = new Map();
  for (const state of gateways) {
    const lookup = routePolicyLookup(attachments, state);
    for (const [index, byHostname] of state.placed) {
      const listener = state.listeners.find((l) => l.index === index);
      if (!listener) continue;
      for (const routes of byHostname.values()) {
        for (const placed of routes.values()) {
          for (const entry of placed.entries) {
            // Only one of its targets can carry a policy: nothing is overridden (most entries).
            if (!lookup.mayOverride(listener, entry.route.source)) continue;
            const chain = routeChain(state, listener, entry.route.source);
            const applied = effectivePolicy(attachments, chain);
            if (!applied) continue;
            for (const key of chain.slice(chain.indexOf(applied.key) + 1)) {
              const overridden = attachments.byTarget.get(key)?.[0];
              if (!overridden || overridden === applied.policy) continue;
              let byGateway = out.get(overridden);
              if (!byGateway) out.set(overridden, (byGateway = new Map()));
              let notes = byGateway.get(state.key);
              if (!notes) byGateway.set(state.key, (notes = new Set()));
              notes.add(`SecurityPolicy ${policyKey(applied.policy)} (${placed.routeKey.replace('/', ' ')})`);
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * A Gateway's or ListenerSet's `status` with the Affected condition for the policies named (a
 * route's is part of its outcome: `route-affected.ts`).
 */
export function withAffectedCondition(
  object: KubeObject,
  status: unknown,
  policies: readonly string[],
  now: string,
): unknown {
  if (typeof status !== 'object' || status === null) return status;
  const input = condition(
    SECURITY_POLICY_AFFECTED,
    true,
    'Affected',
    `SecurityPolicy ${[...policies].sort().join(', ')} ${policies.length > 1 ? 'apply' : 'applies'} to it`,
  );
  const previous = (object.status as { conditions?: Condition[] } | undefined)?.conditions;
  const [affected] = materializeConditions([input], object.metadata.generation, previous, now);
  const s = status as { conditions?: Condition[] };
  return { ...s, conditions: [...(s.conditions ?? []), affected!] };
}
