/**
 * YAML read as kubectl reads it, so that a file means in file mode and `portico translate` what
 * it would mean in a cluster. kubectl (sigs.k8s.io/yaml, on go-yaml v2) reads YAML 1.1 and turns
 * each document into JSON before sending it: an unquoted `on`, `yes`, `y` or `off` is a boolean
 * (and then refused where the CRD wants a string), `0755` is 493. The `yaml` package reads YAML 1.2
 * unless told otherwise, and its own YAML 1.1 schema still differs from go-yaml v2 in ways a
 * manifest can reach. Each rule below was checked against `kubectl create --dry-run=client -o
 * json` (kubectl v1.36.3); `test/resources/kubectl-yaml.test.ts` pins them and
 * `test/k8s/kubectl-yaml.test.ts` compares them with kubectl itself.
 *
 * - null and booleans: the YAML 1.1 sets (`~`, `null`, `Null`, `NULL`, empty; `y`, `Yes`, `on`,
 *   `OFF`, … in their three spellings), the same in both.
 * - Numbers: go-yaml v2's rules (`goYamlNumber`), not the YAML 1.1 type repository's. Underscores
 *   anywhere are dropped (`-_1` is -1), Go's integer prefixes count (`0o17`, `0X1F`, `0B101`),
 *   sexagesimal is not a number (`1:30` is a string), and an integer too large for 64 bits is a
 *   float if decimal, a string otherwise.
 * - Timestamps stay strings (go-yaml v2 keeps a timestamp-looking scalar as written when the target
 *   is untyped, as kubectl's is); the `yaml` package would make a Date.
 * - `!!binary` is the decoded text; `!!set`, `!!omap` and `!!pairs` are not known (plain maps and
 *   lists, with a warning), as in go-yaml v2.
 * - `.inf` and `.nan` are numbers JSON cannot hold: kubectl refuses the whole file, and so does
 *   `loadYaml` (`nonFiniteNumbers`).
 *
 * Left alone: duplicate keys are an error here, where kubectl keeps the last one silently; the
 * escape `\/` is accepted here, refused by kubectl; integers beyond 2^53 lose precision.
 */
import { Document as YamlDocument, isScalar, parseDocument, Scalar, visit } from 'yaml';
import type {
  CreateNodeOptions,
  Document,
  ParseOptions,
  DocumentOptions,
  SchemaOptions,
  ScalarTag,
  Tags,
  ToStringOptions,
} from 'yaml';

const INT_TAG = 'tag:yaml.org,2002:int';
const FLOAT_TAG = 'tag:yaml.org,2002:float';
/** Tags of the `yaml` package's YAML 1.1 schema whose reading go-yaml v2 does not share. */
const REPLACED_TAGS = new Set([
  INT_TAG,
  FLOAT_TAG,
  'tag:yaml.org,2002:timestamp',
  'tag:yaml.org,2002:binary',
  'tag:yaml.org,2002:omap',
  'tag:yaml.org,2002:pairs',
  'tag:yaml.org,2002:set',
]);

const INT64_MIN = -(2n ** 63n);
const INT64_END = 2n ** 63n;
const UINT64_END = 2n ** 64n;
/** strconv.ParseInt(s, 0, 64)'s syntax (a leading 0 alone means octal). */
const GO_INT = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0[oO]([0-7]+)|0([0-7]*)|([1-9][0-9]*))$/;
/** go-yaml v2's `yamlStyleFloat`, tried after the integer forms. */
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** What strconv.ParseFloat takes of a scalar that starts with a dot. */
const GO_DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;

/**
 * The number go-yaml v2 reads in an untagged plain scalar, or undefined when it reads a string.
 * (Its null, boolean, `.inf` and `.nan` spellings are resolved before this.)
 */
