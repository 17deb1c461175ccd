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
 * repetitions of what can match the empty string with the loop guards RE2 adds, and 25 % on top.
 * Checked against the sizes Envoy reports (`test/e2e/envoy-validate.test.ts` probes a set of
 * patterns): ordinary patterns are bounded at 1.3–3× their real size, and patterns built to defeat
 * a naive count (`(?:(?:a?b?)*){370}`) are still bounded. `re2-wasm`, which Portico uses to check
 * syntax, does not expose the real size.
 */

/** What Portico's Envoys are told (`re2.max_program_size.error_level`) and what the bound is checked against. */
export const RE2_MAX_PROGRAM_SIZE = 2000;

/**
 * Per-construct costs, each at least twice what Envoy 1.40's RE2 was measured to compile it to
 * (by bisecting `re2.max_program_size.error_level` with `envoy --mode validate`): `.` and negated
 * classes 2, `\S`/`\W`/`\D` 4, `\pL` 7, a class of three ranges 3, a case-folded range 1.
 */
const WIDE_CLASS = 8;
const ANY_CHARACTER = 4;
/**
 * `\p…` is small in Envoy (7) but large and slow for re2-wasm, which checks syntax in UTF-8 mode
 * (`\p{L}{10}` takes about 200 ms to compile there): counted so that a check stays bounded.
 */
const UNICODE_PROPERTY = 150;
/** Instructions around every program (match, fail, the unanchored prefix). */
const OVERHEAD = 10;
/** What a repetition adds around an operand that can match the empty string (RE2 guards the loop). */
const NULLABLE_LOOP = 5;
/** Margin over the sum, for what the per-construct costs do not capture. */
const MARGIN = 1.25;

/** A compiled part: its instruction bound, and whether it can match the empty string. */
interface Part {
  size: number;
  nullable: boolean;
}

class Scanner {
  pos = 0;
  caseless = false;
  /** Something Envoy's RE2 rejects although re2-wasm accepts it. */
  problem: string | undefined;
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

/** UTF-8 length of a code point (1–4): a literal compiles to one instruction per byte. */
function utf8Length(c: string): number {
  const cp = c.codePointAt(0) ?? 0;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * The bound (Infinity when the pattern cannot be read), and what Envoy's RE2 would reject in a pattern that re2-wasm (which checks syntax in
 * UTF-8 mode) accepts: Envoy 1.40 refuses `\x{…}` escapes above `\x{ff}` ("invalid escape
 * sequence"; measured), though it takes such characters written out.
 */
export function analyzeRegex(pattern: string): { bound: number; problem?: string } {
  const s = new Scanner(pattern);
  try {
    const part = alternation(s);
    const bound = s.done ? Math.ceil((part.size + OVERHEAD) * MARGIN) : Infinity;
    return s.problem === undefined ? { bound } : { bound, problem: s.problem };
  } catch {
    return { bound: Infinity };
  }
}

function alternation(s: Scanner): Part {
  const first = sequence(s);
  let size = first.size;
  let nullable = first.nullable;
  while (s.peek() === '|') {
    s.next();
    const branch = sequence(s);
    size += branch.size + 1;
    nullable ||= branch.nullable;
  }
  return { size, nullable };
}

function sequence(s: Scanner): Part {
  let size = 0;
  let nullable = true;
  let empty = true;
  while (!s.done && s.peek() !== '|' && s.peek() !== ')') {
    const part = repeated(s, atom(s));
    size += part.size;
    nullable &&= part.nullable;
    empty = false;
  }
  // An empty branch or group still compiles to an instruction.
  return empty ? { size: 1, nullable: true } : { size, nullable };
}

function repeated(s: Scanner, part: Part): Part {
  for (;;) {
    const c = s.peek();
    const loop = part.nullable ? NULLABLE_LOOP : 0;
    if (c === '*' || c === '+' || c === '?') {
      s.next();
      part = { size: part.size + 1 + loop, nullable: c !== '+' || part.nullable };
    } else if (c === '{' && /^\{\d+(,\d*)?\}/.test(s.text.slice(s.pos))) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.text.slice(s.pos))!;
      s.pos += m[0].length;
      const min = Number(m[1]);
      const open = m[2] !== undefined && m[3] === '';
      const max = m[2] === undefined ? min : open ? min : Number(m[3]);
      // min copies, then (max - min) optional ones (or a loop when unbounded).
      const optional = open ? 1 : Math.max(max - min, 0);
      part = {
        size: min * part.size + optional * (part.size + 1 + loop) + 1,
        nullable: min === 0 || part.nullable,
      };
    } else {
      return part;
    }
    if (s.peek() === '?') s.next(); // lazy
  }
}

