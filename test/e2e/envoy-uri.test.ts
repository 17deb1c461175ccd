/**
 * Envoy's own answer on the URIs the policy readers take and refuse (`parseEnvoyUri`): each URI as
 * a jwt_authn provider's remote JWKS in a listener, checked by `envoy --mode validate`. Every URI
 * the readers take, Envoy takes; the forms they refuse because WHATWG reads them but Envoy does
 * not, Envoy refuses ("invalid URI"): given to Envoy, they would have rejected the whole listener.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findEnvoy } from '../../src/infra/envoy-binary.js';
import { HTTP_CONNECTION_MANAGER, JWT_AUTHN, ROUTER } from '../../src/proto/type-urls.js';
import { ACCEPTED_URIS } from '../support/envoy-uris.js';

const run = promisify(execFile);

/** Whether Envoy accepts a listener whose jwt_authn fetches its key set from `uri`. */
async function envoyTakes(uri: string): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-envoy-uri-'));
  try {
    const bootstrap = {
      static_resources: {
        clusters: [{ name: 'jwks', type: 'STATIC', connect_timeout: '1s' }],
        listeners: [
          {
            name: 'l',
            address: { socket_address: { address: '127.0.0.1', port_value: 1 } },
            filter_chains: [
              {
                filters: [
                  {
                    name: 'envoy.filters.network.http_connection_manager',
                    typed_config: {
                      '@type': HTTP_CONNECTION_MANAGER,
                      stat_prefix: 'l',
                      route_config: { virtual_hosts: [{ name: 'a', domains: ['*'], routes: [] }] },
                      http_filters: [
                        {
                          name: 'envoy.filters.http.jwt_authn',
                          typed_config: {
                            '@type': JWT_AUTHN,
                            providers: {
                              p: { remote_jwks: { http_uri: { uri, cluster: 'jwks', timeout: '1s' } } },
                            },
                          },
                        },
                        { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    };
    const path = join(dir, 'bootstrap.json');
    writeFileSync(path, JSON.stringify(bootstrap));
    try {
      await run(findEnvoy(), ['--mode', 'validate', '-c', path, '--log-level', 'critical'], { timeout: 60_000 });
      return true;
    } catch {
      return false;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every URI the readers take, Envoy takes', async () => {
  for (const uri of ACCEPTED_URIS) expect([uri, await envoyTakes(uri)]).toEqual([uri, true]);
}, 120_000);

test('the forms WHATWG reads and the readers refuse, Envoy refuses too', async () => {
  for (const uri of [
    'https:idp.example.com/jwks',
    'https:\\\\idp.example.com\\jwks',
    'https://idp_x.example.com/jwks',
    'https://idp.example.com/a b',
    'https://idp.example.com:/jwks',
  ]) {
    expect([uri, await envoyTakes(uri)]).toEqual([uri, false]);
  }
}, 120_000);
