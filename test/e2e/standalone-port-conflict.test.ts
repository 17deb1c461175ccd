/**
 * Standalone mode: every Gateway's Envoy binds the host's listener address, so two Gateways on
 * one port cannot both have it (both Envoys would bind it and the kernel would split connections
 * between them). The older Gateway serves the port; the newer one's listener says why it does not
 * (PortUnavailable), its other listeners serve; when the older Gateway is deleted, the newer one
 * takes the port.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../../src/serve/serve.js';
import type { RunningServe } from '../../src/serve/serve-config.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort, freePortRange, waitFor } from '../support/envoy-ads.js';
import * as fixtures from '../support/fixtures.js';
import { request } from '../support/http-client.js';
import { gatewayClass, httpRoute, serviceFor, writeManifests } from '../support/manifests.js';

const HOST = 'www.example.com';
let root: string;
let dir: string;
let serve: RunningServe;
let port: number;
let otherPort: number;
const backends: Record<string, Backend> = {};
// A new connection per request: the kernel picks a listening socket per connection.
const agent = new Agent({ keepAlive: false });

const write = (file: string, objects: unknown[]) => writeManifests(dir, file, objects);

function gatewayAt(name: string, created: string, listeners: unknown[]) {
  return fixtures.gateway({ name, generation: 1, creationTimestamp: created, listeners });
}

function routeTo(name: string, sectionName: string) {
  return httpRoute(`${name}-${sectionName}`, {
    parentRefs: [{ name, sectionName }],
    hostnames: [HOST],
    rules: [{ backendRefs: [{ name, port: 80 }] }],
  });
}

async function backendsAnswering(onPort: number, requests: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < requests; i++) {
    const res = await request(onPort, '/', { host: HOST, agent });
    seen.push(res.status === 200 ? (JSON.parse(res.body) as EchoReply).backend : `status ${res.status}`);
  }
  return [...new Set(seen)].sort();
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

async function listenerCondition(gateway: string, listener: string, type: string): Promise<Condition | undefined> {
  const body = (await request(serve.debugAddress().port, '/debug/status')).body;
  const resources = (
    JSON.parse(body) as {
      resources: {
        kind: string;
        metadata: { name: string };
        status?: { listeners?: { name: string; conditions: Condition[] }[] };
      }[];
    }
  ).resources;
  const gw = resources.find((r) => r.kind === 'Gateway' && r.metadata.name === gateway);
  return gw?.status?.listeners?.find((l) => l.name === listener)?.conditions.find((c) => c.type === type);
}

beforeAll(async () => {
  for (const name of ['old', 'new']) backends[name] = await startBackend(name);
  root = mkdtempSync(join(tmpdir(), 'portico-port-conflict-'));
  dir = join(root, 'manifests');
  mkdirSync(dir);
  port = await freePort();
  otherPort = await freePort();
  write('common.yaml', [
    gatewayClass(),
    ...serviceFor('old', backends.old!.port),
    ...serviceFor('new', backends.new!.port),
  ]);
  write('old.yaml', [
    gatewayAt('old', '2024-01-01T00:00:00Z', [{ name: 'web', protocol: 'HTTP', port }]),
    routeTo('old', 'web'),
  ]);
  write('new.yaml', [
    gatewayAt('new', '2024-02-01T00:00:00Z', [
      { name: 'web', protocol: 'HTTP', port },
      { name: 'other', protocol: 'HTTP', port: otherPort },
    ]),
    routeTo('new', 'web'),
    routeTo('new', 'other'),
  ]);
  serve = await startServe(
    {
      watchDir: dir,
      stateDir: join(root, 'state'),
      xds: { host: '127.0.0.1', port: 0 },
      debug: { host: '127.0.0.1', port: 0 },
      listenerAddress: '127.0.0.1',
      adminPortBase: await freePortRange(2),
      launchEnvoy: true,
      logLevel: 'error',
    },
    silentLogger,
  );
  // Both Gateways are served: the newer one on its other port.
  await waitFor(async () => (await backendsAnswering(otherPort, 1)).join() === 'new', {
    timeoutMs: 30_000,
    what: 'the newer Gateway on its other port',
  });
  await waitFor(async () => (await backendsAnswering(port, 1)).join() === 'old', {
    timeoutMs: 30_000,
    what: 'the older Gateway on the shared port',
  });
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  agent.destroy();
  await Promise.all(Object.values(backends).map((b) => b.close()));
  rmSync(root, { recursive: true, force: true });
});

test('only the older Gateway serves a shared port, the newer one says why, and takes it when the older goes', async () => {
  expect(serve.envoys().map((e) => e.gateway)).toEqual(['default/new', 'default/old']);
  expect(await backendsAnswering(port, 40)).toEqual(['old']);
  expect(await listenerCondition('new', 'web', 'Accepted')).toMatchObject({
    status: 'False',
    reason: 'PortUnavailable',
    message: expect.stringContaining('Gateway default/old'),
  });
  expect((await listenerCondition('new', 'other', 'Accepted'))?.status).toBe('True');
  expect((await listenerCondition('old', 'web', 'Accepted'))?.status).toBe('True');

  // The conflict heals: with the older Gateway deleted, the newer one takes the port.
  rmSync(join(dir, 'old.yaml'));
  await waitFor(async () => (await listenerCondition('new', 'web', 'Accepted'))?.status === 'True', {
    what: 'the newer listener to be accepted',
  });
  await waitFor(async () => (await backendsAnswering(port, 10)).join() === 'new', {
    timeoutMs: 20_000,
    what: 'the newer Gateway on the port',
  });
  expect(serve.envoys().map((e) => e.gateway)).toEqual(['default/new']);
  expect(await backendsAnswering(port, 40)).toEqual(['new']);
}, 60_000);
