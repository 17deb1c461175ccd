/**
 * `portico serve` wiring, in-process, with the real ADS server (src/xds) on an ephemeral port and
 * without Envoy: directory → pipeline → snapshot served → debug endpoints.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBootstrapCommand } from '../../src/cli/bootstrap-command.js';
import { parseServeArgs } from '../../src/cli/serve-command.js';
import { startServe } from '../../src/serve/serve.js';
import type { RunningServe } from '../../src/serve/serve-config.js';
import { silentLogger } from '../../src/shared/logger.js';

const manifests = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: public, namespace: default }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, protocol: HTTP, port: 8080 }]
`;

async function getJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

describe('portico serve', () => {
  it('parses its options', () => {
    expect(parseServeArgs(['--provider', 'file', '--watch', 'dir', '--no-envoy'])).toEqual({
      watchDir: 'dir',
      xds: { host: '127.0.0.1', port: 18000 },
      debug: { host: '127.0.0.1', port: 19000 },
      listenerAddress: '127.0.0.1',
      adminPortBase: 19901,
      statsPortBase: 20001,
      launchEnvoy: false,
      logLevel: 'warn',
      rateLimit: { grpc: { host: '127.0.0.1', port: 18081 }, failClosed: false },
    });
    expect(
      parseServeArgs([
        '--provider',
        'file',
        '--watch',
        'dir',
        '--rate-limit-address',
        '127.0.0.1:9191',
        '--rate-limit-fail-closed',
      ]),
    ).toMatchObject({ rateLimit: { grpc: { host: '127.0.0.1', port: 9191 }, failClosed: true } });
    expect(parseServeArgs(['--provider', 'file', '--watch', 'dir', '--rate-limit-address', 'nope'])).toMatch(
      /--rate-limit-address/,
    );
    // In a cluster: the rate limit service provisioned in Portico's namespace, and its images.
    expect(
      parseServeArgs(['--provider', 'kubernetes', '--leader-election-namespace', 'gw-system', '--redis-image', 'r:1']),
    ).toMatchObject({
      rateLimit: { grpc: { host: 'portico-ratelimit.gw-system.svc', port: 8081 }, failClosed: false },
      provision: { controllerNamespace: 'gw-system', rateLimit: { redisImage: 'r:1' } },
    });
    expect(parseServeArgs(['--provider', 'kubernetes', '--no-provision'])).not.toHaveProperty('rateLimit');
    expect(parseServeArgs(['--provider', 'file', '--watch', 'dir', '--rate-limit-image', 'x'])).toMatch(
      /--rate-limit-image applies to --provider kubernetes only/,
    );
    expect(
      parseServeArgs(['--provider', 'file', '--watch', 'dir', '--admin-port-base', '30000', '--no-envoy']),
    ).toMatchObject({ adminPortBase: 30000, statsPortBase: 30100 });
    expect(
      parseServeArgs(['--provider', 'file', '--watch', 'dir', '--stats-port-base', '9100', '--no-envoy']),
    ).toMatchObject({ statsPortBase: 9100 });
    expect(parseServeArgs(['--provider', 'file', '--watch', 'dir', '--stats-port-base', 'x'])).toMatch(
      /--stats-port-base must be a port number/,
    );
    expect(
      parseServeArgs(['--provider', 'file', '--watch', 'dir', '--metrics-address', '0.0.0.0:19001']),
    ).toMatchObject({ debug: { host: '127.0.0.1', port: 19000 }, metrics: { host: '0.0.0.0', port: 19001 } });
    expect(parseServeArgs(['--provider', 'file', '--watch', 'dir', '--metrics-address', 'nope'])).toMatch(
      /--metrics-address/,
    );
    expect(parseServeArgs(['--watch', 'dir'])).toBe('--provider file is required');
    expect(parseServeArgs(['--provider', 'kubernetes', '--watch', 'd'])).toMatch(/must be "file"/);
    expect(parseServeArgs(['--provider', 'file'])).toMatch(/--watch DIR is required/);
    expect(parseServeArgs(['--provider', 'file', '--watch', 'd', '--log-level', 'loud'])).toMatch(/--log-level/);
    expect(parseServeArgs(['--provider', 'file', '--watch', 'd', '--xds-max-connection-age', '600'])).toMatchObject({
      xdsMaxConnectionAgeMs: 600_000,
    });
    expect(parseServeArgs(['--provider', 'file', '--watch', 'd', '--xds-max-connection-age', '0.5'])).toMatch(
      /--xds-max-connection-age must be a positive whole number of seconds/,
    );
  });

  it('serves a directory end to end (without Envoy)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-serve-'));
    let running: RunningServe | undefined;
    try {
      writeFileSync(join(dir, 'gateway.yaml'), manifests);
      writeFileSync(join(dir, 'broken.yaml'), 'kind: [');
      running = await startServe(
        {
          watchDir: dir,
          xds: { host: '127.0.0.1', port: 0 },
          debug: { host: '127.0.0.1', port: 0 },
          metrics: { host: '127.0.0.1', port: 0 },
          listenerAddress: '127.0.0.1',
          adminPortBase: 19901,
          launchEnvoy: false,
          logLevel: 'warn',
        },
        silentLogger,
      );
      const { port } = running.debugAddress();
      expect(running.xdsAddress()?.port).toBeGreaterThan(0);
      const deadline = Date.now() + 5000;
      while ((await getJson(port, '/readyz')).status !== 200) {
        if (Date.now() > deadline) throw new Error('not ready in time');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const dump = await getJson(port, '/debug/config_dump?gateway=default/public&type=listeners');
      expect(dump.status).toBe(200);
      expect(JSON.stringify(dump.body)).toContain('"port_value":8080');
      const status = (await getJson(port, '/debug/status')).body as {
        resources: { kind: string; status: { conditions: { type: string; reason: string }[] } }[];
        errors: { stage: string; file: string }[];
      };
      const gateway = status.resources.find((r) => r.kind === 'Gateway');
      expect(gateway?.status.conditions.find((c) => c.type === 'Programmed')?.reason).toBe('Pending');
      expect(status.errors).toEqual([expect.objectContaining({ stage: 'file', file: join(dir, 'broken.yaml') })]);
      expect((await getJson(port, '/healthz')).status).toBe(200);
      // The metrics listener: probes and Prometheus, never /debug.
      const metricsPort = running.metricsAddress()!.port;
      expect(metricsPort).not.toBe(port);
      expect((await getJson(metricsPort, '/readyz')).status).toBe(200);
      expect((await getJson(metricsPort, '/metrics')).body).toContain('portico_');
      expect((await getJson(metricsPort, '/debug/config_dump?gateway=default/public')).status).toBe(404);
      expect((await getJson(metricsPort, '/debug/status')).status).toBe(404);
    } finally {
      await running?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('portico bootstrap', () => {
  it('prints the bootstrap for a Gateway, and rejects a bad one', () => {
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
    expect(runBootstrapCommand(['--gateway', 'default/public', '--node-id', 'n1', '--admin-port', '19950'], io)).toBe(
      0,
    );
    expect(JSON.parse(stdout)).toMatchObject({
      node: { id: 'n1', cluster: 'default/public' },
      admin: { address: { socket_address: { port_value: 19950 } } },
    });
    // Prometheus stats on their own listener, as portico serve gives its Envoys: admin port + 100.
    const listeners = (printed: string) =>
      (
        JSON.parse(printed) as {
          static_resources?: { listeners?: { name: string; address: { socket_address: unknown } }[] };
        }
      ).static_resources?.listeners ?? [];
    expect(listeners(stdout)).toEqual([
      expect.objectContaining({
        name: 'portico-stats',
        address: { socket_address: { address: '127.0.0.1', port_value: 20050 } },
      }),
    ]);
    stdout = '';
    runBootstrapCommand(['--gateway', 'default/public', '--stats-address', '0.0.0.0:9102'], io);
    expect(listeners(stdout)[0]?.address).toEqual({ socket_address: { address: '0.0.0.0', port_value: 9102 } });
    stdout = '';
    runBootstrapCommand(['--gateway', 'default/public', '--stats-address', 'none'], io);
    expect(listeners(stdout)).toEqual([]);
    expect(runBootstrapCommand(['--gateway', 'public'], io)).toBe(2);
    expect(stderr).toContain('--gateway must be NAMESPACE/NAME');
  });
});
