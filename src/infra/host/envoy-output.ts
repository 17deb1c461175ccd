/**
 * A line a local Envoy wrote (stdout and stderr share its log file), into Portico's log: Envoy's
 * own messages (`[2026-01-01 12:00:00.000][pid][level][component] …`) as warnings, as before
 * (Envoy runs at --log-level warn), and everything else as the access log it is, at info: a JSON
 * line (Portico's default format) with its fields, any other line (a Text format) as it is.
 */
import type { Logger } from '../../shared/logger.js';

const ENVOY_LOG_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]\[\d+\]\[/;

export function logEnvoyOutput(logger: Logger, line: string): void {
  if (line.trim() === '') return;
  if (ENVOY_LOG_LINE.test(line)) {
    logger.warn('envoy', { line });
    return;
  }
  if (line.startsWith('{')) {
    try {
      const entry = JSON.parse(line) as unknown;
      if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
        logger.info('access', { access: entry });
        return;
      }
    } catch {
      // Not JSON after all: logged as it is, below.
    }
  }
  logger.info('access', { line });
}
