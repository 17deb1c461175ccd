/**
 * The quick reading of a manifest: js-yaml, about nine times faster than the `yaml` package on
 * Kubernetes manifests, with kubectl's scalars (`kubectl-yaml.ts`: YAML 1.1 nulls and booleans,
 * go-yaml v2's numbers, timestamps as strings). It reads the plain manifests most files are
 * (generated ones: `kubectl get -o yaml`, Helm, `yaml.stringify`); for anything else it says
 * nothing and the careful reading (`load-yaml.ts`, on the `yaml` package, which keeps every node's
 * line for messages) reads the file instead:
 *
 * - a line outside the plain block style (`LINE` below): the two parsers differ at those edges,
 *   in what they accept and in what they make of it;
 * - YAML js-yaml cannot read (a duplicate key, bad indentation): the careful reading says where
 *   and why;
 * - an alias (a value reached twice) or a number JSON cannot hold (`.inf`, `1e999`): kubectl
 *   refuses the file, and the careful reading says where.
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
 * The lines the quick reading takes: a comment, a document start (`---` alone), or block
 * mapping keys and sequence items, each with one value on its line: a plain scalar (no `#`, no
 * `: `, not starting with an indicator), a double-quoted one without escapes, a single-quoted one,
 * or an empty `[]` or `{}`. Keys are plain (starting with a letter or `_`, not a null) or quoted
 * on one line. Anything else (block and multi-line scalars, flow collections, explicit keys, tags,
 * anchors, aliases, directives, tabs, a lone CR) is the careful reading's: js-yaml and the `yaml`
 * package differ at those edges, in what they accept and in what they make of it.
 */
const PLAIN = String.raw`(?:[^\s\-?:,\[\]{}#&*!|>'"%@\x60]|-(?=\S))(?:[^#:]|:(?=\S))*?(?<!:)`;
const DOUBLE = String.raw`"[^"\\]*"`;
const SINGLE = String.raw`'(?:[^']|'')*'`;
const VALUE = `(?:${PLAIN}|${DOUBLE}|${SINGLE}|\\[\\]|\\{\\})`;
const KEY = `(?:(?!(?:null|Null|NULL)\\s*:)[A-Za-z_][^\\s:#]*|${DOUBLE}|${SINGLE})`;
const LINE = new RegExp(`^(?: *#.*| *| *(?:- +)*${KEY} *:(?: +${VALUE})? *| *(?:- +)+${VALUE} *|---)$`);

/** Whether every line of `text` is one the quick reading takes. */
function plainLines(text: string): boolean {
  let content = false;
  for (const line of text.split(/\r?\n/)) {
    if (line.length > 1000 || line.includes('\r') || !LINE.test(line)) return false;
    content ||= !/^ *(?:#.*)?$/.test(line);
  }
  // A file of comments alone is no document to the careful reading, an empty one to js-yaml.
  return content;
}

/** The documents of `text`, or undefined when the careful reading must read it. */
export function quickDocuments(text: string): unknown[] | undefined {
  if (!plainLines(text)) return undefined;
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
