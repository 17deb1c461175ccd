import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkRoundTrip } from '../../src/proto/codec.js';
import {
  BOOTSTRAP_TYPE_URL,
  bootstrapJson,
  buildBootstrap,
  parseGatewayKey,
  parseHostPort,
} from '../../src/infra/bootstrap.js';
import { findEnvoy } from '../../src/infra/envoy-binary.js';

const options = { gateway: 'default/public', xds: { host: '127.0.0.1', port: 18000 }, adminPort: 19901 };

describe('Envoy bootstrap', () => {
  it('round-trips through the proto schema', () => {
    expect(checkRoundTrip(BOOTSTRAP_TYPE_URL, buildBootstrap(options))).toEqual([]);
    expect(
      checkRoundTrip(
        BOOTSTRAP_TYPE_URL,
        buildBootstrap({ ...options, xds: { host: 'portico.portico-system.svc', port: 18000 }, protocol: 'delta' }),
      ),
    ).toEqual([]);
  });

  it('reconnects to a control plane that went away within 5 s of its return', () => {
    const json = bootstrapJson(buildBootstrap(options)) as {
      dynamic_resources: { ads_config: { grpc_services: { envoy_grpc: { retry_policy: unknown } }[] } };
    };
    expect(json.dynamic_resources.ads_config.grpc_services[0]!.envoy_grpc.retry_policy).toEqual({
      retry_back_off: { base_interval: '0.500s', max_interval: '5s' },
    });
  });

  it('names the node after the Gateway and connects ADS to the xDS address', () => {
    const json = bootstrapJson(buildBootstrap({ ...options, nodeId: 'default/public/host-1' })) as Record<
      string,
      never
    >;
    expect(json).toMatchObject({
      node: { id: 'default/public/host-1', cluster: 'default/public' },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'portico-xds' } }] },
        lds_config: { ads: {}, resource_api_version: 'V3' },
        cds_config: { ads: {}, resource_api_version: 'V3' },
      },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 19901 } } },
      static_resources: {
        clusters: [
          {
            name: 'portico-xds',
            type: 'STATIC',
            connect_timeout: '5s',
            load_assignment: {
              endpoints: [
                {
                  lb_endpoints: [
                    { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 18000 } } } },
                  ],
                },
              ],
            },
          },
        ],
      },
    });
    expect(json).not.toHaveProperty('@type');
  });

  it('defaults the node id to <ns>/<name>/<hostname>-<pid>', () => {
    const node = buildBootstrap(options).node as { id: string };
    expect(node.id).toMatch(new RegExp(`^default/public/.+-${process.pid}$`));
  });

  it('is accepted by envoy --mode validate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-bootstrap-'));
    try {
      const path = join(dir, 'bootstrap.json');
      writeFileSync(path, JSON.stringify(bootstrapJson(buildBootstrap(options))));
      await promisify(execFile)(findEnvoy(), ['--mode', 'validate', '-c', path, '--log-level', 'error'], {
        timeout: 60_000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses addresses and Gateway keys', () => {
    expect(parseHostPort('127.0.0.1:18000', 'x')).toEqual({ host: '127.0.0.1', port: 18000 });
    expect(parseHostPort('[::1]:9', 'x')).toEqual({ host: '::1', port: 9 });
    expect(() => parseHostPort('localhost', '--xds-address')).toThrow('--xds-address must be HOST:PORT');
    expect(parseGatewayKey('default/public')).toBe('default/public');
    expect(() => parseGatewayKey('public')).toThrow('NAMESPACE/NAME');
  });
});
