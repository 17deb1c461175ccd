/**
 * One listener, read: values of the right shape are kept for the translator to judge (with the
 * spec's reasons), a field of the wrong shape makes the listener one that cannot be read.
 */
import { readListener } from '../../../src/resources/read/listener.js';

const AT = 'spec.listeners[0]';

function read(listener: Record<string, unknown>) {
  const entry = readListener({ name: 'l', protocol: 'HTTP', port: 80, ...listener }, AT);
  if (!entry.listener.valid) throw new Error(JSON.stringify(entry.listener.errors));
  return entry.listener.result;
}

function errors(listener: Record<string, unknown>) {
  const entry = readListener({ name: 'l', protocol: 'HTTP', port: 80, ...listener }, AT);
  expect(entry.name).toBe('l');
  return entry.listener.valid ? [] : entry.listener.errors;
}

describe('readListener', () => {
  it.each([
    [80, 80],
    [65535, 65535],
    [0, undefined],
    [70000, undefined],
    [80.5, undefined],
    ['80', undefined],
  ])('reads port %j as %j, keeping what was written', (port, expected) => {
    expect(read({ port })).toMatchObject({ port: expected, writtenPort: String(port) });
  });

  it('keeps an unknown protocol as written, and a protocol that is not a string as none', () => {
    expect(read({ protocol: 'SCTP' })).toMatchObject({ protocol: 'SCTP', writtenProtocol: 'SCTP' });
    expect(read({ protocol: 7 })).toMatchObject({ protocol: '', writtenProtocol: '7' });
  });

  it('reads a valid hostname, and keeps an invalid one only for its message', () => {
    expect(read({ hostname: '*.example.com' })).toMatchObject({ hostname: '*.example.com' });
    expect(read({ hostname: '' })).toMatchObject({ hostname: undefined });
    expect(read({ hostname: 'Not_A_Name' })).toMatchObject({ hostname: undefined, invalidHostname: '"Not_A_Name"' });
    expect(read({ hostname: 7 })).toMatchObject({ hostname: undefined, invalidHostname: '7' });
  });

  it('reads tls: mode as written, certificateRefs as references', () => {
    const tls = { mode: 'Terminate', certificateRefs: [{ name: 'cert', namespace: 'certs', group: null }] };
    expect(read({ tls }).tls).toEqual({ mode: 'Terminate', certificateRefs: [{ name: 'cert', namespace: 'certs' }] });
    expect(read({ tls: { certificateRefs: 'x' } }).tls).toEqual({ mode: undefined, certificateRefs: [] });
    expect(read({ tls: null }).tls).toBeUndefined();
  });

  it('reads allowedRoutes: a `from` it does not know admits none; kinds are kept as written', () => {
    const allowedRoutes = {
      namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } },
      kinds: [{ kind: 'HTTPRoute' }, { group: 'example.com', kind: 'Other' }],
    };
    expect(read({ allowedRoutes })).toMatchObject({
      allowedNamespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } },
      kinds: [
        { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
        { group: 'example.com', kind: 'Other' },
      ],
    });
    expect(read({ allowedRoutes: { namespaces: { from: 'Nowhere' }, kinds: [] } })).toMatchObject({
      allowedNamespaces: { from: 'None' },
      kinds: undefined,
    });
  });

  it.each([
    [{ tls: 'x' }, `${AT}.tls`],
    [{ tls: { mode: 7 } }, `${AT}.tls.mode`],
    [{ tls: { certificateRefs: [null] } }, `${AT}.tls.certificateRefs[0]`],
    [{ tls: { certificateRefs: [{ name: 'c', kind: 3 }] } }, `${AT}.tls.certificateRefs[0]`],
    [{ allowedRoutes: { kinds: [null] } }, `${AT}.allowedRoutes.kinds[0]`],
    [{ allowedRoutes: { kinds: [{ group: 1, kind: 'HTTPRoute' }] } }, `${AT}.allowedRoutes.kinds[0]`],
  ])('cannot read a listener with %j (at %s)', (listener, path) => {
    expect(errors(listener)).toMatchObject([{ path }]);
  });
});
