import type { IrCluster, IrGateway, IrRoute, IrRouteAction } from '../../../src/ir/types.js';
import { checkRoundTrip } from '../../../src/proto/codec.js';
import { TYPE_URL_BY_KIND } from '../../../src/proto/type-urls.js';
import { translateGatewayToXds } from '../../../src/translate/xds/index.js';
import { XDS_KINDS, type EnvoyMessage } from '../../../src/translate/xds/types.js';

const source = { kind: 'HTTPRoute', namespace: 'default', name: 'web' };
const forward = (extra: Partial<Extract<IrRouteAction, { type: 'forward' }>> = {}): IrRouteAction => ({
  type: 'forward',
  backends: [{ clusterName: 'default/web/80', weight: 1 }],
  mirrors: [],
  websocket: false,
  ...extra,
});
let ruleIndex = 0;
function route(path: IrRoute['match']['path'], action: IrRouteAction, extra: Partial<IrRoute> = {}): IrRoute {
  const rule = ruleIndex++;
  return {
    name: `httproute/default/web/rule/${rule}/match/0`,
    source: { ...source, rule, match: 0 },
    match: { path, headers: [], queryParams: [] },
    action,
    ...extra,
  };
}

const routes: IrRoute[] = [
  route({ type: 'Exact', value: '/exact' }, forward({ timeoutMs: 0 }), {
    source: { ...source, rule: 90, ruleName: 'named', match: 2 },
  }),
  route(
    { type: 'PathPrefix', value: '/api/' },
    forward({
      backends: [
        {
          clusterName: 'default/web/80',
          weight: 3,
          requestHeaders: { set: [{ name: 'x-b', value: '1' }], add: [], remove: [] },
        },
        { clusterName: 'default/grpc/9000', weight: 1 },
      ],
      timeoutMs: 1500,
      perTryTimeoutMs: 250,
      retry: { codes: [502, 503], numRetries: 2, backoffMs: 100 },
      mirrors: [
        { clusterName: 'default/mirror/80', numerator: 50, denominator: 100 },
        { clusterName: 'default/mirror/80', numerator: 100, denominator: 100 },
      ],
      hostRewrite: 'internal.example.com',
      pathRewrite: { type: 'ReplacePrefixMatch', value: '/v2', matchedPrefix: '/api/' },
      websocket: true,
    }),
    {
      requestHeaders: {
        set: [{ name: 'x-set', value: 'a' }],
        add: [{ name: 'x-add', value: 'b' }],
        remove: ['x-remove', 'Host'],
      },
      responseHeaders: { set: [], add: [{ name: 'x-resp', value: 'c' }], remove: ['server'] },
      cors: {
        allowOrigins: [
          { type: 'Exact', value: 'https://a.example.com' },
          { type: 'RegularExpression', value: 'https://.*\\.example\\.org' },
        ],
        allowMethods: ['GET', 'POST'],
        allowHeaders: ['x-h'],
        exposeHeaders: ['x-e'],
        maxAgeSeconds: 600,
        allowCredentials: true,
      },
      sessionPersistence: { type: 'Cookie', cookieName: 'sticky', ttlSeconds: 3600, path: '/api' },
    },
  ),
  route({ type: 'RegularExpression', value: '/re/[0-9]+' }, forward({ retry: { codes: [], numRetries: 1 } }), {
    sessionPersistence: { type: 'Header', headerName: 'x-session' },
  }),
  {
    ...route(
      { type: 'PathPrefix', value: '/strip' },
      forward({ pathRewrite: { type: 'ReplacePrefixMatch', value: '/', matchedPrefix: '/strip' } }),
    ),
    match: {
      path: { type: 'PathPrefix', value: '/strip' },
      method: 'GET',
      headers: [
        { name: 'x-exact', match: { type: 'Exact', value: 'v' } },
        { name: 'x-re', match: { type: 'RegularExpression', value: 'v[0-9]' } },
      ],
      queryParams: [{ name: 'q', match: { type: 'Exact', value: '1' } }],
    },
  },
  route(
    { type: 'PathPrefix', value: '/full' },
    forward({ pathRewrite: { type: 'ReplaceFullPath', value: '/other' }, perTryTimeoutMs: 1000 }),
  ),
  route(
    { type: 'PathPrefix', value: '/old' },
    {
      type: 'redirect',
      scheme: 'https',
      hostname: 'new.example.com',
      port: 8443,
      path: { type: 'ReplacePrefixMatch', value: '/new', matchedPrefix: '/old' },
      statusCode: 302,
    },
  ),
  route(
    { type: 'PathPrefix', value: '/moved' },
    { type: 'redirect', path: { type: 'ReplaceFullPath', value: '/here' }, statusCode: 301 },
  ),
  route({ type: 'PathPrefix', value: '/gone' }, { type: 'direct', status: 410, body: 'gone' }),
  route({ type: 'PathPrefix', value: '/' }, { type: 'direct', status: 500 }),
];

