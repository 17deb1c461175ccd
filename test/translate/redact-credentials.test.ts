/**
 * Credentials in Envoy configuration (basic_auth users, api_key_auth keys, anything the Envoy API
 * marks sensitive) are redacted where people see the configuration: `portico translate` without
 * --show-secrets and /debug/config_dump; the rest of the message keeps its shape.
 */
import { describe, expect, it } from '@jest/globals';
import { redactConfigDump } from '../../src/debug/config-dump.js';
import { toProtoJson } from '../../src/proto/proto-json.js';
import { ROUTE_CONFIGURATION, LISTENER } from '../../src/proto/type-urls.js';
import { redactSensitiveFields, REDACTED_CREDENTIAL } from '../../src/translate/redact-credentials.js';
import type { RouteConfiguration } from '../../src/translate/xds/types.js';

const HTPASSWD = 'alice:{SHA}g2YDYHBhl9R/ddqtGep+ipAO4aU=';
const KEY = 'key-that-must-not-show';

const routes: RouteConfiguration = {
  name: 'rc',
  virtual_hosts: [
    {
      name: 'vh',
      domains: ['*'],
      routes: [
        {
          name: 'r',
          match: { prefix: '/' },
          route: { cluster: 'c' },
          typed_per_filter_config: {
            'envoy.filters.http.basic_auth': {
              '@type': 'type.googleapis.com/envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute',
              users: { inline_string: HTPASSWD },
            },
            'envoy.filters.http.api_key_auth': {
              '@type': 'type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute',
              credentials: [{ key: KEY, client: 'client-a' }],
              key_sources: [{ header: 'x-api-key' }],
            },
          },
        },
      ],
    },
  ],
};

describe('redactSensitiveFields', () => {
  it('replaces the htpasswd users and the API keys inside Any values, keeping everything else', () => {
    const redacted = redactSensitiveFields(ROUTE_CONFIGURATION, routes);
    const text = JSON.stringify(redacted);
    expect(text).not.toContain(HTPASSWD);
    expect(text).not.toContain(KEY);
    const perFilter = redacted.virtual_hosts![0]!.routes![0]!.typed_per_filter_config!;
    expect(perFilter['envoy.filters.http.basic_auth']).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute',
      users: { inline_string: REDACTED_CREDENTIAL },
    });
    expect(perFilter['envoy.filters.http.api_key_auth']).toMatchObject({
      credentials: [{ key: REDACTED_CREDENTIAL }],
      key_sources: [{ header: 'x-api-key' }],
    });
    // Still a RouteConfiguration that encodes.
    expect(() => toProtoJson(ROUTE_CONFIGURATION, redacted)).not.toThrow();
    // The input is left alone.
    expect(JSON.stringify(routes)).toContain(HTPASSWD);
  });

  it('gives back the same object when nothing is sensitive', () => {
    const plain = { name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'] }] };
    expect(redactSensitiveFields(ROUTE_CONFIGURATION, plain)).toBe(plain);
    const listener = { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 80 } } };
    expect(redactSensitiveFields(LISTENER, listener)).toBe(listener);
  });

  it('redacts the routes of a /debug/config_dump', () => {
    const dump = redactConfigDump({
      gateway: 'default/gw',
      version: '1',
      resources: { routes: [{ name: 'rc', version: '1', resource: toProtoJson(ROUTE_CONFIGURATION, routes) }] },
    });
    const text = JSON.stringify(dump);
    expect(text).not.toContain(HTPASSWD);
    expect(text).not.toContain(KEY);
    expect(text).toContain(REDACTED_CREDENTIAL);
    expect(text).toContain('x-api-key');
  });
});
