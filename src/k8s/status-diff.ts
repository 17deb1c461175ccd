/**
 * What the status writer would write, decided purely from the live object (as the API server last
 * reported it) and the status Portico computed.
 *
 * Ownership — Portico writes only what is its own:
 *   - GatewayClass: when `spec.controllerName` is Portico's.
 *   - Gateway: when its GatewayClass is Portico's; the fields Portico computes replace the live
 *     ones, any other field (e.g. `addresses` written by someone else) is kept.
 *   - Routes: only the `status.parents` entries whose `controllerName` is Portico's; every other
 *     controller's entry is kept as it is live. (`status.parents` is an atomic list in the CRD, so
 *     the whole list is written — merged here from the live one, never from a stale copy.)
 *
 * Comparison ignores `lastTransitionTime`, and a condition whose type, status and reason match the
 * live one keeps the live `lastTransitionTime` (the translator's rule), so a status is written only
 * when something a reader cares about changed.
 */
import {
  GATEWAY_CLASS_CONDITIONS,
  GATEWAY_CONDITIONS,
  POLICY_AFFECTED_CONDITIONS,
  LISTENER_CONDITIONS,
  withForeignConditions,
} from '../translate/gatewayapi/conditions.js';
import type { Condition, KubeObject, ParentReference } from '../resources/types.js';
import { CONTROLLER_NAME, GATEWAY_GROUP } from '../resources/types.js';
import { KIND_BY_NAME, STATUS_KINDS } from '../resources/kinds.js';
import { isPlainObject } from '../shared/plain-object.js';

/** The condition types Portico writes on a ListenerSet. */
const LISTENER_SET_CONDITIONS: ReadonlySet<string> = new Set(['Accepted', 'Programmed', ...POLICY_AFFECTED_CONDITIONS]);

/** Where a kind keeps its per-controller entries: routes' `parents`, policies' `ancestors`. */
function entryFields(kind: string): { list: 'parents' | 'ancestors'; ref: 'parentRef' | 'ancestorRef' } | undefined {
  switch (KIND_BY_NAME.get(kind)?.status) {
    case 'parents':
      return { list: 'parents', ref: 'parentRef' };
    case 'ancestors':
      return { list: 'ancestors', ref: 'ancestorRef' };
    default:
      return undefined;
  }
}

/** Kinds the writer writes status for. */
export function hasWritableStatus(kind: string): boolean {
  return STATUS_KINDS.has(kind);
}

export type StatusPlan =
  { write: false; why: 'not-ours' | 'unchanged' | 'not-writable' } | { write: true; status: Record<string, unknown> };

/**
 * @param live the object as last reported by the API server
 * @param computed the status Portico computed for it
 * @param classOf the live GatewayClass of a Gateway (ownership)
 */