const cluster = (name: string, protocol: IrCluster['protocol'], endpoints: IrCluster['endpoints']): IrCluster => {
  const [namespace = '', service = '', port = '0'] = name.split('/');
  return { name, source: { kind: 'Service', namespace, name: service, port: Number(port) }, protocol, endpoints };
};

const ir: IrGateway = {
  name: 'default/eg',
  namespace: 'default',
  gatewayName: 'eg',
  listeners: [
    {
      name: 'default/eg/https-8443',
      address: '0.0.0.0',
      port: 8443,
      protocol: 'HTTPS',
      filterChains: [
        {
          name: 'default/eg/https-8443/a.example.com',
          serverNames: ['a.example.com'],
          tls: { certificateSecretNames: ['default/cert-a'], alpnProtocols: ['h2', 'http/1.1'] },
          http: {
            statPrefix: 'https-8443',
            routeConfigName: 'default/eg/https-8443',
            filters: ['cors', 'stateful_session_cookie', 'stateful_session_header'],
          },
        },
        {
          name: 'default/eg/https-8443/wildcard',
          serverNames: ['*.example.com'],
          tls: { certificateSecretNames: ['default/cert-b'], alpnProtocols: [] },
          http: { statPrefix: 'https-8443', routeConfigName: 'default/eg/https-8443', filters: [] },
        },
      ],
    },
    {
      name: 'default/eg/http-8080',
      address: '0.0.0.0',
      port: 8080,
      protocol: 'HTTP',
      filterChains: [
        {
          name: 'default/eg/http-8080',
          serverNames: [],
          http: {
            statPrefix: 'http-8080',
            routeConfigName: 'default/eg/http-8080',
            filters: ['cors', 'stateful_session_cookie', 'stateful_session_header'],
          },
        },
      ],
    },
  ],
  routeConfigs: [
    {
      name: 'default/eg/http-8080',
      virtualHosts: [
        { name: 'www.example.com', domains: ['www.example.com'], routes },
        { name: 'wildcard', domains: ['*'], routes: [] },
      ],
    },
    {
      name: 'default/eg/https-8443',
      virtualHosts: [{ name: 'a.example.com', domains: ['a.example.com'], routes: routes.slice(0, 2) }],
    },
  ],
  clusters: [
    cluster('default/web/80', 'http1', [
      { address: '10.0.0.2', port: 8080 },
      { address: '10.0.0.1', port: 8080 },
      { address: '10.0.0.2', port: 8080 },
    ]),
    cluster('default/grpc/9000', 'http2', [{ address: 'fd00::1', port: 9000 }]),
    cluster('default/mirror/80', 'http1', []),
  ],
  secrets: [
    {
      name: 'default/cert-b',
      source: { kind: 'Secret', namespace: 'default', name: 'cert-b' },
      certificateChain: 'CERT-B',
      privateKey: 'KEY-B',
    },
    {
      name: 'default/cert-a',
      source: { kind: 'Secret', namespace: 'default', name: 'cert-a' },
      certificateChain: 'CERT-A',
      privateKey: 'KEY-A',
    },
  ],
};

