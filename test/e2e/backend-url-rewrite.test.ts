/**
 * URLRewrite on backendRefs (HTTPRouteBackendURLRewrite) through a real Envoy: the conformance
 * test's two rules, and a weighted rule whose backends rewrite the path differently (one Envoy
 * route per backend sharing the rule's requests, `backend-split.ts`): each backend sees its own
 * path, Host and header filters, and the shares follow the weights, unresolved backendRefs included.
 */
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { request } from '../support/http-client.js';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const HOST = 'rewrite.example.com';
let e2e: PorticoE2E;
let port: number;
const backends: Record<string, Backend> = {};

const get = (path: string) => request(port, path, { host: HOST });

async function echo(path: string): Promise<EchoReply> {
  const res = await get(path);
  if (res.status !== 200) throw new Error(`${path}: status ${res.status}`);
  return JSON.parse(res.body) as EchoReply;
}

const urlRewrite = (path: Record<string, string>, hostname?: string) => ({
  type: 'URLRewrite',
  urlRewrite: { path, ...(hostname ? { hostname } : {}) },
});

beforeAll(async () => {
  for (const name of ['v1', 'a', 'b', 'c']) backends[name] = await startBackend(name);
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...Object.entries(backends).flatMap(([name, b]) => serviceFor(name, b.port)),
    // The conformance test's route (httproute-backend-url-rewrite.yaml).
    httpRoute('backend-url-rewrite', {
      parentRefs: [{ name: 'gw' }],
      hostnames: [HOST],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/full' } }],
          backendRefs: [
            {
              name: 'v1',
              port: 80,
              filters: [urlRewrite({ type: 'ReplaceFullPath', replaceFullPath: '/rewritten-full' })],
            },
          ],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/prefix' } }],
          backendRefs: [
            {
              name: 'v1',
              port: 80,
              filters: [urlRewrite({ type: 'ReplacePrefixMatch', replacePrefixMatch: '/rewritten-prefix' })],
            },
          ],
        },
      ],
    }),
    httpRoute('split', {
      parentRefs: [{ name: 'gw' }],
      hostnames: [HOST],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/split' } }],
          filters: [
            urlRewrite({ type: 'ReplacePrefixMatch', replacePrefixMatch: '/rule' }),
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-rule', value: 'split' }] } },
          ],
          backendRefs: [
            {
              name: 'a',
              port: 80,
              weight: 1,
              filters: [urlRewrite({ type: 'ReplaceFullPath', replaceFullPath: '/to-a' }, 'a.internal')],
            },
            { name: 'b', port: 80, weight: 1 },
            {
              name: 'c',
              port: 80,
              weight: 2,
              filters: [
                urlRewrite({ type: 'ReplacePrefixMatch', replacePrefixMatch: '/to-c' }),
                {
                  type: 'RequestHeaderModifier',
                  requestHeaderModifier: { set: [{ name: 'x-backend-filter', value: 'c' }] },
                },
              ],
            },
            { name: 'missing', port: 80, weight: 1 },
          ],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/host' } }],
          filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'rule.internal' } }],
          backendRefs: [
            { name: 'a', port: 80, filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'a.internal' } }] },
          ],
        },
      ],
    }),
  ]);
  await waitFor(async () => (await get('/host')).status === 200, { timeoutMs: 30_000, what: 'the routes' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all(Object.values(backends).map((b) => b.close()));
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

describe('the conformance rules', () => {
  test('ReplaceFullPath on the backendRef', async () => {
    const reply = await echo('/full/original');
    expect(reply.backend).toBe('v1');
    expect(reply.path).toBe('/rewritten-full');
  });
  test('ReplacePrefixMatch on the backendRef', async () => {
    const reply = await echo('/prefix/original');
    expect(reply.backend).toBe('v1');
    expect(reply.path).toBe('/rewritten-prefix/original');
  });
});

test("a backend's hostname rewrite wins over the rule's", async () => {
  const reply = await echo('/host/x');
  expect(reply.host).toBe('a.internal');
});

describe('a weighted rule whose backends rewrite the path differently', () => {
  const n = 1000;
  const seen: Record<string, EchoReply[]> = {};
  let errors = 0;
  beforeAll(async () => {
    for (let i = 0; i < n; i++) {
      const res = await get(`/split/page?i=${i}`);
      if (res.status !== 200) {
        expect(res.status).toBe(500);
        errors++;
        continue;
      }
      const reply = JSON.parse(res.body) as EchoReply;
      (seen[reply.backend] ??= []).push(reply);
    }
  }, 60_000);

  test('each backend gets its own path, Host and header filters; the rule-level ones apply to all', () => {
    for (const r of seen.a ?? []) {
      expect(r.path).toMatch(/^\/to-a\?i=\d+$/);
      expect(r.host).toBe('a.internal');
    }
    for (const r of seen.b ?? []) expect(r.path).toMatch(/^\/rule\/page\?i=\d+$/);
    for (const r of seen.c ?? []) {
      expect(r.path).toMatch(/^\/to-c\/page\?i=\d+$/);
      expect(r.headers['x-backend-filter']).toBe('c');
    }
    for (const r of [...(seen.a ?? []), ...(seen.b ?? [])]) expect(r.headers['x-backend-filter']).toBeUndefined();
    for (const r of [...(seen.a ?? []), ...(seen.b ?? []), ...(seen.c ?? [])]) {
      expect(r.headers['x-rule']).toBe('split');
      if (r.backend !== 'a') expect(r.host).toBe(HOST);
    }
  });

  test('requests are shared by weight 1:1:2:1 (the unresolved share answers 500)', () => {
    const count = (name: string) => seen[name]?.length ?? 0;
    expect(count('a') + count('b') + count('c') + errors).toBe(n);
    // Shares 0.2, 0.2, 0.4, 0.2 of 1000: binomial standard deviations 12.6 and 15.5; five of them.
    expect(Math.abs(count('a') - 200)).toBeLessThanOrEqual(63);
    expect(Math.abs(count('b') - 200)).toBeLessThanOrEqual(63);
    expect(Math.abs(count('c') - 400)).toBeLessThanOrEqual(78);
    expect(Math.abs(errors - 200)).toBeLessThanOrEqual(63);
  });
});