export function planStatus(
  live: KubeObject,
  computed: unknown,
  classOf: (name: string) => KubeObject | undefined,
): StatusPlan {
  if (!hasWritableStatus(live.kind)) return { write: false, why: 'not-writable' };
  if (!isPlainObject(computed)) return { write: false, why: 'not-ours' };
  const liveStatus = isPlainObject(live.status) ? live.status : {};

  let desired: Record<string, unknown>;
  const fields = entryFields(live.kind);
  if (fields) {
    // Routes' parents and policies' ancestors: only Portico's entries are Portico's to write.
    const liveEntries = entriesOf(liveStatus, fields);
    const ours = entriesOf(computed, fields).filter((p) => p.controllerName === CONTROLLER_NAME);
    const ns = live.metadata.namespace;
    if (ours.length === 0 && !liveEntries.some((p) => p.controllerName === CONTROLLER_NAME)) {
      return { write: false, why: 'not-ours' };
    }
    const kept = liveEntries.filter((p) => p.controllerName !== CONTROLLER_NAME);
    const merged = ours.map((p) => {
      const before = liveEntries.find(
        (l) => l.controllerName === CONTROLLER_NAME && parentKey(l.ref, ns) === parentKey(p.ref, ns),
      );
      return { ...p.entry, conditions: keepTransitionTimes(p.entry.conditions as Condition[], before?.conditions) };
    });
    // Policy ancestors are capped by the CRD; other controllers' entries keep their places.
    const room =
      fields.list === 'ancestors'
        ? Math.max(0, (KIND_BY_NAME.get(live.kind)?.maxAncestors ?? 16) - kept.length)
        : merged.length;
    desired = { ...liveStatus, [fields.list]: [...kept.map((k) => k.entry), ...merged.slice(0, room)] };
  } else {
    if (!isOurs(live, classOf)) return { write: false, why: 'not-ours' };
    desired = { ...liveStatus, ...computed };
    // Conditions of types Portico does not write stay as they are live (another controller may have
    // added one since the translation read the object).
    const managed =
      live.kind === 'GatewayClass'
        ? GATEWAY_CLASS_CONDITIONS
        : live.kind === 'ListenerSet'
          ? LISTENER_SET_CONDITIONS
          : GATEWAY_CONDITIONS;
    if (Array.isArray(computed.conditions)) {
      desired.conditions = oursOverLive(computed.conditions as Condition[], conditionsOf(liveStatus), managed);
    }
    if ((live.kind === 'Gateway' || live.kind === 'ListenerSet') && Array.isArray(computed.listeners)) {
      const liveListeners = Array.isArray(liveStatus.listeners) ? (liveStatus.listeners as unknown[]) : [];
      desired.listeners = (computed.listeners as unknown[]).map((listener) => {
        if (!isPlainObject(listener) || !Array.isArray(listener.conditions)) return listener;
        const before = liveListeners.find((l) => isPlainObject(l) && l.name === listener.name) as
          Record<string, unknown> | undefined;
        return {
          ...listener,
          conditions: oursOverLive(listener.conditions as Condition[], conditionsOf(before), LISTENER_CONDITIONS),
        };
      });
    }
  }
  return statusEquals(live.kind, live.metadata.namespace, desired, liveStatus)
    ? { write: false, why: 'unchanged' }
    : { write: true, status: desired };
}

export function isOurs(live: KubeObject, classOf: (name: string) => KubeObject | undefined): boolean {
  if (live.kind === 'GatewayClass') return controllerOf(live) === CONTROLLER_NAME;
  // The translator computes a ListenerSet's status only when its parent Gateway is Portico's.
  if (live.kind === 'ListenerSet') return true;
  if (live.kind === 'Gateway') {
    const className = (live.spec as { gatewayClassName?: unknown } | undefined)?.gatewayClassName;
    const gatewayClass = typeof className === 'string' ? classOf(className) : undefined;
    return gatewayClass !== undefined && controllerOf(gatewayClass) === CONTROLLER_NAME;
  }
  return false;
}

function controllerOf(gatewayClass: KubeObject): unknown {
  return (gatewayClass.spec as { controllerName?: unknown } | undefined)?.controllerName;
}

/** Equal for a reader: ignoring `lastTransitionTime`, route parent order and API-server defaults. */
export function statusEquals(kind: string, namespace: string | undefined, a: unknown, b: unknown): boolean {
  return canonicalStatus(kind, namespace, a) === canonicalStatus(kind, namespace, b);
}

export function canonicalStatus(kind: string, namespace: string | undefined, status: unknown): string {
  let value = withoutTransitionTimes(status);
  const fields = entryFields(kind);
  if (isPlainObject(value) && fields && Array.isArray(value[fields.list])) {
    const entries = (value[fields.list] as unknown[]).map((p) =>
      isPlainObject(p) && isPlainObject(p[fields.ref])
        ? { ...p, [fields.ref]: defaultedParentRef(p[fields.ref] as unknown as ParentReference) }
        : p,
    );
    entries.sort((x, y) => compare(parentSortKey(x, fields.ref, namespace), parentSortKey(y, fields.ref, namespace)));
    value = { ...value, [fields.list]: entries };
  }
  if (isPlainObject(value) && kind === 'Gateway') value = withGatewayDefaults(value);
  return stableStringify(value);
}

