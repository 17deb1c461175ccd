/**
 * A policy's `status.ancestors` (GEP-713), the same for every policy kind Portico reports on
 * (BackendTLSPolicy, XBackend, XTelemetryPolicy): other controllers' entries are kept as they are,
 * then Portico's, one per ancestor, each condition keeping its `lastTransitionTime` from Portico's
 * previous entry for that ancestor. "If this slice is full, implementations MUST NOT add further
 * entries": Portico's fill what room the CRD's cap (the kind table's `maxAncestors`) leaves.
 */
import type {
  Condition,
  KubeObject,
  ParentReference,
  PolicyAncestorStatus,
  PolicyStatus,
} from '../../../resources/types.js';
import { CONTROLLER_NAME, GATEWAY_GROUP } from '../../../resources/types.js';
import { KIND_BY_NAME } from '../../../resources/kinds.js';
import { materializeConditions, type ConditionInput } from '../conditions.js';
import type { TranslationContext } from '../context.js';
import { readPolicyAncestorStatuses } from '../../../resources/read/previous-status.js';

/** PolicyStatus.ancestors maxItems, for a kind the table has no cap for. */
const DEFAULT_MAX_ANCESTORS = 16;

/** One ancestor Portico reports on, with the conditions it reports there. */
export interface AncestorEntry {
  ref: ParentReference;
  conditions: ConditionInput[];
}

/** The ancestorRef of a Gateway. */
export function gatewayAncestorRef(gateway: KubeObject): ParentReference {
  return {
    group: GATEWAY_GROUP,
    kind: 'Gateway',
    namespace: gateway.metadata.namespace ?? 'default',
    name: gateway.metadata.name,
  };
}

/**
 * The status for `policy` with `ours` as Portico's entries; undefined when Portico has none and
 * had none (the status is not Portico's to touch).
 */
export function policyAncestorStatus(
  ctx: TranslationContext,
  policy: KubeObject<unknown, { ancestors?: PolicyAncestorStatus[] }>,
  ours: readonly AncestorEntry[],
): PolicyStatus | undefined {
  // Fed back as Portico wrote it, from the same entries at the same generation: writing it again
  // would give an equal status (every condition keeps its time), so it is the status. Saves
  // building and comparing 10,000 statuses a run when a policy is on every route.
  const fedBack = typeof policy.status === 'object' && policy.status !== null ? policy.status : undefined;
  const made = fedBack && ctx.remember('policy-status-made', fedBack, (): { from?: Made } => ({})).from;
  if (made && made.generation === policy.metadata.generation && sameEntries(made.ours, ours))
    return fedBack as PolicyStatus;
  const status = ancestorStatus(ctx, policy, ours);
  // Only a store that outlives the run will see the status fed back.
  if (status && ctx.remember.lasting)
    ctx.remember('policy-status-made', status, (): { from?: Made } => ({})).from = {
      generation: policy.metadata.generation,
      ours,
    };
  return status;
}

/** What Portico's entries of a status it wrote were made from. */
interface Made {
  generation: number | undefined;
  ours: readonly AncestorEntry[];
}

function sameEntries(a: readonly AncestorEntry[], b: readonly AncestorEntry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!sameAncestor(x.ref, y.ref) || x.ref.group !== y.ref.group || x.ref.kind !== y.ref.kind) return false;
    if (x.conditions.length !== y.conditions.length) return false;
    for (let j = 0; j < x.conditions.length; j++) {
      const c = x.conditions[j]!;
      const d = y.conditions[j]!;
      if (c.type !== d.type || c.status !== d.status || c.reason !== d.reason || c.message !== d.message) return false;
    }
  }
  return true;
}

function ancestorStatus(
  ctx: TranslationContext,
  policy: KubeObject<unknown, { ancestors?: PolicyAncestorStatus[] }>,
  ours: readonly AncestorEntry[],
): PolicyStatus | undefined {
  const previous = policy.status === undefined ? [] : readPolicyAncestorStatuses(policy.status);
  const others = previous.filter((a) => a.controllerName !== CONTROLLER_NAME);
  if (ours.length === 0 && !previous.some((a) => a.controllerName === CONTROLLER_NAME)) return undefined;
  const entries: PolicyAncestorStatus[] = ours.map(({ ref, conditions }) => {
    const before = previous.find((a) => a.controllerName === CONTROLLER_NAME && sameAncestor(a.ancestorRef, ref));
    return {
      ancestorRef: ref,
      controllerName: CONTROLLER_NAME,
      conditions: materializeConditions(
        conditions,
        policy.metadata.generation,
        before?.conditions as Condition[] | undefined,
        ctx.now,
      ),
    };
  });
  const max = KIND_BY_NAME.get(policy.kind)?.maxAncestors ?? DEFAULT_MAX_ANCESTORS;
  if (others.length === 0 && entries.length <= max) return { ancestors: entries };
  return { ancestors: [...others, ...entries.slice(0, Math.max(0, max - others.length))] };
}

function sameAncestor(a: ParentReference, b: ParentReference): boolean {
  return (
    (a.group ?? GATEWAY_GROUP) === (b.group ?? GATEWAY_GROUP) &&
    (a.kind ?? 'Gateway') === (b.kind ?? 'Gateway') &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    a.sectionName === b.sectionName
  );
}
