/**
 * Structured logging for the long-running parts (pipeline, providers, Envoy launcher, debug
 * server): one JSON object per line on stderr, so that logs can be grepped and parsed alike.
 * Quiet by default: `serve` logs warnings and errors unless `--log-level` asks for more.
 * In src/shared (it imports nothing of Portico's) so that every layer can take a `Logger`.
 */
import { errorMessage } from './error-message.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{component: 'file'}`). */
  child(fields: LogFields): Logger;
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export interface JsonLoggerOptions {
  level: LogLevel;
  /** Where lines go; `process.stderr` in production. */
  sink: { write(text: string): unknown };
  /** Clock for the `time` field; injectable so tests get stable lines. */
  now?: () => Date;
}

export function createJsonLogger(options: JsonLoggerOptions, bound: LogFields = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const now = options.now ?? (() => new Date());
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const line = { time: now().toISOString(), level, msg, ...bound, ...normalizeFields(fields) };
    // A logger must never throw into its caller: fall back to a line without the fields.
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch {
      text = JSON.stringify({ time: line.time, level, msg, ...bound, fields: 'unserializable' });
    }
    options.sink.write(`${text}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createJsonLogger(options, { ...bound, ...fields }),
  };
}

/**
 * Warnings and errors as JSON lines on stderr, with `fields` on every line: the default of the
 * parts that must not fail unseen when their caller passes no logger (the xDS server and its cache).
 */
export function quietLogger(fields: LogFields = {}): Logger {
  return createJsonLogger({ level: 'warn', sink: process.stderr }, fields);
}

/** Discards everything; the default for library code and tests. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** Errors become `{error: message}` (JSON.stringify would print `{}`), with the stack at debug use. */
function normalizeFields(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) out[key] = value instanceof Error ? errorMessage(value) : value;
  return out;
}
