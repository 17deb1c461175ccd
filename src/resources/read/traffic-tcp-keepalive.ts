/**
 * A BackendTrafficPolicy's `tcpKeepalive` (Envoy Gateway's TCPKeepalive), read: TCP keepalive on
 * Envoy's connections to the backends. `probes` unanswered probes close the connection; `idleTime`
 * of silence before the first probe, `interval` between probes: whole seconds (the socket option's
 * unit), at least 1s. An absent field takes the system's setting (Linux: 9 probes, 7200s, 75s).
 */
import { SectionFields } from './traffic-fields.js';
import { valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface TcpKeepaliveRead {
  probes?: number;
  idleTimeSeconds?: number;
  intervalSeconds?: number;
}

export function readTcpKeepalive(value: unknown): ValidationResult<TcpKeepaliveRead> {
  const problems: FieldError[] = [];
  const k = SectionFields.of(value, 'spec.tcpKeepalive', problems);
  if (!k) return { valid: false, errors: problems };
  k.only(['probes', 'idleTime', 'interval']);
  const out: TcpKeepaliveRead = {};
  const probes = k.int('probes');
  if (probes !== undefined) out.probes = probes;
  const seconds = (name: 'idleTime' | 'interval'): number | undefined => {
    const ms = k.durationMs(name);
    if (ms === undefined) return undefined;
    if (ms % 1000 !== 0) {
      k.problem(`tcpKeepalive.${name} must be a whole number of seconds (the socket option's unit)`);
      return undefined;
    }
    return ms / 1000;
  };
  const idle = seconds('idleTime');
  const interval = seconds('interval');
  if (idle !== undefined) out.idleTimeSeconds = idle;
  if (interval !== undefined) out.intervalSeconds = interval;
  return problems.length > 0 ? { valid: false, errors: problems } : valid(out);
}
