import {
  buildTranslationDocument,
  formatTranslationDocument,
  REDACTED,
} from '../../src/translate/translation-document.js';
import type { TranslationResult } from '../../src/translate/index.js';
import type { IrGateway } from '../../src/ir/types.js';
import type { XdsResources } from '../../src/translate/xds/types.js';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n-----END PRIVATE KEY-----\n';

function resultWithSecret(): TranslationResult {
  const xds: XdsResources = {
    listeners: [],
    routes: [],
    clusters: [],
    endpoints: [],
    secrets: [
      {
        name: 'default/cert',
        tls_certificate: { certificate_chain: { inline_string: 'CERT' }, private_key: { inline_string: KEY } },
      },
    ],
  };
  return {
    gateways: [{ name: 'default/gw', ir: {} as IrGateway, xds }],
    resources: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'default', generation: 3, uid: 'u', labels: { a: 'b' } },
        spec: { gatewayClassName: 'portico', listeners: [] },
        status: { conditions: [] },
      },
    ],
  };
}

describe('buildTranslationDocument', () => {
  it('redacts private keys unless asked not to', () => {
    const redacted = formatTranslationDocument(
      buildTranslationDocument(resultWithSecret(), { showSecrets: false }),
      'json',
    );
    expect(redacted).not.toContain('MIIEvQIBADANBgkq');
    expect(redacted).toContain(REDACTED);
    expect(redacted).toContain('CERT');

    const shown = formatTranslationDocument(
      buildTranslationDocument(resultWithSecret(), { showSecrets: true }),
      'json',
    );
    expect(shown).toContain('BEGIN PRIVATE KEY');
  });

  it('redacts generic secrets (an OAuth2 client secret, an HMAC key) unless asked not to', () => {
    const result = resultWithSecret();
    result.gateways[0]!.xds.secrets.push({
      name: 'securitypolicy/default/login/oidc/client-secret',
      generic_secret: { secret: { inline_string: 'client-s3cr3t' } },
    });
    const redacted = formatTranslationDocument(buildTranslationDocument(result, { showSecrets: false }), 'yaml');
    expect(redacted).not.toContain('client-s3cr3t');
    expect(redacted).toContain('securitypolicy/default/login/oidc/client-secret');
    expect(formatTranslationDocument(buildTranslationDocument(result, { showSecrets: true }), 'yaml')).toContain(
      'client-s3cr3t',
    );
  });

  it('does not modify the translation result', () => {
    const result = resultWithSecret();
    buildTranslationDocument(result, { showSecrets: false });
    expect(result).toEqual(resultWithSecret());
  });

  it('keys xDS by gateway and keeps only identity, generation and status of resources', () => {
    const document = buildTranslationDocument(resultWithSecret(), { showSecrets: false });
    expect(Object.keys(document.xds)).toEqual(['default/gw']);
    expect(document.xds['default/gw']?.secrets[0]).toMatchObject({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
    });
    expect(document.resources).toEqual([
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'default', generation: 3 },
        status: { conditions: [] },
      },
    ]);
  });

  it('prints YAML without anchors for repeated objects', () => {
    const result = resultWithSecret();
    const shared = { type: 'Accepted', status: 'True' };
    result.resources[0]!.status = { conditions: [shared, shared] };
    const yaml = formatTranslationDocument(buildTranslationDocument(result, { showSecrets: false }), 'yaml');
    expect(yaml).not.toMatch(/[&*]a\d/);
  });
});
