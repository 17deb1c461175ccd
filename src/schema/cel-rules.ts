/**
 * The CRDs' CEL rules (`x-kubernetes-validations`), evaluated with @marcbachmann/cel-js plus the
 * few Kubernetes CEL library functions the CRDs' rules call (`isIP`, `isCIDR`, `quantity`, `format.<name>()
 * .validate`). The API server evaluates them after the schema checks, on the defaulted object,
 * and only if no blocking error (type, required, enum, too long, too many) was found.
 *
 * What differs from the API server, and why it does not matter here:
 * - `matches` follows RE2 in the API server. The library's own `matches` is JavaScript's RegExp,
 *   which has no `(?i)` flag group (one GRPCRoute rule uses it), so rules call `re2Matches`
 *   instead (`rewriteRule`), which reads RE2's leading flag group and refuses any other RE2-only
 *   syntax. `test/schema/schema-validation.test.ts` checks every pattern of the
 *   vendored CRDs compiles.
 * - When both operands of `||` (or `&&`) fail, cel-go reports the left one's error, the library
 *   the right one's; so rules are compiled with the operands of each swapped (`leftErrorFirst`),
 *   which the operators' commutativity in CEL allows. The API server's "no such key:
 *   certificateRefs" of `size(self.certificateRefs) > 0 || size(self.options) > 0` is then ours.
 * - Transition rules (those that read `oldSelf`) only apply to updates; a file has no old object.
 * - No cost budget: an object reaches CEL only after its lists and strings passed their
 *   maxItems/maxLength bounds, which is what the API server's cost estimate is built from.
 */
import { ipFamily, parseCidr } from '../shared/cidr.js';
import { NamedFormat, Quantity, quantityOf, validateFormat } from './cel-kubernetes-library.js';
import { Environment, Optional, parse, serialize } from '@marcbachmann/cel-js';
import type { ASTNode } from '@marcbachmann/cel-js';
import type { CrdSchemaNode } from './crd-schemas.js';
import { OMIT_VALUE, invalid } from './field-errors.js';
import type { DataPath, FieldError } from './field-errors.js';
import { isPlainObject } from '../shared/plain-object.js';

interface CompiledRule {
  rule: string;
  /** The rule's message, or the rule itself, as the API server reports it. */
  message: string;
  evaluate: (self: unknown) => unknown;
}

type RuleCompilation = { compiled: CompiledRule } | { transition: true } | { error: string };

/**
 * An RE2 pattern as a JavaScript RegExp: RE2's leading flag group `(?i)` becomes the `i` flag;
 * any other RE2-only construct is refused rather than matched differently.
 */
