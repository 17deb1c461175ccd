/**
 * A line a local Envoy wrote (stdout and stderr share its log file): Envoy's own messages
 * (`[2026-01-01 12:00:00.000][pid][level][component] …`) go to Portico's log as warnings, as before
 * (Envoy runs at --log-level warn); everything else is an access log line, handed to `access` with
 * its Gateway: a JSON object (Portico's default format) with a `gateway` field first, any other
 * line (a Text format) as `[<namespace>/<name>] <line>`. `portico serve` writes them to its
 * standard output, one per line, whatever its log level (its own log is on stderr).
 */
import type { Logger } from '../../shared/logger.js';

const ENVOY_LOG_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]\[\d+\]\[/;

export function handleEnvoyOutput(line: string, gateway: string, logger: Logger, access: (line: string) => void): void {
  if (line.trim() === '') return;
  if (ENVOY_LOG_LINE.test(line)) {
    logger.warn('envoy', { line });
    return;
  }
  if (line.startsWith('{')) {
    try {
      const entry = JSON.parse(line) as unknown;
      if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
        access(JSON.stringify({ gateway, ...entry }));
        return;
      }
    } catch {
      // Not JSON after all: passed on as text, below.
    }
  }
  access(`[${gateway}] ${line}`);
}

/** Access log lines on Portico's standard output. */
export function writeToStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}
