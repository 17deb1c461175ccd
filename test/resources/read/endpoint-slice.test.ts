/** The EndpointSlice reader: a slice written as the spec says is its own reading; what does not read is none. */
import { describe, expect, it } from '@jest/globals';
import { readEndpointSlice } from '../../../src/resources/read/endpoint-slice.js';
import { NotOfType } from '../../../src/resources/read/not-of-type.js';
import { endpointsOf, servicePortFor } from '../../../src/translate/gatewayapi/backends.js';

const slice = (fields: Record<string, unknown>): Record<string, unknown> => ({
  kind: 'EndpointSlice',
  addressType: 'IPv4',
  ...fields,
});

describe('readEndpointSlice', () => {
  it('reads a well-formed slice to itself', () => {
    const given = slice({
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.2'] }],
    });
    const read = readEndpointSlice(given);
    expect(read).toBe(given);
    expect(read?.ports).toBe(given.ports);
  });

  it('reads a slice of no IP addresses (FQDN, absent, not a string) to undefined', () => {
    for (const addressType of ['FQDN', undefined, null, 4, ['IPv4']]) {
      expect(readEndpointSlice(slice({ addressType, endpoints: [{ addresses: ['10.0.0.1'] }] }))).toBeUndefined();
    }
  });

  it('reads ports, endpoints and addresses that are no list as absent, and drops items that are none', () => {
    expect(readEndpointSlice(slice({ ports: 'http', endpoints: { addresses: ['10.0.0.1'] } }))).toEqual({
      addressType: 'IPv4',
    });
    expect(
      readEndpointSlice(
        slice({
          ports: [null, 'http', [], { name: 'http', port: 8080 }],
          endpoints: [
            null,
            5,
            { addresses: [null, 7, '', '10.0.0.1'], conditions: { ready: 'false' } },
            { addresses: 'x' },
          ],
        }),
      ),
    ).toEqual({
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080 }],
      endpoints: [{ addresses: ['', '10.0.0.1'], conditions: {} }, {}],
    });
  });

  it('keeps a port name or number of the wrong type as written, and takes null as absent', () => {
    const read = readEndpointSlice(
      slice({
        ports: [
          { name: 5, port: '8080' },
          { name: null, port: null },
        ],
      }),
    );
    expect(read?.ports).toEqual([{ name: new NotOfType(5), port: new NotOfType('8080') }, {}]);
  });
});

describe('endpointsOf on malformed EndpointSlices (as before the reader)', () => {
  const port = { name: 'http', port: 80, targetPort: 9090 };
  const addresses = (slices: object[], servicePort: object = port) =>
    endpointsOf(servicePort, slices).map((e) => `${e.address}:${e.port}`);

  it('gives no endpoint and throws nothing for slices with fields of the wrong type', () => {
    const malformed = [
      slice({ ports: null, endpoints: null }),
      slice({ ports: 5, endpoints: 'x' }),
      slice({ ports: [{ name: 'http', port: '8080' }], endpoints: [{ addresses: ['10.0.0.1'] }] }),
      slice({ ports: [{ name: 'http', port: 1.5 }], endpoints: [{ addresses: ['10.0.0.1'] }] }),
      slice({ endpoints: [null, [], { addresses: null }, { addresses: [5, null, {}, ''] }] }),
      slice({ addressType: 'FQDN', endpoints: [{ addresses: ['10.0.0.1'] }] }),
    ];
    expect(addresses(malformed)).toEqual([]);
  });

  it('reads the endpoints that are well-formed among malformed ones', () => {
    const given = slice({
      ports: [null, { name: 7, port: 1 }, { name: 'http', port: 8080 }],
      endpoints: [
        { addresses: ['10.0.0.2', 3], conditions: 'ready' },
        { addresses: ['10.0.0.3'], conditions: { ready: 'no' } },
        { addresses: ['10.0.0.4'], conditions: { ready: false } },
        { addresses: ['10.0.0.1'], conditions: null },
      ],
    });
    expect(addresses([given])).toEqual(['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
  });

  it("falls back to a numeric targetPort when the slice's port is null or absent, none when it does not read", () => {
    const endpoints = [{ addresses: ['10.0.0.1'] }];
    expect(addresses([slice({ ports: [{ name: 'http', port: null }], endpoints })])).toEqual(['10.0.0.1:9090']);
    expect(addresses([slice({ ports: [{ name: 'http' }], endpoints })])).toEqual(['10.0.0.1:9090']);
    expect(addresses([slice({ ports: [{ name: 'http', port: [8080] }], endpoints })])).toEqual([]);
  });

  it('matches a Service port to the slice port by the name as written, a name of the wrong type included', () => {
    const endpoints = [{ addresses: ['10.0.0.1'] }];
    const ports = [{ name: 5, port: 8085 }, { name: '5', port: 8086 }, { port: 8087 }];
    // The Service port as the translator finds it (servicePortFor reads the Service).
    const service = (name: unknown) =>
      servicePortFor(
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ name, port: 80 }] } },
        80,
      ).port!;
    expect(addresses([slice({ ports, endpoints })], service(5))).toEqual(['10.0.0.1:8085']);
    expect(addresses([slice({ ports, endpoints })], service('5'))).toEqual(['10.0.0.1:8086']);
    expect(addresses([slice({ ports, endpoints })], service(null))).toEqual(['10.0.0.1:8087']);
    expect(addresses([slice({ ports, endpoints })], service(true))).toEqual([]);
  });
});