export function re2ToRegExp(pattern: string): RegExp {
  let source = pattern;
  let flags = 'u';
  // A flag group at the start, or just after `^` (`^(?i)…`, as the GRPCRoute rule writes it).
  const leading = /^(\^?)\(\?([a-zA-Z]+)\)/.exec(source);
  if (leading) {
    if (leading[2] !== 'i') throw new Error(`RE2 flags (?${leading[2]}) are not supported`);
    flags += 'i';
    source = leading[1] + source.slice(leading[0].length);
  }
  if (/\(\?[a-zA-Z]|\\[AzpPQE]|\[\[:/.test(source)) throw new Error(`RE2 syntax not supported in ${pattern}`);
  return new RegExp(source, flags);
}

const regexCache = new Map<string, RegExp>();
const REGEX_CACHE_LIMIT = 256;

function re2Matches(value: string, pattern: string): boolean {
  let regex = regexCache.get(pattern);
  if (!regex) {
    regex = re2ToRegExp(pattern);
    if (regexCache.size < REGEX_CACHE_LIMIT) regexCache.set(pattern, regex);
  }
  return regex.test(value);
}

/** For each position of a CEL expression, whether it lies inside a string literal (any quoting). */
function stringMask(rule: string): boolean[] {
  const inString = new Array<boolean>(rule.length).fill(false);
  let i = 0;
  while (i < rule.length) {
    const ch = rule[i]!;
    if (ch !== '"' && ch !== "'") {
      i++;
      continue;
    }
    const raw = i > 0 && (rule[i - 1] === 'r' || rule[i - 1] === 'R');
    const quote = rule.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
    let j = i + quote.length;
    while (j < rule.length && !rule.startsWith(quote, j)) j += !raw && rule[j] === '\\' ? 2 : 1;
    j = Math.min(rule.length, j + quote.length);
    inString.fill(true, i, j);
    i = j;
  }
  return inString;
}

const IDENTIFIER_CHAIN = /^\s*[A-Za-z_]\w*(\s*\.\s*[A-Za-z_]\w*)*\s*$/;

/**
 * Rewrites the two constructs of the Gateway API rules that @marcbachmann/cel-js reads otherwise
 * than the API server's cel-go:
 * - `x.matches(re)` → `x.re2Matches(re)`: RE2 semantics (see above).
 * - `has(e.f)` where `e` is not a plain chain of field selections (`has(self.matches[0].path)`):
 *   the library only accepts `has(a.b.c)`. On a map, which is what every value here is, CEL
 *   defines `has(e.f)` as `'f' in e`, which the library evaluates.
 */
export function rewriteRule(rule: string): string {
  const inString = stringMask(rule);
  let out = '';
  let i = 0;
  while (i < rule.length) {
    if (!inString[i] && rule.startsWith('.matches(', i)) {
      out += '.re2Matches(';
      i += '.matches('.length;
      continue;
    }
    if (!inString[i] && rule.startsWith('has(', i) && !/[\w.]/.test(rule[i - 1] ?? ' ')) {
      const open = i + 3;
      let depth = 0;
      let close = open;
      for (; close < rule.length; close++) {
        if (inString[close]) continue;
        if (rule[close] === '(') depth++;
        else if (rule[close] === ')' && --depth === 0) break;
      }
      const inner = rule.slice(open + 1, close);
      const selection = /^([\s\S]*)\.\s*([A-Za-z_]\w*)\s*$/.exec(inner);
      if (selection && !IDENTIFIER_CHAIN.test(inner)) {
        out += `('${selection[2]}' in (${rewriteRule(selection[1]!)}))`;
        i = close + 1;
        continue;
      }
    }
    out += rule[i];
    i++;
  }
  return out;
}

/**
 * The rule with the operands of every `||` and `&&` swapped. CEL defines both as commutative (an
 * error is absorbed by a deciding operand on either side), so the value is the same; what changes
 * is which error is reported when both operands fail: the library reports the right operand's
 * (it evaluates the left one leniently, then the right one strictly), cel-go the first one's.
 */
export function leftErrorFirst(rule: string): string {
  const swap = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(swap);
    if (typeof node !== 'object' || node === null || !('op' in node) || !('args' in node)) return node;
    const { op, args } = node as { op: string; args: unknown };
    const swapped = swap(args);
    return {
      op,
      args: (op === '||' || op === '&&') && Array.isArray(swapped) ? [swapped[1], swapped[0]] : swapped,
    };
  };
  return serialize(swap(parse(rule).ast) as ASTNode);
}

function createEnvironment(): Environment {
  return (
    new Environment({ homogeneousAggregateLiterals: false })
      .registerVariable('self', 'dyn')
      .registerType('k8s.NamedFormat', NamedFormat)
      .registerConstant('format', 'k8s.NamedFormat', new NamedFormat(''))
      .registerFunction('k8s.NamedFormat.dns1123Label(): k8s.NamedFormat', () => new NamedFormat('dns1123Label'))
      .registerFunction(
        'k8s.NamedFormat.dns1123Subdomain(): k8s.NamedFormat',
        () => new NamedFormat('dns1123Subdomain'),
      )
      .registerFunction('k8s.NamedFormat.qualifiedName(): k8s.NamedFormat', () => new NamedFormat('qualifiedName'))
      // Kubernetes' validate returns optional<list<string>>: none when valid (rules call `.hasValue()`).
      .registerFunction('k8s.NamedFormat.validate(string): dyn', (f: NamedFormat, s: string) => {
        const problems = validateFormat(f, s);
        return problems === null ? Optional.none() : Optional.of(problems);
      })
      .registerType('k8s.Quantity', Quantity)
      .registerFunction('quantity(string): k8s.Quantity', quantityOf)
      .registerFunction('k8s.Quantity.compareTo(k8s.Quantity): int', (a: Quantity, b: Quantity) =>
        BigInt(Math.sign(a.value - b.value)),
      )
      .registerFunction('isIP(string): bool', (s: string) => ipFamily(s) !== 0)
      .registerFunction('isCIDR(string): bool', (s: string) => parseCidr(s) !== undefined)
      .registerFunction('string.re2Matches(string): bool', re2Matches)
  );
}

let environment: Environment | undefined;
const compiledRules = new WeakMap<CrdSchemaNode, RuleCompilation[]>();

export function compileRule(rule: string, message: string | undefined): RuleCompilation {
  if (/\boldSelf\b/.test(rule)) return { transition: true };
  environment ??= createEnvironment();
  try {
    const program = environment.parse(leftErrorFirst(rewriteRule(rule)));
    return {
      compiled: {
        rule,
        message: (message ?? '').trim() || `failed rule: ${rule.trim()}`,
        evaluate: (self) => withoutStackTraces(() => program({ self })),
      },
    };
  } catch (err) {
    return { error: firstLine(err) };
  }
}

/**
 * Runs `f` with no stack trace captured for the errors it makes: the CEL evaluator throws and
 * catches an error inside a rule wherever a field is absent (`a || b` tries the other side), and
 * capturing each one's stack trace was most of the cost of checking a route.
 */
function withoutStackTraces<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function rulesOf(schema: CrdSchemaNode): RuleCompilation[] {
  let rules = compiledRules.get(schema);
  if (!rules) {
    rules = (schema['x-kubernetes-validations'] ?? []).map((r) => compileRule(r.rule, r.message));
    compiledRules.set(schema, rules);
  }
  return rules;
}

/**
 * Evaluates every rule of the schema over `value` (found at `at` in a defaulted, schema-valid object).
 * Property names that are CEL keywords are escaped (`namespace` → `__namespace__`) as the API
 * server escapes them; integers become CEL ints.
 */
export function validateCelRules(value: unknown, schema: CrdSchemaNode, at: DataPath = []): FieldError[] {
  const errors: FieldError[] = [];
  const walk = (node: unknown, cel: unknown, s: CrdSchemaNode, path: DataPath): void => {
    if (node === undefined || node === null) return;
    for (const compilation of rulesOf(s)) {
      if ('transition' in compilation) continue;
      if ('error' in compilation) {
        errors.push(invalid(path, s.type ?? '', `rule compile error: ${compilation.error}`));
        continue;
      }
      const { compiled } = compilation;
      let result: unknown;
      try {
        result = compiled.evaluate(cel);
      } catch (err) {
        errors.push(invalid(path, s.type ?? '', `${firstLine(err)} evaluating rule: ${ruleErrorString(compiled)}`));
        continue;
      }
      if (result === true) continue;
      const shown = s.type === 'object' || s.type === 'array' ? OMIT_VALUE : node;
      errors.push(invalid(path, shown, compiled.message));
    }
    if (Array.isArray(node) && s.items) {
      node.forEach((item, i) => walk(item, (cel as unknown[])[i], s.items!, [...path, i]));
    } else if (isPlainObject(node)) {
      for (const [key, child] of Object.entries(node)) {
        const property = s.properties?.[key];
        const celObject = cel as Record<string, unknown>;
        if (property) walk(child, celObject[escapeProperty(key)], property, [...path, key]);
        else if (typeof s.additionalProperties === 'object') {
          walk(child, celObject[key], s.additionalProperties, [...path, { mapKey: key }]);
        }
      }
    }
  };
  walk(value, toCelValue(value, schema), schema, at);
  return errors;
}

function ruleErrorString(rule: CompiledRule): string {
  return rule.message.startsWith('failed rule: ') ? rule.rule.trim() : rule.message;
}

const CEL_RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** How the API server names a property in CEL (apiextensions `model.Escape`). */
export function escapeProperty(name: string): string {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  return name
    .replace(/__/g, '__underscores__')
    .replace(/\./g, '__dot__')
    .replace(/-/g, '__dash__')
    .replace(/\//g, '__slash__');
}

/** A JSON value as CEL sees it under `schema`: integers as BigInt, declared properties escaped. */
export function toCelValue(value: unknown, schema: CrdSchemaNode | undefined): unknown {
  if (typeof value === 'number') return schema?.type === 'integer' && Number.isInteger(value) ? BigInt(value) : value;
  // Array.from: a list of this realm, whatever realm the input array came from.
  if (Array.isArray(value)) return Array.from(value, (item: unknown) => toCelValue(item, schema?.items));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const property = schema?.properties?.[key];
    if (property) out[escapeProperty(key)] = toCelValue(child, property);
    else {
      const additional = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      out[key] = toCelValue(child, additional);
    }
  }
  return out;
}

/** An error's first line, lower-cased at the start as cel-go words its errors (`no such key: x`). */
function firstLine(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** How many of the rules in `schemas` compile and will be evaluated (transition rules aside). */
export function countRules(schemas: Iterable<CrdSchemaNode>): {
  evaluated: number;
  transition: number;
  failed: string[];
} {
  const counts = { evaluated: 0, transition: 0, failed: [] as string[] };
  const visit = (s: CrdSchemaNode, path: string): void => {
    for (const compilation of rulesOf(s)) {
      if ('compiled' in compilation) counts.evaluated++;
      else if ('transition' in compilation) counts.transition++;
      else counts.failed.push(`${path}: ${compilation.error}`);
    }
    for (const [name, child] of Object.entries(s.properties ?? {})) visit(child, `${path}.${name}`);
    if (s.items) visit(s.items, `${path}[]`);
    if (typeof s.additionalProperties === 'object') visit(s.additionalProperties, `${path}{}`);
  };
  for (const schema of schemas) visit(schema, '');
  return counts;
}