function atom(s: Scanner): Part {
  const c = s.next();
  switch (c) {
    case '(':
      return group(s);
    case '[':
      return { size: characterClass(s), nullable: false };
    case '\\':
      return escape(s, false);
    case '.':
      return { size: ANY_CHARACTER, nullable: false };
    case '^':
    case '$':
      return { size: 1, nullable: true };
    default:
      return { size: (s.caseless ? 2 : 1) * utf8Length(c), nullable: false };
  }
}

function group(s: Scanner): Part {
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
      if (s.next() === ')') return { size: 0, nullable: true }; // (?i) alone: flags for the rest
    }
  }
  const inner = alternation(s);
  if (s.next() !== ')') throw new Error('unclosed group');
  return { size: inner.size + (capture ? 2 : 0), nullable: inner.nullable };
}

function characterClass(s: Scanner): number {
  let negated = false;
  if (s.peek() === '^') {
    s.next();
    negated = true;
  }
  let items = 0;
  let extra = 0;
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
    // A character or a range is one item: one instruction and the alternation joining it (more for
    // the bytes of a multi-byte character).
    let width = 1;
    if (c === '\\') extra += escape(s, true).size;
    else width = utf8Length(c);
    if (s.peek() === '-' && s.peek(1) !== ']' && s.peek(1) !== '') {
      s.next();
      const end = s.next();
      if (end === '\\') extra += escape(s, true).size;
      else width = Math.max(width, utf8Length(end));
    }
    items += width;
  }
  if (s.next() !== ']') throw new Error('unclosed class');
  const size = (s.caseless ? 4 : 2) * items + 1 + extra;
  return negated ? size + 4 : size;
}

/** After a backslash. */
function escape(s: Scanner, inClass: boolean): Part {
  const c = s.next();
  const single = (size: number): Part => ({ size, nullable: false });
  switch (c) {
    case 'd':
      return single(2);
    case 's':
    case 'w':
      return single(8);
    case 'D':
    case 'S':
    case 'W':
      return single(WIDE_CLASS);
    case 'p':
    case 'P':
      if (s.peek() === '{') while (!s.done && s.next() !== '}');
      else s.next();
      return single(UNICODE_PROPERTY);
    case 'x': {
      let hex: string;
      if (s.peek() === '{') {
        const end = s.text.indexOf('}', s.pos);
        hex = s.text.slice(s.pos + 1, end < 0 ? s.text.length : end);
        s.pos = end < 0 ? s.text.length : end + 1;
      } else {
        hex = s.text.slice(s.pos, s.pos + 2);
        s.pos += 2;
      }
      if (parseInt(hex, 16) > 0xff) {
        s.problem ??= `Envoy does not accept the escape \\x{${hex}} (above \\x{ff}); write the character itself`;
      }
      return single(4);
    }
    case 'b':
    case 'B':
    case 'A':
    case 'z':
      return inClass ? single(2) : { size: 1, nullable: true };
    case 'Q': {
      // \Q…\E literal text
      const end = s.text.indexOf('\\E', s.pos);
      const literal = end < 0 ? s.text.slice(s.pos) : s.text.slice(s.pos, end);
      s.pos = end < 0 ? s.text.length : end + 2;
      const size = [...literal].reduce((n, ch) => n + utf8Length(ch) * (s.caseless ? 2 : 1), 0);
      return { size, nullable: size === 0 };
    }
    default:
      return single((s.caseless ? 2 : 1) * utf8Length(c || ' '));
  }
}
