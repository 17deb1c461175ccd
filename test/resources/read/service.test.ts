/** The Service reader: its ports, a malformed entry or field taken as none. */
import { describe, expect, it } from '@jest/globals';
import { NotOfType } from '../../../src/resources/read/not-of-type.js';
import { readService } from '../../../src/resources/read/service.js';
import { servicePortFor } from '../../../src/translate/gatewayapi/backends.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { KubeObject, PolicyStatus } from '../../../src/resources/types.js';
import { translate } from '../../../src/translate/index.js';
import { gateway, gatewayClass, httpRoute, listener } from '../../support/fixtures.js';

describe('readService', () => {
  it('reads the ports that are objects, a name or port of the wrong type as absent', () => {
    expect(
      readService({ spec: { ports: [null, 'https', [], { name: 5, port: '443' }, { name: 'https', port: 443 }] } })
        .ports,
    ).toEqual([
      { name: undefined, port: undefined },
      { name: 'https', port: 443 },
    ]);
  });

  it('reads a spec or ports that is no object or list as no ports', () => {
    for (const spec of [undefined, null, 'x', [{ port: 80 }], { ports: { https: { port: 443 } } }]) {
      expect(readService({ spec }).ports).toEqual([]);
    }
  });
});

describe('readService in place', () => {
  it('reads ports written as the spec says to the spec itself', () => {
    const spec = { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web', appProtocol: 'http' }] };
    expect(readService({ spec })).toBe(spec);
  });

  it('keeps a protocol or appProtocol of the wrong type as written, a null as absent', () => {
    expect(
      readService({ spec: { ports: [{ port: 80, protocol: ['TCP'], appProtocol: 5, targetPort: null }] } }).ports,
    ).toEqual([{ port: 80, protocol: new NotOfType(['TCP']), appProtocol: new NotOfType(5) }]);
  });
});

describe('servicePortFor on a malformed Service (as before the reader)', () => {
  const service = (ports: unknown) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { ports },
  });

  it('finds no port and throws nothing when the ports do not read', () => {
    for (const ports of [undefined, null, 'http', { port: 80 }, [null, 'x', [80], { port: '80' }]]) {
      expect(servicePortFor(service(ports), 80)).toEqual({});
    }
    expect(servicePortFor(undefined, 80)).toEqual({});
  });

  it('names a protocol of the wrong type as written, and never takes it for TCP', () => {
    expect(servicePortFor(service([{ port: 80, protocol: ['TCP'] }]), 80)).toEqual({ otherProtocol: 'TCP' });
    expect(servicePortFor(service([{ port: 80, protocol: 5 }]), 80, 'UDP')).toEqual({ otherProtocol: '5' });
    expect(servicePortFor(service([{ port: 80, protocol: null, appProtocol: null }]), 80).port).toEqual({ port: 80 });
  });
});

describe("a BackendTLSPolicy's sectionName against a malformed Service", () => {
  const acceptedFor = (ports: unknown, sectionName: string) => {
    const service: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { ports },
    };
    const policy: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'tls', namespace: 'default' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'web', sectionName }],
        validation: { hostname: 'web.example', wellKnownCACertificates: 'System' },
      },
    };
    const objects = [gatewayClass(), gateway({ listeners: [listener('http', 80)] }), service, httpRoute(), policy];
    const status = translate(buildResourceSet(objects)).resources.find((o) => o.kind === 'BackendTLSPolicy')
      ?.status as PolicyStatus;
    const accepted = status.ancestors[0]?.conditions.find((c) => c.type === 'Accepted');
    return `${accepted?.status}/${accepted?.reason}: ${accepted?.message}`;
  };

  it('finds the named port among malformed entries, and names a port no entry has', () => {
    expect(acceptedFor([null, 'https', { name: 5, port: 80 }, { name: 'https', port: 443 }], 'https')).toBe(
      'True/Accepted: Policy is accepted',
    );
    expect(acceptedFor([null, { name: 5, port: 80 }], '5')).toBe(
      'False/TargetNotFound: targets not found: port 5 of Service default/web',
    );
  });
});
