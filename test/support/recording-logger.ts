/**
 * The `Logger` (src/shared/logger.ts) of tests that assert what was logged: every line, at every
 * level, is kept in `lines` with the fields `child` bound and the line's own; `onLine` (handed on
 * to children) sees each line as it comes, for tests that interleave log lines with other events.
 */
import type { Logger, LogFields, LogLevel } from '../../src/shared/logger.js';

export interface LoggedLine {
  level: LogLevel;
  msg: string;
  fields: LogFields;
}

export class RecordingLogger implements Logger {
  constructor(
    readonly lines: LoggedLine[] = [],
    private readonly bound: LogFields = {},
    private readonly onLine?: (line: LoggedLine) => void,
  ) {}
  debug(msg: string, fields?: LogFields): void {
    this.record('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.record('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.record('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.record('error', msg, fields);
  }
  child(fields: LogFields): Logger {
    return new RecordingLogger(this.lines, { ...this.bound, ...fields }, this.onLine);
  }
  private record(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    const line = { level, msg, fields: { ...this.bound, ...fields } };
    this.lines.push(line);
    this.onLine?.(line);
  }
}