export function goYamlNumber(text: string): number | undefined {
  const first = text[0];
  if (first === '.') return GO_DOT_FLOAT.test(text) ? Number(text) : undefined;
  if (first === undefined || !/[-+0-9]/.test(first)) return undefined;
  const plain = text.replaceAll('_', '');
  const int = GO_INT.exec(plain);
  if (int) {
    const [, sign, hex, binary, octal, legacyOctal, decimal] = int;
    const magnitude =
      hex !== undefined
        ? BigInt(`0x${hex}`)
        : binary !== undefined
          ? BigInt(`0b${binary}`)
          : octal !== undefined
            ? BigInt(`0o${octal}`)
            : legacyOctal !== undefined
              ? BigInt(`0o${legacyOctal || '0'}`)
              : BigInt(decimal!);
    const value = sign === '-' ? -magnitude : magnitude;
    if (value >= INT64_MIN && value < INT64_END) return Number(value);
    // strconv.ParseUint takes no sign.
    if (sign === '' && value < UINT64_END) return Number(value);
  }
  // An integer out of range is still a float when it is written in decimal.
  return GO_FLOAT.test(plain) ? Number(plain) : undefined;
}

/** A plain scalar go-yaml v2 might read as a number: it starts with a digit, a sign or a dot. */
const NUMBER_CANDIDATE = /^[-+.0-9]/;

const number: ScalarTag = {
  identify: (value) => typeof value === 'number',
  default: true,
  tag: INT_TAG,
  test: NUMBER_CANDIDATE,
  // A candidate that is not a number stays the string it is, as in go-yaml v2.
  resolve: (text) => goYamlNumber(text) ?? text,
};

/** For `!!float 1` (an explicit tag); untagged scalars take `number`. */
const explicitFloat: ScalarTag = { ...number, default: false, tag: FLOAT_TAG, test: undefined };

const infinityOrNaN: ScalarTag = {
  identify: (value) => typeof value === 'number' && !Number.isFinite(value),
  default: true,
  tag: FLOAT_TAG,
  test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  resolve: (text) =>
    /nan$/i.test(text) ? NaN : text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
};

/** go-yaml v2 decodes `!!binary` into an untyped value as the text of its bytes. */
const binaryAsText: ScalarTag = {
  identify: () => false,
  default: false,
  tag: 'tag:yaml.org,2002:binary',
  resolve: (text) => Buffer.from(text.replace(/\s/g, ''), 'base64').toString('utf8'),
};

function kubectlTags(tags: Tags): Tags {
  return [
    ...tags.filter((tag) => typeof tag === 'string' || !REPLACED_TAGS.has(tag.tag)),
    infinityOrNaN,
    number,
    explicitFloat,
    binaryAsText,
  ];
}

/** The `yaml` options that read documents as kubectl does. */
export const KUBECTL_YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  schema: 'yaml-1.1',
  customTags: kubectlTags,
  // Otherwise an explicit `!!set` or `!!timestamp` would bring the package's own reading back.
  resolveKnownTags: false,
};

/**
 * Where a document holds `.inf` or `.nan` (offsets of the scalars): kubectl refuses the file
 * ("json: unsupported value: +Inf"), JSON having no such numbers.
 */
export function nonFiniteNumbers(doc: Document.Parsed): { offset: number; source: string }[] {
  const found: { offset: number; source: string }[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'number' && !Number.isFinite(node.value)) {
        found.push({ offset: node.range?.[0] ?? 0, source: node.source ?? String(node.value) });
      }
    },
  });
  return found;
}

/** Short plain-looking text: the only kind of string kubectl could read back as another type. */
const PLAIN_CANDIDATE = /^[\w.+\-:~]{1,40}$/;

/** Whether kubectl would read `text`, written as a plain scalar, as something other than that string. */
function readsAsOtherThan(text: string): boolean {
  if (!PLAIN_CANDIDATE.test(text)) return false;
  return parseDocument(text, KUBECTL_YAML_OPTIONS).toJS() !== text;
}

/**
 * YAML that kubectl (and `loadYaml`) read back as the same values: a string that would read as
 * a boolean, a number or null when written plain (`on`, `yes`, `0o17`, `1_000`, `~`) is quoted.
 * What `portico translate` prints and what tests write for file mode go through here.
 */
export function stringifyForKubectl(value: unknown, options: CreateNodeOptions & ToStringOptions = {}): string {
  const doc = new YamlDocument(value, options);
  const verdicts = new Map<string, boolean>(); // names and values repeat: read each text once
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value !== 'string') return;
      let quote = verdicts.get(node.value);
      if (quote === undefined) verdicts.set(node.value, (quote = readsAsOtherThan(node.value)));
      if (quote) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString(options);
}
