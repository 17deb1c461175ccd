/**
 * ListenerSets (GEP-1713): listeners added to a Gateway from another object, possibly from another
 * namespace. A Gateway takes them only when its `allowedListeners` admits the ListenerSet's
 * namespace (none by default). The merged list is the Gateway's own listeners, then each attached
 * ListenerSet's, oldest first (then by `<namespace>/<name>`); a ListenerSet listener that collides
 * with an earlier one is Conflicted and not served. Routes reach a ListenerSet's listeners only
 * through a parentRef to the ListenerSet.
 */
import type { Condition, GatewayStatus, ListenerSet, ListenerSetStatus } from '../../../resources/types.js';
import { readListenerSet } from '../../../resources/read/listener-set.js';
import { readGateway } from '../../../resources/read/gateway.js';
import { matchesSelector } from '../routes/allowed-routes.js';
import { condition, materializeConditions, POLICY_AFFECTED_CONDITIONS, withForeignConditions } from '../conditions.js';
import { namespaceLabels, type TranslationContext } from '../context.js';
import type { GatewayState, ListenerSetState } from '../gateway-state.js';
import { evaluateListenerSetListeners } from './evaluate.js';
import { isProgrammed } from './listener-state.js';
import { markOverlappingTlsListeners } from './conflicts.js';
import { listenerStatuses } from '../status/listener-status.js';
import { olderFirst } from '../routes/precedence.js';

function setKey(set: ListenerSet): string {
  return `${set.metadata.namespace ?? 'default'}/${set.metadata.name}`;
}

/** The `<namespace>/<name>` of the Gateway a ListenerSet names, or undefined if it names no Gateway. */
function parentKey(set: ListenerSet): string | undefined {
  const parent = readListenerSet(set).parent;
  if (!parent.valid) return undefined;
  return `${parent.result.namespace ?? set.metadata.namespace ?? 'default'}/${parent.result.name}`;
}

function allowedFrom(ctx: TranslationContext, state: GatewayState, set: ListenerSet): boolean {
  const { from, selector } = readGateway(state.gateway).allowedListeners;
  const setNamespace = set.metadata.namespace ?? 'default';
  switch (from) {
    case 'All':
      return true;
    case 'Same':
      return setNamespace === (state.gateway.metadata.namespace ?? 'default');
    case 'Selector':
      return matchesSelector(selector, namespaceLabels(ctx, setNamespace));
    default:
      return false;
  }
}

/** Attaches the ListenerSets that name each Gateway, extending the Gateways' merged listener lists. */
export function attachListenerSets(ctx: TranslationContext, states: ReadonlyMap<string, GatewayState>): void {
  const byParent = new Map<string, ListenerSet[]>();
  for (const set of ctx.resources.listenerSets) {
    const key = parentKey(set);
    if (key === undefined || !states.has(key)) continue;
    const sets = byParent.get(key);
    if (sets) sets.push(set);
    else byParent.set(key, [set]);
  }
  for (const state of states.values()) {
    const from = readGateway(state.gateway).allowedListeners.from;
    state.reportsListenerSets = byParent.has(state.key) || (from !== undefined && from !== 'None');
    for (const set of (byParent.get(state.key) ?? []).sort(olderFirst)) {
      state.listenerSets.push(attach(ctx, state, set));
    }
    if (state.listenerSets.some((s) => s.attached)) markOverlappingTlsListeners(state.listeners);
  }
}

function attach(ctx: TranslationContext, state: GatewayState, set: ListenerSet): ListenerSetState {
  const key = setKey(set);
  const base = { object: set, key, attached: false, listeners: [] };
  // The parent's Accepted condition: rejected outright, or none of its own listeners valid.
  if (!state.accepted || !state.listeners.some((l) => !l.set && l.accepted)) {
    return {
      ...base,
      problem: {
        reason: 'ParentNotAccepted',
        message: `Gateway ${state.key} is not accepted: ${state.rejection ?? 'none of its own listeners is valid'}`,
      },
    };
  }
  if (!allowedFrom(ctx, state, set)) {
    return {
      ...base,
      problem: {
        reason: 'NotAllowed',
        message: `Gateway ${state.key} does not allow ListenerSets from namespace ${set.metadata.namespace ?? 'default'} (spec.allowedListeners)`,
      },
    };
  }
  const { listeners: specs, duplicateName: duplicate } = readListenerSet(set);
  if (specs.length === 0 || duplicate !== undefined) {
    return {
      ...base,
      problem: {
        reason: 'Invalid',
        message:
          specs.length === 0
            ? 'spec.listeners is empty'
            : `listener name ${duplicate} is used more than once; listener names must be unique`,
      },
    };
  }
  const origin = { key, namespace: set.metadata.namespace ?? 'default', name: set.metadata.name };
  const listeners = evaluateListenerSetListeners(
    ctx,
    state.gateway,
    origin,
    specs,
    state.listeners.length,
    state.listeners,
  );
  state.listeners.push(...listeners);
  const invalid = listeners.filter((l) => !l.accepted);
  const attached = invalid.length < listeners.length;
  return {
    ...base,
    attached,
    listeners,
    ...(invalid.length > 0
      ? {
          problem: {
            reason: 'ListenersNotValid' as const,
            message: `invalid listeners: ${invalid.map((l) => `${l.name} (${l.acceptedReason})`).join(', ')}`,
          },
        }
      : {}),
  };
}

/** `status.attachedListenerSets` for the Gateway's status, when it is worth writing. */
export function withAttachedListenerSets(status: GatewayStatus, state: GatewayState): GatewayStatus {
  if (!state.reportsListenerSets) return status;
  return { ...status, attachedListenerSets: state.listenerSets.filter((s) => s.attached).length };
}

/** The status Portico writes on a ListenerSet attached (or refused) by one of its Gateways. */
export function listenerSetStatus(
  ctx: TranslationContext,
  state: GatewayState,
  set: ListenerSetState,
): ListenerSetStatus {
  const object = set.object;
  const generation = object.metadata.generation;
  const previous = object.status;
  const programmed = set.listeners.some(isProgrammed);
  const accepted = set.attached
    ? condition(
        'Accepted',
        true,
        set.problem ? 'ListenersNotValid' : 'Accepted',
        set.problem
          ? `${set.problem.message}; the others are attached to Gateway ${state.key}`
          : `ListenerSet is attached to Gateway ${state.key}`,
      )
    : condition(
        'Accepted',
        false,
        set.problem?.reason ?? 'Invalid',
        set.problem?.message ?? 'ListenerSet is not attached',
      );
  const programmedCondition = programmed
    ? condition('Programmed', true, 'Programmed', 'ListenerSet listeners are programmed')
    : condition(
        'Programmed',
        false,
        set.attached ? 'ListenersNotValid' : (set.problem?.reason ?? 'Invalid'),
        set.attached ? 'no listener of the ListenerSet can be programmed' : (set.problem?.message ?? 'not attached'),
      );
  const prevConditions = previous?.conditions as Condition[] | undefined;
  const status: ListenerSetStatus = {
    conditions: withForeignConditions(
      materializeConditions([accepted, programmedCondition], generation, prevConditions, ctx.now),
      prevConditions,
      new Set(['Accepted', 'Programmed', ...POLICY_AFFECTED_CONDITIONS]),
    ),
  };
  // A ListenerSet that is not attached lists no listeners (a merge patch must clear old entries).
  status.listeners = listenerStatuses(
    set.listeners,
    previous?.listeners,
    generation,
    ctx.now,
    (l) => state.attachedRouteKeys.get(l.index)?.size ?? 0,
  );
  return status;
}
