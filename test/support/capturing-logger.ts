/**
 * A `Logger` (src/shared/logger.ts) for tests that assert what was logged: every line, at every
 * level, goes to `onLine` as one flat object — level, msg, the fields bound by `child`, then the
 * line's own fields — the shape `createJsonLogger` prints, without the time.
 */
import type { LogFields, Logger, LogLevel } from '../../src/shared/logger.js';

export interface LogLine {
  level: LogLevel;
  msg: string;
  [field: string]: unknown;
}

export function capturingLogger(onLine: (line: LogLine) => void, bound: LogFields = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => onLine({ level, msg, ...bound, ...fields });
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => capturingLogger(onLine, { ...bound, ...fields }),
  };
}