const xds = translateGatewayToXds(ir);
const byName = (list: EnvoyMessage[], name: string, field = 'name'): EnvoyMessage => {
  const found = list.find((m) => m[field] === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};
const httpRoutes = (byName(xds.routes, 'default/eg/http-8080').virtual_hosts as EnvoyMessage[])[0]
  ?.routes as EnvoyMessage[];
const envoyRoute = (prefix: string): EnvoyMessage => {
  const found = httpRoutes.find((r) => JSON.stringify(r.match).includes(`"${prefix}"`));
  if (!found) throw new Error(`no route for ${prefix}`);
  return found;
};

describe('translateGatewayToXds', () => {
  it.each(XDS_KINDS)('emits %s that survive the schema-aware round trip', (kind) => {
    expect(xds[kind].length).toBeGreaterThan(0);
    for (const resource of xds[kind]) expect(checkRoundTrip(TYPE_URL_BY_KIND[kind], resource)).toEqual([]);
  });

  it('sorts every list by name and is deterministic', () => {
    expect(xds.listeners.map((l) => l.name)).toEqual(['default/eg/http-8080', 'default/eg/https-8443']);
    expect(xds.clusters.map((c) => c.name)).toEqual(['default/grpc/9000', 'default/mirror/80', 'default/web/80']);
    expect(xds.endpoints.map((c) => c.cluster_name)).toEqual([
      'default/grpc/9000',
      'default/mirror/80',
      'default/web/80',
    ]);
    expect(xds.secrets.map((s) => s.name)).toEqual(['default/cert-a', 'default/cert-b']);
    expect(JSON.stringify(translateGatewayToXds(ir))).toBe(JSON.stringify(xds));
  });

  it('builds an HTTPS listener with tls_inspector, SNI chains and SDS certificates', () => {
    const listener = byName(xds.listeners, 'default/eg/https-8443');
    expect(listener.listener_filters).toEqual([
      {
        name: 'envoy.filters.listener.tls_inspector',
        typed_config: { '@type': expect.stringContaining('TlsInspector') },
      },
    ]);
    const chains = listener.filter_chains as EnvoyMessage[];
    expect(chains.map((c) => c.filter_chain_match)).toEqual([
      { server_names: ['a.example.com'] },
      { server_names: ['*.example.com'] },
    ]);
    expect((chains[0]?.transport_socket as EnvoyMessage).typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      common_tls_context: {
        tls_certificate_sds_secret_configs: [
          { name: 'default/cert-a', sds_config: { ads: {}, resource_api_version: 'V3' } },
        ],
        alpn_protocols: ['h2', 'http/1.1'],
      },
    });
  });

  it('builds an HTTP listener with one chain, RDS over ADS, optional filters then the router', () => {
    const listener = byName(xds.listeners, 'default/eg/http-8080');
    expect(listener.listener_filters).toBeUndefined();
    const chains = listener.filter_chains as EnvoyMessage[];
    expect(chains).toHaveLength(1);
    const hcm = ((chains[0]?.filters as EnvoyMessage[])[0] as EnvoyMessage).typed_config as EnvoyMessage;
    expect(hcm.rds).toEqual({
      config_source: { ads: {}, resource_api_version: 'V3' },
      route_config_name: 'default/eg/http-8080',
    });
    expect((hcm.http_filters as EnvoyMessage[]).map((f) => f.name)).toEqual([
      'envoy.filters.http.cors',
      'envoy.filters.http.stateful_session',
      'envoy.filters.http.router',
    ]);
    expect(hcm.upgrade_configs).toEqual([{ upgrade_type: 'websocket' }]);
  });

  it('matches paths, headers, query parameters and method', () => {
    expect(envoyRoute('/exact').match).toEqual({ path: '/exact' });
    expect(envoyRoute('/api').match).toEqual({ path_separated_prefix: '/api' });
    expect(envoyRoute('/re/[0-9]+').match).toEqual({ safe_regex: { regex: '/re/[0-9]+' } });
    expect(httpRoutes[httpRoutes.length - 1]?.match).toEqual({ prefix: '/' });
    expect(envoyRoute('/strip').match).toEqual({
      path_separated_prefix: '/strip',
      headers: [
        { name: ':method', string_match: { exact: 'GET' } },
        { name: 'x-exact', string_match: { exact: 'v' } },
        { name: 'x-re', string_match: { safe_regex: { regex: 'v[0-9]' } } },
      ],
      query_parameters: [{ name: 'q', string_match: { exact: '1' } }],
    });
  });

  it('keeps a zero timeout as a present, empty Duration and omits an absent one', () => {
    expect((envoyRoute('/exact').route as EnvoyMessage).timeout).toEqual({ seconds: 0 });
    expect('timeout' in (envoyRoute('/strip').route as EnvoyMessage)).toBe(false);
  });

  it('uses weighted clusters with backend-level headers, retries, mirrors and rewrites', () => {
    const action = envoyRoute('/api').route as EnvoyMessage;
    expect(action.weighted_clusters).toEqual({
      clusters: [
        {
          name: 'default/web/80',
          weight: { value: 3 },
          request_headers_to_add: [{ header: { key: 'x-b', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
        },
        { name: 'default/grpc/9000', weight: { value: 1 } },
      ],
    });
    expect(action.timeout).toEqual({ seconds: 1, nanos: 500_000_000 });
    const otherHosts = {
      retry_host_predicate: [
        {
          name: 'envoy.retry_host_predicates.previous_hosts',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
          },
        },
      ],
      host_selection_retry_max_attempts: 3,
    };
    // v1.7.0: only what the backend did not process, and the listed codes; no `reset` or `5xx`.
    expect(action.retry_policy).toEqual({
      retry_on: 'connect-failure,refused-stream,reset-before-request,retriable-status-codes',
      retriable_status_codes: [502, 503],
      num_retries: { value: 2 },
      ...otherHosts,
      retry_back_off: { base_interval: { seconds: 0, nanos: 100_000_000 } },
      per_try_timeout: { seconds: 0, nanos: 250_000_000 },
    });
    expect(action.request_mirror_policies).toEqual([
      { cluster: 'default/mirror/80', runtime_fraction: { default_value: { numerator: 50, denominator: 'HUNDRED' } } },
      { cluster: 'default/mirror/80' },
    ]);
    expect(action.host_rewrite_literal).toBe('internal.example.com');
    expect(action.prefix_rewrite).toBe('/v2');
    expect(action.upgrade_configs).toEqual([{ upgrade_type: 'websocket', enabled: { value: true } }]);
    expect((envoyRoute('/re/[0-9]+').route as EnvoyMessage).retry_policy).toEqual({
      retry_on: 'connect-failure,refused-stream,reset-before-request',
      num_retries: { value: 1 },
      ...otherHosts,
    });
    expect((envoyRoute('/full').route as EnvoyMessage).retry_policy).toEqual({
      num_retries: { value: 0 },
      per_try_timeout: { seconds: 1 },
    });
  });

  it('uses a single cluster when there is one backend without filters', () => {
    expect((envoyRoute('/exact').route as EnvoyMessage).cluster).toBe('default/web/80');
  });

  it('applies route header modifiers, never touching pseudo-headers or host', () => {
    const r = envoyRoute('/api');
    expect(r.request_headers_to_add).toEqual([
      { header: { key: 'x-set', value: 'a' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-add', value: 'b' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
    ]);
    expect(r.request_headers_to_remove).toEqual(['x-remove']);
    expect(r.response_headers_to_add).toEqual([
      { header: { key: 'x-resp', value: 'c' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
    ]);
    expect(r.response_headers_to_remove).toEqual(['server']);
  });

  it('enables CORS and session persistence per route', () => {
    const perFilter = envoyRoute('/api').typed_per_filter_config as EnvoyMessage;
    expect(perFilter['envoy.filters.http.cors']).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      allow_origin_string_match: [
        { exact: 'https://a.example.com' },
        { safe_regex: { regex: 'https://.*\\.example\\.org' } },
      ],
      allow_methods: 'GET,POST',
      allow_headers: 'x-h',
      expose_headers: 'x-e',
      max_age: '600',
      allow_credentials: { value: true },
      forward_not_matching_preflights: { value: false },
    });
    expect(perFilter['envoy.filters.http.stateful_session']).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute',
      stateful_session: {
        session_state: {
          name: 'envoy.http.stateful_session.cookie',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState',
            cookie: { name: 'sticky', ttl: { seconds: 3600 }, path: '/api' },
          },
        },
      },
    });
    const header = (envoyRoute('/re/[0-9]+').typed_per_filter_config as EnvoyMessage)[
      'envoy.filters.http.stateful_session'
    ];
    expect(header).toMatchObject({
      stateful_session: {
        session_state: { name: 'envoy.http.stateful_session.header', typed_config: { name: 'x-session' } },
      },
    });
    expect(envoyRoute('/exact').typed_per_filter_config).toBeUndefined();
  });

  it('builds redirects and direct responses', () => {
    expect(envoyRoute('/old').redirect).toEqual({
      scheme_redirect: 'https',
      host_redirect: 'new.example.com',
      port_redirect: 8443,
      prefix_rewrite: '/new',
      response_code: 'FOUND',
    });
    expect(envoyRoute('/moved').redirect).toEqual({ path_redirect: '/here' });
    expect(envoyRoute('/gone').direct_response).toEqual({ status: 410, body: { inline_string: 'gone' } });
    expect(httpRoutes[httpRoutes.length - 1]?.direct_response).toEqual({ status: 500 });
  });

  it('keeps the IR route name (which names the source rule and match) and carries no per-route metadata', () => {
    const r = envoyRoute('/exact');
    expect(r.name).toBe(routes[0]?.name);
    // Envoy decodes, validates and hashes every field of every route on each RDS update: a
    // metadata Struct per route cost about 40 % of that, and the name already says the same.
    expect(r.metadata).toBeUndefined();
  });

  it('builds EDS clusters, HTTP/2 upstreams and a load assignment for every cluster', () => {
    const web = byName(xds.clusters, 'default/web/80');
    expect(web).toEqual({
      name: 'default/web/80',
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
      connect_timeout: { seconds: 10 },
    });
    expect(byName(xds.clusters, 'default/grpc/9000').typed_extension_protocol_options).toEqual({
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    });
    expect(byName(xds.endpoints, 'default/mirror/80', 'cluster_name')).toEqual({ cluster_name: 'default/mirror/80' });
    const lbEndpoints = (
      (byName(xds.endpoints, 'default/web/80', 'cluster_name').endpoints as EnvoyMessage[])[0] as EnvoyMessage
    ).lb_endpoints as EnvoyMessage[];
    expect(lbEndpoints.map((e) => ((e.endpoint as EnvoyMessage).address as EnvoyMessage).socket_address)).toEqual([
      { address: '10.0.0.1', port_value: 8080 },
      { address: '10.0.0.2', port_value: 8080 },
    ]);
  });

  it('builds inline TLS certificate secrets', () => {
    expect(byName(xds.secrets, 'default/cert-a')).toEqual({
      name: 'default/cert-a',
      tls_certificate: { certificate_chain: { inline_string: 'CERT-A' }, private_key: { inline_string: 'KEY-A' } },
    });
  });

  // Weights Envoy would reject never reach stage 2: stage 1 answers them with a direct response
  // (test/translate/gatewayapi/routes/weight-limit.test.ts, the backend-*weight* goldens).
  it('never emits a domain in two virtual hosts', () => {
    const [first] = routes;
    const bad = translateGatewayToXds({
      ...ir,
      routeConfigs: [
        {
          name: 'rc',
          virtualHosts: [
            {
              name: 'a',
              domains: ['a.example.com'],
              routes: [first as IrRoute],
            },
            { name: 'dup', domains: ['a.example.com', 'b.example.com'], routes: [] },
          ],
        },
      ],
    });
    const rc = bad.routes[0] as EnvoyMessage;
    const vhs = rc.virtual_hosts as EnvoyMessage[];
    expect(vhs.map((v) => v.domains)).toEqual([['a.example.com'], ['b.example.com']]);
  });
});
