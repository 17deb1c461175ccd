/**
 * What an XBackend's spec gives, through a whole translation: its Accepted condition, and the
 * cluster (port, protocol, TLS) and session a route using it gets. Malformed specs (from files,
 * which no schema checks) give a condition, never an exception.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { KubeObject } from '../../../src/resources/types.js';
import { translateGatewayApi } from '../../../src/translate/gatewayapi/index.js';
import * as fixtures from '../../support/fixtures.js';

const CA = readFileSync('test/fixtures/tls/example.crt', 'utf8');
const XGROUP = 'gateway.networking.x-k8s.io';

function translate(spec: unknown) {
  const objects: KubeObject[] = [
    fixtures.gatewayClass({ generation: 1 }),
    fixtures.gateway({ name: 'gw', generation: 1, listeners: [fixtures.listener('http', 80)] }),
    {
      apiVersion: `${XGROUP}/v1alpha1`,
      kind: 'XBackend',
      metadata: { name: 'xb', namespace: 'default', generation: 1 },
      spec,
    } as KubeObject,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
      status: { phase: 'Running', podIP: '10.0.1.1' },
    } as KubeObject,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ca', namespace: 'default' },
      data: { 'ca.crt': CA },
    } as KubeObject,
    fixtures.httpRoute({
      name: 'web',
      generation: 1,
      parentRefs: [{ name: 'gw' }],
      rules: [{ backendRefs: [{ group: XGROUP, kind: 'XBackend', name: 'xb' }] }],
    }),
  ];
  const out = translateGatewayApi(buildResourceSet(objects));
  const xb = out.resources.find((o) => o.kind === 'XBackend') as
    { status?: { ancestors?: { conditions: { reason: string; message: string }[] }[] } } | undefined;
  const accepted = xb?.status?.ancestors?.[0]?.conditions[0];
  const clusters = out.gateways.flatMap((g) => g.clusters).filter((c) => c.name.startsWith('default/xb/'));
  const routes = out.gateways.flatMap((g) => g.routeConfigs);
  return { accepted: accepted && { reason: accepted.reason, message: accepted.message }, clusters, routes };
}

const base = {
  type: 'EndpointSelector',
  port: { number: 8080 },
  endpointSelector: { matchLabels: { app: 'web' } },
};
const validation = { hostname: 'web.example.com', caCertificateRefs: [{ kind: 'ConfigMap', name: 'ca' }] };

const CASES: [string, unknown][] = [
  ['valid', base],
  ['spec null', null],
  ['spec a list', [base]],
  ['spec a string', 'x'],
  ['type ExternalHostname', { ...base, type: 'ExternalHostname' }],
  ['type missing', { ...base, type: undefined }],
  ['type a number', { ...base, type: 3 }],
  ['endpointSelector null', { ...base, endpointSelector: null }],
  ['endpointSelector a list', { ...base, endpointSelector: [{ matchLabels: { app: 'web' } }] }],
  ['matchLabels empty', { ...base, endpointSelector: { matchLabels: {} } }],
  ['matchLabels a list', { ...base, endpointSelector: { matchLabels: ['app'] } }],
  ['matchLabels value a number', { ...base, endpointSelector: { matchLabels: { app: 5 } } }],
  ['port null', { ...base, port: null }],
  ['port a string', { ...base, port: '8080' }],
  ['port.number a string', { ...base, port: { number: '8080' } }],
  ['port.number 0', { ...base, port: { number: 0 } }],
  ['port.number 1.5', { ...base, port: { number: 1.5 } }],
  ['protocol null', { ...base, protocol: null }],
  ['protocol MCP', { ...base, protocol: 'MCP' }],
  ['protocol a number', { ...base, protocol: 2 }],
  ['protocol H2C', { ...base, protocol: 'H2C' }],
  ['protocol TCP', { ...base, protocol: 'TCP' }],
  ['protocol HTTP2 without TLS', { ...base, protocol: 'HTTP2' }],
  ['protocol WSS without TLS', { ...base, protocol: 'WSS' }],
  ['tls null', { ...base, tls: null }],
  ['tls a string', { ...base, tls: 'ServerOnly' }],
  ['tls a list', { ...base, tls: [{ mode: 'ServerOnly' }] }],
  ['tls.mode None', { ...base, tls: { mode: 'None' } }],
  ['tls.mode null', { ...base, tls: { mode: null } }],
  ['tls.mode ClientAndServer', { ...base, tls: { mode: 'ClientAndServer' } }],
  ['tls.mode a number', { ...base, tls: { mode: 1 } }],
  ['tls ServerOnly, no validation', { ...base, tls: { mode: 'ServerOnly' } }],
  ['tls ServerOnly, validation a list', { ...base, tls: { mode: 'ServerOnly', validation: [validation] } }],
  [
    'tls ServerOnly, bad hostname',
    { ...base, tls: { mode: 'ServerOnly', validation: { ...validation, hostname: 5 } } },
  ],
  ['tls ServerOnly', { ...base, tls: { mode: 'ServerOnly', validation } }],
  ['tls ServerOnly, HTTP2', { ...base, protocol: 'HTTP2', tls: { mode: 'ServerOnly', validation } }],
  [
    'tls ServerOnly, missing ConfigMap',
    {
      ...base,
      tls: {
        mode: 'ServerOnly',
        validation: { ...validation, caCertificateRefs: [{ kind: 'ConfigMap', name: 'nope' }] },
      },
    },
  ],
  [
    'tls ServerOnly, Secret ref',
    {
      ...base,
      tls: { mode: 'ServerOnly', validation: { ...validation, caCertificateRefs: [{ kind: 'Secret', name: 'ca' }] } },
    },
  ],
  [
    'tls ServerOnly, System',
    {
      ...base,
      tls: { mode: 'ServerOnly', validation: { hostname: 'web.example.com', wellKnownCACertificates: 'System' } },
    },
  ],
  [
    'missing ConfigMap before a bad session',
    {
      ...base,
      tls: {
        mode: 'ServerOnly',
        validation: { ...validation, caCertificateRefs: [{ kind: 'ConfigMap', name: 'nope' }] },
      },
      sessionPersistence: { type: 'Token' },
    },
  ],
  ['sessionPersistence false', { ...base, sessionPersistence: false }],
  ['sessionPersistence a string', { ...base, sessionPersistence: 'sticky' }],
  ['sessionPersistence a list', { ...base, sessionPersistence: [{ type: 'Header' }] }],
  ['sessionPersistence {}', { ...base, sessionPersistence: {} }],
  ['sessionPersistence idleTimeout', { ...base, sessionPersistence: { idleTimeout: '1m' } }],
  ['sessionPersistence type Token', { ...base, sessionPersistence: { type: 'Token' } }],
  ['sessionPersistence type null', { ...base, sessionPersistence: { type: null } }],
  ['sessionPersistence Header', { ...base, sessionPersistence: { type: 'Header', header: { name: 'X-Session' } } }],
  ['sessionPersistence Header, no header', { ...base, sessionPersistence: { type: 'Header' } }],
  ['sessionPersistence Header, header a string', { ...base, sessionPersistence: { type: 'Header', header: 'x' } }],
  ['sessionPersistence Header, bad name', { ...base, sessionPersistence: { type: 'Header', header: { name: 'a b' } } }],
  ['sessionPersistence cookie a list', { ...base, sessionPersistence: { cookie: [{ name: 'sid' }] } }],
  ['sessionPersistence cookie.name null', { ...base, sessionPersistence: { cookie: { name: null } } }],
  ['sessionPersistence cookie.name a number', { ...base, sessionPersistence: { cookie: { name: 5 } } }],
  ['sessionPersistence cookie.name bad', { ...base, sessionPersistence: { cookie: { name: 'a;b' } } }],
  ['sessionPersistence cookie.path null', { ...base, sessionPersistence: { cookie: { path: null } } }],
  ['sessionPersistence cookie.path empty', { ...base, sessionPersistence: { cookie: { path: '' } } }],
  ['sessionPersistence cookie.path a number', { ...base, sessionPersistence: { cookie: { path: 1 } } }],
  ['sessionPersistence cookie', { ...base, sessionPersistence: { cookie: { name: 'sid', path: '/app' } } }],
  ['sessionPersistence absoluteTimeout null', { ...base, sessionPersistence: { absoluteTimeout: null } }],
  ['sessionPersistence absoluteTimeout bad', { ...base, sessionPersistence: { absoluteTimeout: 'soon' } }],
  ['sessionPersistence session cookie with timeout', { ...base, sessionPersistence: { absoluteTimeout: '1h' } }],
  [
    'sessionPersistence permanent cookie',
    { ...base, sessionPersistence: { absoluteTimeout: '1h', cookie: { lifetimeType: 'Permanent' } } },
  ],
  [
    'sessionPersistence permanent cookie, short timeout',
    { ...base, sessionPersistence: { absoluteTimeout: '500ms', cookie: { lifetimeType: 'Permanent' } } },
  ],
  [
    'sessionPersistence permanent cookie, no timeout',
    { ...base, sessionPersistence: { cookie: { lifetimeType: 'Permanent' } } },
  ],
];

/** The Accepted condition, then each cluster of the XBackend, then the session of the route. */
function summary(spec: unknown): string {
  const { accepted, clusters, routes } = translate(spec);
  const session = JSON.stringify(routes).match(/"sessionPersistence":(\{[^}]*\})/)?.[1];
  return [
    accepted ? `${accepted.reason}: ${accepted.message}` : 'no status',
    ...clusters.map((c) =>
      [
        c.name,
        c.protocol,
        ...c.endpoints.map((e) => `${e.address}:${e.port}`),
        ...(c.tls ? [`tls=${c.tls.sni}`] : []),
      ].join(' '),
    ),
    ...(session ? [`session ${session}`] : []),
  ].join(' | ');
}

