/**
 * A translation summed up as lines a test can hold expectations against: each condition of each
 * object's status (`Gateway default/gw listener http: Conflicted=True/HostnameConflict`,
 * `HTTPRoute default/web parent gw: Accepted=False/UnsupportedValue`, a policy's
 * `SecurityPolicy default/p ancestor Gateway gw: Accepted=True/Accepted`), and the names of the xDS
 * resources per Gateway.
 */
import { parseAllDocuments } from 'yaml';
import { KUBECTL_YAML_OPTIONS } from '../../src/resources/kubectl-yaml.js';
import type { KubeObject } from '../../src/resources/types.js';
import type { TranslationResult } from '../../src/translate/index.js';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message?: string;
}

interface StatusShape {
  conditions?: Condition[];
  listeners?: { name: string; conditions?: Condition[]; attachedRoutes?: number }[];
  parents?: { parentRef: { name: string; sectionName?: string }; conditions?: Condition[] }[];
  ancestors?: { ancestorRef: { kind?: string; name: string }; conditions?: Condition[] }[];
}

const ancestorPrefix = (name: string, a: { ancestorRef: { kind?: string; name: string } }): string =>
  `${name} ancestor ${a.ancestorRef.kind ?? 'Gateway'} ${a.ancestorRef.name}`;

/**
 * The objects of a file as they were before any validation or defaulting: what reaches the
 * translator from a source that does not validate as Portico's file loading does (an API server
 * with older or laxer CRDs, an object stored before its CRD was tightened).
 */
export function unvalidatedObjects(text: string): KubeObject[] {
  return parseAllDocuments(text, KUBECTL_YAML_OPTIONS)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === 'object');
}

export function conditionLines(result: TranslationResult): string[] {
  const lines: string[] = [];
  for (const object of result.resources) {
    const name = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
    const status = (object.status ?? {}) as StatusShape;
    const push = (prefix: string, conditions: Condition[] | undefined): void => {
      for (const c of conditions ?? []) lines.push(`${prefix}: ${c.type}=${c.status}/${c.reason}`);
    };
    push(name, status.conditions);
    for (const listener of status.listeners ?? []) {
      push(`${name} listener ${listener.name}`, listener.conditions);
      lines.push(`${name} listener ${listener.name}: attachedRoutes ${listener.attachedRoutes ?? 0}`);
    }
    for (const parent of status.parents ?? []) {
      const section = parent.parentRef.sectionName ? `/${parent.parentRef.sectionName}` : '';
      push(`${name} parent ${parent.parentRef.name}${section}`, parent.conditions);
    }
    for (const ancestor of status.ancestors ?? []) push(ancestorPrefix(name, ancestor), ancestor.conditions);
  }
  return lines;
}

/** The message of one condition line's condition (for expectations on what it names). */
export function conditionMessage(result: TranslationResult, line: string): string | undefined {
  for (const object of result.resources) {
    const name = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
    const status = (object.status ?? {}) as StatusShape;
    const groups: [string, Condition[] | undefined][] = [
      [name, status.conditions],
      ...(status.listeners ?? []).map((l): [string, Condition[] | undefined] => [
        `${name} listener ${l.name}`,
        l.conditions,
      ]),
      ...(status.parents ?? []).map((p): [string, Condition[] | undefined] => [
        `${name} parent ${p.parentRef.name}${p.parentRef.sectionName ? `/${p.parentRef.sectionName}` : ''}`,
        p.conditions,
      ]),
      ...(status.ancestors ?? []).map((a): [string, Condition[] | undefined] => [
        ancestorPrefix(name, a),
        a.conditions,
      ]),
    ];
    for (const [prefix, conditions] of groups) {
      for (const c of conditions ?? []) if (`${prefix}: ${c.type}=${c.status}/${c.reason}` === line) return c.message;
    }
  }
  return undefined;
}
