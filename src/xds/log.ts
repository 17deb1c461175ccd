/**
 * Structured logging for the xDS server. Quiet by default: only warnings and errors, as one JSON
 * line each on stderr. Pass a `Logger` to route entries elsewhere (or to see debug/info).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  msg: string;
  [field: string]: unknown;
}

export type Logger = (entry: LogEntry) => void;

/** Warnings and errors as JSON lines on stderr; debug and info are dropped. */
export const quietLogger: Logger = (entry) => {
  if (entry.level !== 'warn' && entry.level !== 'error') return;
  console.error(JSON.stringify({ time: new Date().toISOString(), component: 'xds', ...entry }));
};

/** Drops everything (tests). */
export const silentLogger: Logger = () => {};
