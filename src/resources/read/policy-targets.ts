/**
 * What a Portico policy (SecurityPolicy, BackendTrafficPolicy, ClientTrafficPolicy) targets: its
 * `targetRefs` and `targetSelectors` (Envoy Gateway's fields; both local to the policy's
 * namespace). Each kind of policy names the kinds it attaches to.
 *
 * Targets are read one by one: a targetRef of a kind the policy cannot attach to is reported on
 * that target alone (`unsupportedTargets`), never on the policy as a whole.
 */
import type { LabelSelector } from '../gateway-api.js';
import { GATEWAY_GROUP } from '../types.js';
import { readLabelSelector } from './label-selector.js';
import { fieldsOf, itemsOf } from './validation-result.js';

/** Every kind a Portico policy may attach to (each policy kind allows some of them). */
export type PolicyTargetKind = 'Gateway' | 'ListenerSet' | 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute' | 'UDPRoute';

/** A targetRef (in the policy's namespace: targetRefs are local). */
export interface PolicyTargetRef<K extends PolicyTargetKind = PolicyTargetKind> {
  kind: K;
  name: string;
  /** A listener of a Gateway or ListenerSet, a rule name of a route. */
  sectionName?: string;
}

/** Objects of `kind` in the policy's namespace whose labels `selector` matches (undefined: malformed, none). */
export interface PolicyTargetSelector<K extends PolicyTargetKind = PolicyTargetKind> {
  kind: K;
  selector: LabelSelector | undefined;
}

/** A targetRef the policy cannot attach to: said on that target (Accepted=False, Invalid). */
export interface UnsupportedTarget {
  group: string;
  kind: string;
  name: string;
  message: string;
}

export interface PolicyTargets<K extends PolicyTargetKind = PolicyTargetKind> {
  targetRefs: PolicyTargetRef<K>[];
  targetSelectors: PolicyTargetSelector<K>[];
  unsupportedTargets: UnsupportedTarget[];
}

/** The fields of a policy's spec that say what it targets (every other field is a feature). */
export const TARGET_FIELDS: ReadonlySet<string> = new Set(['targetRefs', 'targetSelectors']);

/** "a Gateway, ListenerSet, HTTPRoute or GRPCRoute". */
function kindList(kinds: readonly string[]): string {
  const named = kinds.map((k, i) => (i === 0 ? `a ${k}` : k));
  return named.length > 1 ? `${named.slice(0, -1).join(', ')} or ${named.at(-1)!}` : named.join('');
}

/** Reads `spec.targetRefs` and `spec.targetSelectors` of a policy of `policyKind` that attaches to `kinds`. */
export function readPolicyTargets<K extends PolicyTargetKind>(
  fields: Record<string, unknown>,
  kinds: readonly K[],
  policyKind: string,
): PolicyTargets<K> {
  const isKind = (kind: unknown): kind is K => kinds.some((k) => k === kind);
  const unsupportedTargets: UnsupportedTarget[] = [];
  const targetRefs: PolicyTargetRef<K>[] = [];
  for (const item of itemsOf(fields.targetRefs)) {
    const ref = fieldsOf(item);
    if (!ref || typeof ref.name !== 'string' || ref.name === '') continue;
    const group = typeof ref.group === 'string' ? ref.group : '';
    const kind = typeof ref.kind === 'string' ? ref.kind : '';
    if (group !== GATEWAY_GROUP || !isKind(kind)) {
      unsupportedTargets.push({
        group,
        kind,
        name: ref.name,
        message: `targetRef ${group ? `${group}/` : ''}${kind} ${ref.name}: a ${policyKind} attaches to ${kindList(kinds)} (${GATEWAY_GROUP})`,
      });
      continue;
    }
    const sectionName = typeof ref.sectionName === 'string' && ref.sectionName !== '' ? ref.sectionName : undefined;
    if (targetRefs.some((r) => r.kind === kind && r.name === ref.name && r.sectionName === sectionName)) continue;
    targetRefs.push({ kind, name: ref.name, ...(sectionName !== undefined ? { sectionName } : {}) });
  }
  const targetSelectors: PolicyTargetSelector<K>[] = [];
  for (const item of itemsOf(fields.targetSelectors)) {
    const s = fieldsOf(item);
    if (!s || !isKind(s.kind) || (s.group !== undefined && s.group !== GATEWAY_GROUP)) continue;
    // Only labels: a selector naming other namespaces (Envoy Gateway's `namespaces`) selects nothing.
    const selector = s.namespaces === undefined ? readLabelSelector(s) : undefined;
    targetSelectors.push({ kind: s.kind, selector });
  }
  return { targetRefs, targetSelectors, unsupportedTargets };
}
