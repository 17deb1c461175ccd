/**
 * A listener the translator cannot read (a shape the CRD refuses; the file provider and
 * `portico translate` run the CRD check first, the translator is the second line of defence) is
 * not accepted, with the reader's reason; the Gateway's other listeners are served.
 *
 * The message names the field (it used to carry the JavaScript error the translator threw, e.g.
 * "Cannot read properties of null (reading 'group')"): the only output that changed when the
 * Gateway's listeners came to be read once (src/resources/read/listener.ts), and only for input
 * the CRD refuses.
 */
import { buildResourceSet } from '../../../../src/resources/resource-set.js';
import type { Condition, KubeObject } from '../../../../src/resources/types.js';
import { translate } from '../../../../src/translate/index.js';
import { gateway, gatewayClass, httpRoute, service } from '../../../support/quickstart-objects.js';

function acceptedOf(resources: KubeObject[], name: string): Condition {
  const gw = resources.find((o) => o.kind === 'Gateway')!;
  const listener = (gw.status as { listeners: { name: string; conditions: Condition[] }[] }).listeners.find(
    (l) => l.name === name,
  )!;
  return listener.conditions.find((c) => c.type === 'Accepted')!;
}

test.each([
  [{ allowedRoutes: { kinds: [null] } }, 'allowedRoutes.kinds[0] must be an object with a kind'],
  [{ protocol: 'HTTPS', tls: { certificateRefs: [null] } }, 'tls.certificateRefs[0] must be an object with a name'],
])('a listener with %j is not accepted, saying which field; the others are served', (bad, reason) => {
  const gw = gateway('gw');
  const listeners = (gw.spec as { listeners: unknown[] }).listeners;
  listeners.push({ name: 'bad', protocol: 'HTTP', port: 9090, ...bad });
  const out = translate(buildResourceSet([gatewayClass, gw, httpRoute('web', 'gw', 'backend'), service('backend')]));
  const accepted = acceptedOf(out.resources, 'bad');
  expect(`${accepted.status}/${accepted.reason}`).toBe('False/Invalid');
  expect(accepted.message).toBe(`listener could not be read (${reason}); check it against the Gateway schema`);
  expect(acceptedOf(out.resources, 'http').status).toBe('True');
  const ports = out.gateways[0]!.xds.listeners.map(
    (l) => (l.address as { socket_address: { port_value: number } }).socket_address.port_value,
  );
  expect(ports).toEqual([8080]);
});
