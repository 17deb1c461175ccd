/**
 * A listener on a port the Envoy uses for itself would make Envoy reject the whole listener update
 * (duplicate address): it is refused with PortUnavailable, and the Gateway's other listeners stay.
 */
import { ENVOY_OWN_PORTS } from '../../../../src/infra/kubernetes/resources.js';
import { buildResourceSet } from '../../../../src/resources/resource-set.js';
import type { Condition, KubeObject } from '../../../../src/resources/types.js';
import { translate } from '../../../../src/translate/index.js';
import { gateway, gatewayClass, httpRoute, service } from '../../../support/quickstart-objects.js';

function twoListeners(): KubeObject {
  const gw = gateway('gw');
  (gw.spec as { listeners: unknown[] }).listeners = [
    { name: 'web', protocol: 'HTTP', port: 8080 },
    { name: 'clash', protocol: 'HTTP', port: 19902 },
  ];
  return gw;
}

function listenerAccepted(resources: KubeObject[], name: string): string {
  const gw = resources.find((o) => o.kind === 'Gateway')!;
  const listener = (gw.status as { listeners: { name: string; conditions: Condition[] }[] }).listeners.find(
    (l) => l.name === name,
  )!;
  const accepted = listener.conditions.find((c) => c.type === 'Accepted')!;
  return `${accepted.status}/${accepted.reason}`;
}

test('a listener on a port the Envoy uses for itself is not accepted; the others are served', () => {
  const input = buildResourceSet([gatewayClass, twoListeners(), httpRoute('web', 'gw', 'backend'), service('backend')]);
  const reserved = translate(input, { reservedPorts: ENVOY_OWN_PORTS });
  expect(listenerAccepted(reserved.resources, 'clash')).toBe('False/PortUnavailable');
  expect(listenerAccepted(reserved.resources, 'web')).toBe('True/Accepted');
  const ports = reserved.gateways[0]!.xds.listeners.map(
    (l) => (l.address as { socket_address: { port_value: number } }).socket_address.port_value,
  );
  expect(ports).toEqual([8080]);

  // Without reserved ports (offline `portico translate`, the local launcher) the port is a port.
  const plain = translate(input);
  expect(listenerAccepted(plain.resources, 'clash')).toBe('True/Accepted');
});
