import { request } from 'node:http';
import { answerDebugRequest, startDebugServer } from '../../src/debug/debug-server.js';
import type { DebugSources } from '../../src/debug/debug-server.js';
import { MetricsRegistry } from '../../src/shared/metrics.js';
import { SECRET } from '../../src/proto/type-urls.js';
import type { XdsResources } from '../../src/translate/xds/types.js';
import { FakeXds } from '../support/fake-xds.js';

const resources: XdsResources = {
  listeners: [],
  routes: [],
  clusters: [{ name: 'default/web/80', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } }],
  endpoints: [{ cluster_name: 'default/web/80' }],
  secrets: [
    {
      name: 'default/cert',
      tls_certificate: {
        certificate_chain: { inline_string: 'CERT' },
        private_key: { inline_string: 'PRIVATE KEY MATERIAL' },
      },
    },
  ],
};

function sources(ready = true): { xds: FakeXds; sources: DebugSources } {
  const xds = new FakeXds();
  xds.publish('default/public', resources);
  xds.connect('default/public/host-0', 'default/public');
  const metrics = new MetricsRegistry();
  metrics.counter('portico_demo_total', 'Demo.').inc();
  metrics.addCollector(() => xds.xdsMetrics());
  return {
    xds,
    sources: {
      publisher: xds,
      tracker: xds,
      metrics,
      status: () => ({ synced: true, resources: [], errors: [{ file: 'a.yaml', line: 3, message: 'bad' }] }),
      readiness: () => (ready ? { ready: true, waitingFor: [] } : { ready: false, waitingFor: ['initial sync'] }),
    },
  };
}

const get = (s: DebugSources, url: string) => answerDebugRequest(s, 'GET', url);

describe('debug endpoints', () => {
  it('dumps one Gateway, with private keys redacted, optionally one type', () => {
    const { sources: s } = sources();
    const all = get(s, '/debug/config_dump?gateway=default/public');
    expect(all.status).toBe(200);
    expect(all.contentType).toMatch(/application\/json/);
    expect(all.body).not.toContain('PRIVATE KEY MATERIAL');
    expect(all.body).toContain('[redacted]');
    expect(all.body).toContain('\n  "gateway": "default/public"'); // pretty-printed
    const secret = JSON.parse(all.body).resources.secrets[0].resource;
    expect(secret).toMatchObject({
      '@type': SECRET,
      tls_certificate: { certificate_chain: { inline_string: 'CERT' } },
    });

    const clusters = JSON.parse(get(s, '/debug/config_dump?gateway=default%2Fpublic&type=clusters').body);
    expect(Object.keys(clusters.resources)).toEqual(['clusters']);
    expect(clusters.resources.clusters[0].name).toBe('default/web/80');
  });

  it('dumps every Gateway without a gateway parameter, and rejects unknown ones', () => {
    const { sources: s } = sources();
    expect(JSON.parse(get(s, '/debug/config_dump').body).gateways.map((d: { gateway: string }) => d.gateway)).toEqual([
      'default/public',
    ]);
    const missing = get(s, '/debug/config_dump?gateway=default/nope');
    expect([missing.status, JSON.parse(missing.body)]).toEqual([
      404,
      { error: 'no snapshot for Gateway default/nope', gateways: ['default/public'] },
    ]);
    expect(get(s, '/debug/config_dump?gateway=default/public&type=things').status).toBe(400);
  });

  it('lists clients and the status with errors', () => {
    const { sources: s } = sources();
    expect(JSON.parse(get(s, '/debug/clients').body).clients).toEqual([
      expect.objectContaining({ nodeId: 'default/public/host-0', gateway: 'default/public' }),
    ]);
    expect(JSON.parse(get(s, '/debug/status').body).errors).toEqual([{ file: 'a.yaml', line: 3, message: 'bad' }]);
  });

  it('serves metrics including the ADS server collector', () => {
    const { sources: s } = sources();
    const metrics = get(s, '/metrics');
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metrics.body).toContain('portico_demo_total 1\n');
    expect(metrics.body).toContain('portico_xds_pushes_total 1\n');
  });

  it('answers health and readiness', () => {
    expect(get(sources().sources, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(get(sources().sources, '/readyz').status).toBe(200);
    expect(get(sources(false).sources, '/readyz')).toMatchObject({ status: 503, body: 'not ready: initial sync\n' });
    expect(get(sources().sources, '/nope').status).toBe(404);
    expect(answerDebugRequest(sources().sources, 'POST', '/healthz').status).toBe(405);
  });

  it('answers only health and metrics in the public scope: nothing that names a tenant object', () => {
    const { sources: s } = sources();
    const pub = (url: string) => answerDebugRequest(s, 'GET', url, 'public');
    expect(pub('/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(pub('/readyz').status).toBe(200);
    expect(pub('/metrics').body).toContain('portico_demo_total 1\n');
    for (const path of [
      '/debug/config_dump',
      '/debug/config_dump?gateway=default/public',
      '/debug/clients',
      '/debug/status',
      '/debug',
      '/',
      '/%64ebug/clients',
      '//debug/clients',
      '/debug/../debug/clients',
    ]) {
      const answer = pub(path);
      expect([path, answer.status]).toEqual([path, 404]);
      expect(answer.body).not.toContain('default/public');
      expect(answer.body).not.toContain('default/web/80');
    }
  });

  it('serves /debug on the debug listener and not on the public (metrics) listener', async () => {
    const { sources: s } = sources();
    const debug = await startDebugServer({ host: '127.0.0.1', port: 0 }, s);
    const pub = await startDebugServer({ host: '127.0.0.1', port: 0 }, s, undefined, 'public');
    try {
      const fetchText = async (port: number, path: string) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: res.status, body: await res.text() };
      };
      expect((await fetchText(debug.address().port, '/debug/clients')).status).toBe(200);
      const refused = await fetchText(pub.address().port, '/debug/clients');
      expect(refused.status).toBe(404);
      expect(refused.body).not.toContain('default/public');
      expect((await fetchText(pub.address().port, '/debug/config_dump')).status).toBe(404);
      expect((await fetchText(pub.address().port, '/healthz')).status).toBe(200);
      expect((await fetchText(pub.address().port, '/metrics')).body).toContain('portico_xds_pushes_total 1\n');
    } finally {
      await debug.close();
      await pub.close();
    }
  });

  it('serves over HTTP on loopback', async () => {
    const server = await startDebugServer({ host: '127.0.0.1', port: 0 }, sources().sources);
    try {
      const { port } = server.address();
      const body = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/debug/clients' }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        })
          .on('error', reject)
          .end();
      });
      expect(body.status).toBe(200);
      expect(JSON.parse(body.body).clients).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
