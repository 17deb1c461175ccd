/**
 * The BackendTLSPolicy reader: `validation` valid as a whole or refused with the first reason and
 * its path; targets one by one.
 */
import { readBackendTlsPolicy, readBackendTlsValidation } from '../../../src/resources/read/backend-tls-policy.js';

describe('readBackendTlsValidation', () => {
  it('gives the hostname as the name to check when no subjectAltNames are given', () => {
    expect(
      readBackendTlsValidation(
        { hostname: 'api.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] },
        'spec.validation',
      ),
    ).toEqual({
      valid: true,
      result: {
        hostname: 'api.example.com',
        subjectAltNames: [{ type: 'DNS', value: 'api.example.com' }],
        ca: { refs: [{ kind: 'ConfigMap', name: 'ca' }] },
      },
    });
  });

  it('reads each CA reference as usable or as the sentence that says why not', () => {
    const read = readBackendTlsValidation(
      {
        hostname: 'api.example.com',
        caCertificateRefs: [
          { group: 'certificates.k8s.io', kind: 'ClusterTrustBundle', name: 'roots' },
          { group: '', kind: 'Secret', name: 'ca' },
          'ca',
        ],
      },
      'spec.validation',
    );
    expect(read.valid && read.result.ca).toEqual({
      refs: [
        { kind: 'ClusterTrustBundle', name: 'roots' },
        {
          kind: 'unsupported',
          message:
            'caCertificateRef ca has kind Secret; Portico reads CA certificates from ConfigMaps and ClusterTrustBundles (certificates.k8s.io)',
        },
        {
          kind: 'unsupported',
          message:
            'caCertificateRef undefined has kind invalid; Portico reads CA certificates from ConfigMaps and ClusterTrustBundles (certificates.k8s.io)',
        },
      ],
    });
  });

  it.each([
    [undefined, 'spec.validation', 'spec.validation is required'],
    [
      { hostname: '*.example.com' },
      'spec.validation.hostname',
      'validation.hostname "*.example.com" is not a DNS name',
    ],
    [
      { hostname: 'a.example.com', wellKnownCACertificates: 'System', caCertificateRefs: [{ name: 'ca' }] },
      'spec.validation',
      'set either caCertificateRefs or wellKnownCACertificates, not both',
    ],
    [{ hostname: 'a.example.com' }, 'spec.validation', 'set caCertificateRefs or wellKnownCACertificates'],
    [
      { hostname: 'a.example.com', wellKnownCACertificates: 'System', subjectAltNames: [{ type: 'URI', uri: 'x' }] },
      'spec.validation.subjectAltNames[0]',
      'subjectAltNames entry {"type":"URI","uri":"x"} is not valid',
    ],
    [
      { hostname: 'a.example.com', wellKnownCACertificates: 'Mozilla' },
      'spec.validation.wellKnownCACertificates',
      'wellKnownCACertificates "Mozilla" is not supported; use System or caCertificateRefs',
    ],
  ])('refuses %j at %s: %s', (validation, path, message) => {
    expect(readBackendTlsValidation(validation, 'spec.validation')).toEqual({
      valid: false,
      errors: [{ path, message }],
    });
  });
});

describe('readBackendTlsPolicy', () => {
  it('reads Service targets with their port, and other kinds as a message names them', () => {
    const { targets } = readBackendTlsPolicy({
      spec: {
        targetRefs: [
          { group: '', kind: 'Service', name: 'api', sectionName: 'https' },
          { kind: 'Service', name: 'web', sectionName: '' },
          { group: 'apps', kind: 'Deployment', name: 'api' },
          null,
        ],
      },
    });
    expect(targets).toEqual([
      { kind: 'Service', name: 'api', writtenName: 'api', sectionName: 'https' },
      { kind: 'Service', name: 'web', writtenName: 'web', sectionName: undefined },
      { kind: 'other', written: 'apps/Deployment api' },
    ]);
  });
});
