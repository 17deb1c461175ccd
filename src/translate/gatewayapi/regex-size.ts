/**
 * An upper bound on the size of the program RE2 compiles a pattern to.
 *
 * Envoy rejects a `safe_regex` whose RE2 program is larger than its runtime limit
 * (`re2.max_program_size.error_level`, 100 by default, which a pattern such as
 * `/api/v[0-9]+/users/[a-z0-9-]{1,64}` already exceeds), and one rejected regex makes Envoy reject
 * the whole RouteConfiguration. Portico's Envoys run with the limit at `RE2_MAX_PROGRAM_SIZE`
 * (set in their bootstrap), and a pattern whose bound is above it is refused here, with a status
 * condition, instead of reaching Envoy.
 *
 * The bound is deliberately generous: every literal and class counted at its widest UTF-8 form,
 * bounded repetitions fully expanded, captures and alternations with their extra instructions,
 * and Unicode classes (`\p…`) counted as large. It over-estimates real programs (the example above
 * is 300 instructions for RE2 and 661 here), so a pattern under the bound is under Envoy's
 * limit. `re2-wasm`, which Portico uses to check syntax, does not expose the real size.
 */

/** What Portico's Envoys are told (`re2.max_program_size.error_level`) and what the bound is checked against. */
export const RE2_MAX_PROGRAM_SIZE = 2000;

/** Cost of a class that matches many Unicode code points (`.`, negated classes, `\W`…). */
const WIDE_CLASS = 24;
/** Cost of a Unicode property class (`\pL`, `\p{Greek}`): large tables. */
const UNICODE_PROPERTY = 2000;
/** Instructions around every program (match, the implicit anchoring Envoy uses, captures of the whole). */
const OVERHEAD = 10;

class Scanner {
  pos = 0;
  caseless = false;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }
  next(): string {
    const c = this.text[this.pos] ?? '';
    this.pos += c.length === 0 ? 0 : 1;
    return c;
  }
}

/** UTF-8 length of a code point (1–4), the number of byte instructions a literal can take. */
function utf8Length(c: string): number {
  const cp = c.codePointAt(0) ?? 0;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** Upper bound for the pattern; Infinity when the pattern cannot be read (RE2 will reject it anyway). */
export function re2ProgramSizeBound(pattern: string): number {
  const s = new Scanner(pattern);
  try {
    const size = alternation(s);
    return s.done ? size + OVERHEAD : Infinity;
  } catch {
    return Infinity;
  }
}

function alternation(s: Scanner): number {
  let total = sequence(s);
  while (s.peek() === '|') {
    s.next();
    total += sequence(s) + 1;
  }
  return total;
}

function sequence(s: Scanner): number {
  let total = 0;
  while (!s.done && s.peek() !== '|' && s.peek() !== ')') total += repeated(s, atom(s));
  return total;
}

function repeated(s: Scanner, size: number): number {
  for (;;) {
    const c = s.peek();
    if (c === '*' || c === '+' || c === '?') {
      s.next();
      size = size + 1;
    } else if (c === '{' && /^\{\d+(,\d*)?\}/.test(s.text.slice(s.pos))) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.text.slice(s.pos))!;
      s.pos += m[0].length;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? min + 1 : Number(m[3]);
      size = size * Math.max(max, 1) + Math.max(max - min, 0) + 1;
    } else {
      return size;
    }
    if (s.peek() === '?') s.next(); // lazy
  }
}

function atom(s: Scanner): number {
  const c = s.next();
  switch (c) {
    case '(':
      return group(s);
    case '[':
      return characterClass(s);
    case '\\':
      return escape(s, false);
    case '.':
      return WIDE_CLASS;
    case '^':
    case '$':
      return 1;
    default:
      return s.caseless ? 2 * utf8Length(c) : utf8Length(c);
  }
}

function group(s: Scanner): number {
  let capture = true;
  if (s.peek() === '?') {
    s.next();
    if (s.peek() === 'P' || s.peek() === '<') {
      // (?P<name>…) or (?<name>…)
      while (!s.done && s.next() !== '>');
    } else {
      capture = false;
      let flags = '';
      while (!s.done && s.peek() !== ':' && s.peek() !== ')') flags += s.next();
      if (flags.includes('i') && !flags.startsWith('-')) s.caseless = true;
      if (s.next() === ')') return 0; // (?i) alone: flags for the rest
    }
  }
  const inner = alternation(s);
  if (s.next() !== ')') throw new Error('unclosed group');
  return inner + (capture ? 2 : 0);
}

function characterClass(s: Scanner): number {
  let negated = false;
  if (s.peek() === '^') {
    s.next();
    negated = true;
  }
  let items = 0;
  let wide = false;
  let first = true;
  while (!s.done && (s.peek() !== ']' || first)) {
    first = false;
    const c = s.next();
    if (c === '[' && s.peek() === ':') {
      // [:alpha:]
      while (!s.done && s.next() !== ']');
      items += 4;
      continue;
    }
    if (c === '\\') {
      const cost = escape(s, true);
      if (cost >= WIDE_CLASS) wide = true;
      items += Math.max(1, Math.ceil(cost / 2));
    } else {
      if (utf8Length(c) > 1) wide = true;
      items += 1;
    }
    if (s.peek() === '-' && s.peek(1) !== ']' && s.peek(1) !== '') {
      s.next();
      const end = s.next();
      if (end === '\\') escape(s, true);
      else if (utf8Length(end) > 1) wide = true;
    }
  }
  if (s.next() !== ']') throw new Error('unclosed class');
  if (s.caseless) items *= 2;
  const size = 2 * items + 2;
  return negated || wide ? size + WIDE_CLASS * 2 : size;
}

/** After a backslash. */
function escape(s: Scanner, inClass: boolean): number {
  const c = s.next();
  switch (c) {
    case 'd':
      return 2;
    case 's':
      return 12;
    case 'w':
      return 8;
    case 'D':
    case 'S':
    case 'W':
      return WIDE_CLASS * 2;
    case 'p':
    case 'P':
      if (s.peek() === '{') while (!s.done && s.next() !== '}');
      else s.next();
      return UNICODE_PROPERTY;
    case 'x':
      if (s.peek() === '{') while (!s.done && s.next() !== '}');
      else s.pos += 2;
      return 4;
    case 'b':
    case 'B':
    case 'A':
    case 'z':
      return inClass ? 1 : 1;
    case 'Q': {
      // \Q…\E literal text
      const end = s.text.indexOf('\\E', s.pos);
      const literal = end < 0 ? s.text.slice(s.pos) : s.text.slice(s.pos, end);
      s.pos = end < 0 ? s.text.length : end + 2;
      return [...literal].reduce((n, ch) => n + utf8Length(ch) * (s.caseless ? 2 : 1), 0);
    }
    default:
      return (s.caseless ? 2 : 1) * utf8Length(c || ' ');
  }
}
