/** The Gateway reader: class, listeners (each on its own), addresses, allowedListeners, tls.frontend. */
import { readGateway } from '../../../src/resources/read/gateway.js';

describe('readGateway', () => {
  it('reads the class name and each listener on its own', () => {
    const read = readGateway({
      spec: {
        gatewayClassName: 'portico',
        listeners: [
          { name: 'web', protocol: 'HTTP', port: 80, hostname: 'a.example.com' },
          { name: 'bad', protocol: 'HTTPS', port: 443, tls: 'x' },
          7,
        ],
      },
    });
    expect(read.gatewayClassName).toBe('portico');
    expect(read.listeners).toEqual([
      {
        name: 'web',
        listener: {
          valid: true,
          result: {
            name: 'web',
            protocol: 'HTTP',
            writtenProtocol: 'HTTP',
            port: 80,
            writtenPort: '80',
            hostname: 'a.example.com',
            tls: undefined,
            allowedNamespaces: { from: 'Same', selector: undefined },
            kinds: undefined,
            filters: undefined,
          },
        },
      },
      {
        name: 'bad',
        listener: { valid: false, errors: [{ path: 'spec.listeners[1].tls', message: 'tls must be an object' }] },
      },
      {
        name: undefined,
        listener: {
          valid: false,
          errors: [{ path: 'spec.listeners[2]', message: 'a listener must be an object with a name' }],
        },
      },
    ]);
  });

  it('gives no class for a class name that is not a string, and no listeners without a list', () => {
    const read = readGateway({ spec: { gatewayClassName: 7, listeners: { name: 'a' } } });
    expect(read.gatewayClassName).toBe('');
    expect(read.listeners).toEqual([]);
    expect(readGateway({}).listeners).toEqual([]);
  });

  it('names listener names used more than once, sorted', () => {
    const listeners = ['b', 'a', 'b', 'a', 'c'].map((name) => ({ name, protocol: 'HTTP', port: 80 }));
    expect(readGateway({ spec: { listeners } }).duplicateListenerNames).toEqual(['a', 'b']);
  });

  it('reads address types, IPAddress when unset', () => {
    const addresses = [{ value: '10.0.0.1' }, { type: 'Hostname', value: 'h' }, { type: 7 }, 'x'];
    expect(readGateway({ spec: { addresses } }).addressTypes).toEqual([
      'IPAddress',
      'Hostname',
      'IPAddress',
      'IPAddress',
    ]);
  });

  it.each([
    [undefined, undefined],
    [{ namespaces: { from: 'All' } }, 'All'],
    [{ namespaces: { from: 'Elsewhere' } }, 'Unknown'],
    [{ namespaces: { from: 7 } }, 'Unknown'],
    [{ namespaces: 'All' }, undefined],
  ])('reads allowedListeners %j as from %s', (allowedListeners, from) => {
    expect(readGateway({ spec: { allowedListeners } }).allowedListeners.from).toBe(from);
  });

  it('reads tls.frontend: the default, per-port entries with integer ports, and what cannot be read', () => {
    const frontend = {
      default: { validation: { caCertificateRefs: [{ name: 'ca' }, { kind: 'ConfigMap' }, { name: 'x', group: 3 }] } },
      perPort: [
        { port: 8443, tls: 'malformed' },
        { port: '9443', tls: {} },
        { port: 9443, tls: { validation: { mode: 'Sometimes', caCertificateRefs: [] } } },
        { port: 7443 },
      ],
    };
    expect(readGateway({ spec: { tls: { frontend } } }).frontendTls).toEqual({
      default: {
        kind: 'validate',
        mode: 'AllowValidOnly',
        caCertificateRefs: [
          { name: 'ca' },
          { problem: 'a caCertificateRef has no name' },
          { problem: 'caCertificateRef x: its group, kind and namespace must be strings' },
        ],
      },
      perPort: [
        { port: 8443, check: { kind: 'malformed' } },
        { port: 9443, check: { kind: 'unsupportedMode', mode: '"Sometimes"' } },
        { port: 7443, check: { kind: 'none' } },
      ],
    });
    expect(readGateway({ spec: { tls: {} } }).frontendTls).toBeUndefined();
  });

  it.each([
    [undefined, undefined],
    ['x', undefined],
    [{ clientCertificateRef: null }, undefined],
    [{ clientCertificateRef: { name: 'c', namespace: 'n' } }, { valid: true, result: { name: 'c', namespace: 'n' } }],
    [
      { clientCertificateRef: { kind: 'Secret' } },
      {
        valid: false,
        errors: [
          {
            path: 'spec.tls.backend.clientCertificateRef',
            message: 'spec.tls.backend.clientCertificateRef has no name',
          },
        ],
      },
    ],
    [{ clientCertificateRef: { name: 'c', group: 1 } }, { valid: false }],
  ])('reads tls.backend %j', (backend, expected) => {
    const read = readGateway({ spec: { tls: { backend } } }).backendClientCertificateRef;
    if (expected === undefined) expect(read).toBeUndefined();
    else expect(read).toMatchObject(expected);
  });

  it('reads a spec object once (the ResourceSet builder reads it; the translator finds the result)', () => {
    const spec = { listeners: [{ name: 'a', protocol: 'HTTP', port: 80 }] };
    expect(readGateway({ spec })).toBe(readGateway({ spec }));
  });
});
