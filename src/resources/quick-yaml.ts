/**
 * The quick reading of a manifest: js-yaml, about nine times faster than the `yaml` package on
 * Kubernetes manifests, with kubectl's scalars (`kubectl-yaml.ts`: YAML 1.1 nulls and booleans,
 * go-yaml v2's numbers, timestamps as strings). It reads the plain manifests most files are; for
 * anything else it says nothing and the careful reading (`load-yaml.ts`, on the `yaml` package,
 * which keeps every node's line for messages) reads the file instead:
 *
 * - YAML it cannot read, or reads as an error (a syntax error, a duplicate key): the careful
 *   reading says where and why;
 * - tags, anchors and merge keys (`!`, `&`, `<<` anywhere in the text), an alias (found as a
 *   value reached twice), and keys that are null or collections: their readings are the careful
 *   reading's;
 * - a number JSON cannot hold (`.inf`, `1e999`): kubectl refuses the file, and the careful
 *   reading says where.
 *
 * `test/resources/quick-yaml.test.ts` checks that both readings give the same objects.
 */
import jsYaml from 'js-yaml';
import { goYamlNumber } from './kubectl-yaml.js';

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const TRUE = /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const FALSE = /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
const INFINITY_OR_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

const nullType = new jsYaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (text: string) => NULL.test(text),
  construct: () => null,
});

const boolType = new jsYaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (text: string) => TRUE.test(text) || FALSE.test(text),
  construct: (text: string) => TRUE.test(text),
});

const numberType = new jsYaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (text: string) => INFINITY_OR_NAN.test(text) || goYamlNumber(text) !== undefined,
  // Infinity stands for every non-finite number: the file then goes to the careful reading.
  construct: (text: string) => (INFINITY_OR_NAN.test(text) ? Infinity : goYamlNumber(text)),
});

/** Strings, lists and maps, and kubectl's implicit scalars; no tag of any other kind. */
const KUBECTL_SCHEMA = jsYaml.FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, numberType] });

/**
 * Text the quick reading leaves to the careful one without trying: tags, anchors and merge keys
 * (`!`, `&`, `<<`); an explicit key (`? `); a plain null key (`~:`, `null:`), and a flow
 * collection where a flow mapping's key may be (`{[`, `, {`), whose keys js-yaml would name
 * otherwise than the careful reading (`null` for `""`, `a,b` for `[ a, b ]`).
 */
const NOT_PLAIN =
  /[!&]|<<|^[ \t]*(?:-[ \t]+)*\?(?:[ \t]|$)|(?:^[ \t]*(?:-[ \t]+)*|[{,][ \t]*)(?:~|null|Null|NULL)[ \t]*:(?:[ \t]|$)|[{,][ \t]*[[{]/m;

/** The documents of `text`, or undefined when the careful reading must read it. */
export function quickDocuments(text: string): unknown[] | undefined {
  if (NOT_PLAIN.test(text)) return undefined;
  let documents: unknown[];
  try {
    documents = jsYaml.loadAll(text, undefined, { schema: KUBECTL_SCHEMA });
  } catch {
    return undefined;
  }
  const seen = new Set<object>();
  for (const document of documents) if (!plainJson(document, seen)) return undefined;
  return documents;
}

/** Whether `value` is JSON with finite numbers and no value reached twice (an alias). */
function plainJson(value: unknown, seen: Set<object>): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return true;
  if (seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) if (!plainJson(item, seen)) return false;
    return true;
  }
  for (const key in value) if (!plainJson((value as Record<string, unknown>)[key], seen)) return false;
  return true;
}
