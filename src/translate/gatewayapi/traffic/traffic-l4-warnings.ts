/**
 * What a BackendTrafficPolicy's Accepted message says when it targets a TCPRoute or UDPRoute:
 * the settings that do not apply there (`traffic-l4.ts` applies the others).
 */
const L4_KINDS = new Set(['TCPRoute', 'UDPRoute']);
/** Cluster settings a UDP cluster leaves out (no connection to probe, time or keep alive). */
const NOT_FOR_UDP = ['healthCheck', 'timeout', 'tcpKeepalive'] as const;

const verb = (names: readonly string[]) => (names.length > 1 ? 'do' : 'does');

/**
 * What the policy's Accepted message says of its settings that do not apply to its TCPRoute or
 * UDPRoute targets: route settings (named), and on a UDPRoute the connection settings.
 */
export function l4TargetWarnings(
  targetKinds: readonly string[],
  routeSettings: readonly string[],
  clusterSettings: readonly string[],
): string[] {
  const warnings: string[] = [];
  // A SourceIP hash applies to TCP (l4HashOf), not to UDP.
  const names = targetKinds.includes('UDPRoute')
    ? routeSettings
    : routeSettings.filter((s) => s !== 'loadBalancer.consistentHash (SourceIP)');
  if (names.length > 0 && targetKinds.some((k) => L4_KINDS.has(k)))
    warnings.push(`${names.join(', ')} ${verb(names)} not apply to TCPRoute or UDPRoute targets: left out there`);
  const notForUdp = NOT_FOR_UDP.filter((s) => clusterSettings.includes(s));
  if (notForUdp.length > 0 && targetKinds.includes('UDPRoute'))
    warnings.push(`${notForUdp.join(', ')} ${verb(notForUdp)} not apply to UDPRoute targets: left out there`);
  return warnings;
}