/** What each case gave before the XBackend reader. */
const EXPECTED: Record<string, string> = {
  valid: 'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080',
  'spec null': 'Invalid: spec is required',
  'spec a list': 'Invalid: spec is required',
  'spec a string': 'Invalid: spec is required',
  'type ExternalHostname':
    'UnsupportedValue: type ExternalHostname is not supported by Portico; use type EndpointSelector',
  'type missing': 'UnsupportedValue: type undefined is not supported',
  'type a number': 'UnsupportedValue: type 3 is not supported',
  'endpointSelector null': 'Invalid: endpointSelector.matchLabels must name at least one label',
  'endpointSelector a list': 'Invalid: endpointSelector.matchLabels must name at least one label',
  'matchLabels empty': 'Invalid: endpointSelector.matchLabels must name at least one label',
  'matchLabels a list': 'Invalid: endpointSelector.matchLabels must name at least one label',
  'matchLabels value a number': 'Accepted: XBackend is accepted | default/xb/xbackend http1',
  'port null': 'Invalid: port.number undefined is not a port number',
  'port a string': 'Invalid: port.number undefined is not a port number',
  'port.number a string': 'Invalid: port.number "8080" is not a port number',
  'port.number 0': 'Invalid: port.number 0 is not a port number',
  'port.number 1.5': 'Invalid: port.number 1.5 is not a port number',
  'protocol null': 'UnsupportedValue: protocol null is not supported by Portico',
  'protocol MCP': 'UnsupportedValue: protocol MCP is not supported by Portico',
  'protocol a number': 'UnsupportedValue: protocol 2 is not supported by Portico',
  'protocol H2C': 'Accepted: XBackend is accepted | default/xb/xbackend http2 10.0.1.1:8080',
  'protocol TCP': 'Accepted: XBackend is accepted',
  'protocol HTTP2 without TLS': 'Invalid: protocol HTTP2 needs TLS (tls.mode ServerOnly)',
  'protocol WSS without TLS': 'Invalid: protocol WSS needs TLS (tls.mode ServerOnly)',
  'tls null': 'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080',
  'tls a string': 'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080',
  'tls a list': 'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080',
  'tls.mode None': 'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080',
  'tls.mode null': 'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080',
  'tls.mode ClientAndServer':
    'UnsupportedValue: tls.mode ClientAndServer is not supported by Portico; use ServerOnly or None',
  'tls.mode a number': 'UnsupportedValue: tls.mode 1 is not supported',
  'tls ServerOnly, no validation': 'Invalid: tls.validation: spec.validation is required',
  'tls ServerOnly, validation a list': 'Invalid: tls.validation: spec.validation is required',
  'tls ServerOnly, bad hostname': 'Invalid: tls.validation: validation.hostname 5 is not a DNS name',
  'tls ServerOnly': 'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 tls=web.example.com',
  'tls ServerOnly, HTTP2':
    'Accepted: XBackend is accepted | default/xb/xbackend http2 10.0.1.1:8080 tls=web.example.com',
  'tls ServerOnly, missing ConfigMap':
    'NoValidCACertificate: tls.validation: no caCertificateRef gives a usable CA certificate',
  'tls ServerOnly, Secret ref':
    'NoValidCACertificate: tls.validation: no caCertificateRef gives a usable CA certificate',
  'tls ServerOnly, System':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 tls=web.example.com',
  'missing ConfigMap before a bad session':
    'NoValidCACertificate: tls.validation: no caCertificateRef gives a usable CA certificate',
  'sessionPersistence false':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"portico.default.xb","path":"/"}',
  'sessionPersistence a string':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"portico.default.xb","path":"/"}',
  'sessionPersistence a list':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"portico.default.xb","path":"/"}',
  'sessionPersistence {}':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"portico.default.xb","path":"/"}',
  'sessionPersistence idleTimeout':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"portico.default.xb","path":"/"}',
  'sessionPersistence type Token': 'UnsupportedValue: sessionPersistence: type Token is not supported',
  'sessionPersistence type null':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"portico.default.xb","path":"/"}',
  'sessionPersistence Header':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Header","headerName":"x-session"}',
  'sessionPersistence Header, no header':
    'UnsupportedValue: sessionPersistence: type Header needs a valid header.name, got undefined',
  'sessionPersistence Header, header a string':
    'UnsupportedValue: sessionPersistence: type Header needs a valid header.name, got undefined',
  'sessionPersistence Header, bad name':
    'UnsupportedValue: sessionPersistence: type Header needs a valid header.name, got "a b"',
  'sessionPersistence cookie a list':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"portico.default.xb","path":"/"}',
  'sessionPersistence cookie.name null':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"portico.default.xb","path":"/"}',
  'sessionPersistence cookie.name a number': 'UnsupportedValue: sessionPersistence: invalid cookie.name 5',
  'sessionPersistence cookie.name bad': 'UnsupportedValue: sessionPersistence: invalid cookie.name "a;b"',
  'sessionPersistence cookie.path null':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"portico.default.xb","path":"/"}',
  'sessionPersistence cookie.path empty': 'UnsupportedValue: sessionPersistence: invalid cookie.path ""',
  'sessionPersistence cookie.path a number': 'UnsupportedValue: sessionPersistence: invalid cookie.path 1',
  'sessionPersistence cookie':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"sid","path":"/app"}',
  'sessionPersistence absoluteTimeout null': 'UnsupportedValue: sessionPersistence: invalid absoluteTimeout null',
  'sessionPersistence absoluteTimeout bad': 'UnsupportedValue: sessionPersistence: invalid absoluteTimeout "soon"',
  'sessionPersistence session cookie with timeout':
    'UnsupportedValue: sessionPersistence: absoluteTimeout on a Session cookie is not supported by Portico',
  'sessionPersistence permanent cookie':
    'Accepted: XBackend is accepted | default/xb/xbackend http1 10.0.1.1:8080 | session {"type":"Cookie","cookieName":"portico.default.xb","path":"/","ttlSeconds":3600}',
  'sessionPersistence permanent cookie, short timeout':
    'UnsupportedValue: sessionPersistence: a Permanent cookie needs an absoluteTimeout of at least 1s',
  'sessionPersistence permanent cookie, no timeout':
    'UnsupportedValue: sessionPersistence: a Permanent cookie needs an absoluteTimeout of at least 1s',
};

describe('an XBackend through a translation', () => {
  it.each(CASES)('%s', (name, spec) => {
    expect(summary(spec)).toEqual(EXPECTED[name]);
  });

  it('reads sessionPersistence: null as no session (the translator threw on it, and refused the route)', () => {
    expect(summary({ ...base, sessionPersistence: null })).toEqual(summary(base));
  });
});
