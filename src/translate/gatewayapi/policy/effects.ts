/**
 * What a Portico policy does beyond its own status: where a more specific policy of its kind
 * overrides it (said in the overridden policy's status), and the condition
 * `gateway.portico.dev/<Kind>Affected` on every Gateway and ListenerSet a policy applies to
 * (GEP-713: a target says which policies affect it).
 */
import type { Condition, KubeObject } from '../../../resources/types.js';
import { condition, materializeConditions } from '../conditions.js';
import type { GatewayState } from '../gateway-state.js';
import type { PolicyAttachments } from './attachment.js';
import { policyKey, type Overrides } from './policy-status.js';
import { routePolicyLookup } from './route-lookup.js';

/** The condition type a target of policies of `kind` carries. */
export const affectedConditionType = (kind: string): string => `gateway.portico.dev/${kind}Affected`;

/** For each route entry, the policies of its less specific targets that the one applying there overrides. */
export function policyOverrides<P extends KubeObject>(
  kind: string,
  gateways: Iterable<GatewayState>,
  attachments: PolicyAttachments<P>,
): Overrides<P> {
  const out: Overrides<P> = new Map();
  for (const state of gateways) {
    const lookup = routePolicyLookup(attachments, state);
    // Only policies on the listeners' chains, one on each at most (a Gateway-wide policy): nothing is overridden.
    if (!lookup.anyOverride(state.listeners)) continue;
    for (const [index, byHostname] of state.placed) {
      const listener = state.listeners.find((l) => l.index === index);
      if (!listener) continue;
      for (const routes of byHostname.values()) {
        for (const placed of routes.values()) {
          for (const entry of placed.entries) {
            // Only one of its targets can carry a policy: nothing is overridden (most entries).
            if (!lookup.mayOverride(listener, entry.route.source)) continue;
            const [applied, ...less] = lookup.carried(listener, entry.route.source);
            if (!applied) continue;
            for (const overridden of less) {
              if (overridden === applied) continue;
              let byGateway = out.get(overridden);
              if (!byGateway) out.set(overridden, (byGateway = new Map()));
              let notes = byGateway.get(state.key);
              if (!notes) byGateway.set(state.key, (notes = new Set()));
              notes.add(`${kind} ${policyKey(applied)} (${placed.routeKey.replace('/', ' ')})`);
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * A Gateway's or ListenerSet's `status` with the Affected condition for the policies of `kind`
 * named (a route's SecurityPolicy one is part of its outcome: `route-affected.ts`).
 */
export function withAffectedCondition(
  kind: string,
  object: KubeObject,
  status: unknown,
  policies: readonly string[],
  now: string,
): unknown {
  if (typeof status !== 'object' || status === null) return status;
  const input = condition(
    affectedConditionType(kind),
    true,
    'Affected',
    `${kind} ${[...policies].sort().join(', ')} ${policies.length > 1 ? 'apply' : 'applies'} to it`,
  );
  const previous = (object.status as { conditions?: Condition[] } | undefined)?.conditions;
  const [affected] = materializeConditions([input], object.metadata.generation, previous, now);
  const s = status as { conditions?: Condition[] };
  return { ...s, conditions: [...(s.conditions ?? []), affected!] };
}