/** Keeps `lastTransitionTime` of each condition whose type, status and reason did not change. */
export function keepTransitionTimes(next: Condition[], previous: Condition[] | undefined): Condition[] {
  if (!previous || previous.length === 0) return next;
  return next.map((c) => {
    const before = previous.find((p) => isPlainObject(p) && p.type === c.type);
    const unchanged = before && before.status === c.status && before.reason === c.reason && before.lastTransitionTime;
    return unchanged ? { ...c, lastTransitionTime: before.lastTransitionTime } : c;
  });
}

interface StatusEntry {
  entry: Record<string, unknown>;
  ref: ParentReference;
  controllerName: unknown;
  conditions: Condition[] | undefined;
}

/** The well-formed entries of a status list (`parents` or `ancestors`). */
function entriesOf(status: Record<string, unknown>, fields: { list: string; ref: string }): StatusEntry[] {
  const list = status[fields.list];
  if (!Array.isArray(list)) return [];
  return list
    .filter((p) => isPlainObject(p) && isPlainObject(p[fields.ref]))
    .map((p: Record<string, unknown>) => ({
      entry: p,
      ref: p[fields.ref] as ParentReference,
      controllerName: p.controllerName,
      conditions: Array.isArray(p.conditions) ? (p.conditions as Condition[]) : undefined,
    }));
}

/** Computed conditions of the managed types, keeping live times, laid over the live conditions. */
function oursOverLive(computed: Condition[], live: Condition[] | undefined, managed: ReadonlySet<string>): Condition[] {
  const ours = computed.filter((c) => isPlainObject(c) && managed.has(c.type));
  return withForeignConditions(keepTransitionTimes(ours, live), live, managed);
}

function conditionsOf(status: Record<string, unknown> | undefined): Condition[] | undefined {
  const conditions = status?.conditions;
  return Array.isArray(conditions) ? (conditions.filter(isPlainObject) as unknown as Condition[]) : undefined;
}

/** The API server fills `group` and `kind` of a status parentRef with these defaults. */
function defaultedParentRef(ref: ParentReference): ParentReference {
  return { ...ref, group: ref.group ?? GATEWAY_GROUP, kind: ref.kind ?? 'Gateway' };
}

export function parentKey(ref: ParentReference, routeNamespace: string | undefined): string {
  const r = defaultedParentRef(ref);
  return JSON.stringify([
    r.group,
    r.kind,
    r.namespace ?? routeNamespace ?? '',
    r.name,
    r.sectionName ?? '',
    r.port ?? '',
  ]);
}

function parentSortKey(parent: unknown, refField: string, namespace: string | undefined): string {
  if (!isPlainObject(parent) || !isPlainObject(parent[refField])) return '';
  return `${String(parent.controllerName)}\u0000${parentKey(parent[refField] as unknown as ParentReference, namespace)}`;
}

/** Defaults the Gateway CRD applies inside status (listener `supportedKinds[].group`, address `type`). */
function withGatewayDefaults(status: Record<string, unknown>): Record<string, unknown> {
  const out = { ...status };
  if (Array.isArray(out.listeners)) {
    out.listeners = out.listeners.map((l: unknown) =>
      isPlainObject(l) && Array.isArray(l.supportedKinds)
        ? {
            ...l,
            supportedKinds: l.supportedKinds.map((k: unknown) =>
              isPlainObject(k) ? { group: GATEWAY_GROUP, ...k } : k,
            ),
          }
        : l,
    );
  }
  if (Array.isArray(out.addresses)) {
    out.addresses = out.addresses.map((a: unknown) => (isPlainObject(a) ? { type: 'IPAddress', ...a } : a));
  }
  return out;
}

function withoutTransitionTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTransitionTimes);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (key !== 'lastTransitionTime') out[key] = withoutTransitionTimes(v);
  return out;
}

/** JSON with object keys sorted (arrays keep their order). */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v === undefined ? null : v)).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort(compare);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
