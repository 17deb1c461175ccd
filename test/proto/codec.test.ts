import { checkRoundTrip, decodeResource, encodeResource } from '../../src/proto/codec.js';
import {
  CLUSTER,
  HTTP_CONNECTION_MANAGER,
  LISTENER,
  ROUTE_CONFIGURATION,
  ROUTER,
  SECRET,
} from '../../src/proto/type-urls.js';
import type { EnvoyMessage } from '../../src/translate/xds/types.js';

function listener(hcmExtra: EnvoyMessage = {}): EnvoyMessage {
  return {
    name: 'l',
    address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HTTP_CONNECTION_MANAGER,
              stat_prefix: 'http',
              rds: { route_config_name: 'r', config_source: { ads: {}, resource_api_version: 'V3' } },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
              ...hcmExtra,
            },
          },
        ],
      },
    ],
  };
}

function routeConfig(route: EnvoyMessage): EnvoyMessage {
  return {
    name: 'r',
    virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, ...route }] }],
  };
}

describe('checkRoundTrip', () => {
  it('accepts a well-formed listener with packed Anys', () => {
    expect(checkRoundTrip(LISTENER, listener())).toEqual([]);
  });

  it('reports an unknown key with its path', () => {
    expect(checkRoundTrip(LISTENER, listener({ stat_prefx: 'x' }))).toEqual([
      'filter_chains[0].filters[0].typed_config.stat_prefx: unknown field',
    ]);
  });

  it('reports an Any whose type is not loaded', () => {
    const msg = listener();
    const filter = ((msg.filter_chains as EnvoyMessage[])[0]?.filters as EnvoyMessage[])[0] as EnvoyMessage;
    filter.typed_config = { '@type': 'type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy' };
    const problems = checkRoundTrip(LISTENER, msg);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^filter_chains\[0\]\.filters\[0\]\.typed_config\.@type: .*RedisProxy is not loaded/);
  });

  it('reports an enum string that is not a value of the enum', () => {
    const problems = checkRoundTrip(LISTENER, listener({ codec_type: 'HTTP4' }));
    expect(problems).toEqual([
      expect.stringMatching(
        /^filter_chains\[0\]\.filters\[0\]\.typed_config\.codec_type: "HTTP4" is not a value of enum/,
      ),
    ]);
  });

  it('reports values of the wrong type', () => {
    const problems = checkRoundTrip(ROUTE_CONFIGURATION, routeConfig({ route: { cluster: 'c', timeout: '5s' } }));
    expect(problems).toEqual([
      expect.stringMatching(/routes\[0\]\.route\.timeout: expected a google\.protobuf\.Duration object/),
    ]);
    expect(checkRoundTrip(CLUSTER, { name: 'c', connect_timeout: { seconds: 1.5 } })).toEqual([
      expect.stringMatching(/^connect_timeout\.seconds: expected a safe integer/),
    ]);
  });

  it('reports two members of one oneof', () => {
    const problems = checkRoundTrip(ROUTE_CONFIGURATION, routeConfig({ route: { cluster: 'a', cluster_header: 'x' } }));
    expect(problems).toEqual([
      expect.stringMatching(/route\.cluster_header: oneof cluster_specifier is already set by cluster/),
    ]);
  });

  it('checks Struct values, which protobufjs names in camelCase', () => {
    const metadata = (value: EnvoyMessage): EnvoyMessage =>
      routeConfig({
        route: { cluster: 'c' },
        metadata: { filter_metadata: { 'portico.dev': { fields: { k: value } } } },
      });
    expect(checkRoundTrip(ROUTE_CONFIGURATION, metadata({ stringValue: 'v' }))).toEqual([]);
    expect(checkRoundTrip(ROUTE_CONFIGURATION, metadata({ numberValue: 0 }))).toEqual([]);
    expect(checkRoundTrip(ROUTE_CONFIGURATION, metadata({ string_value: 'v' }))).toEqual([
      "virtual_hosts[0].routes[0].metadata.filter_metadata['portico.dev'].fields['k'].string_value: unknown field",
    ]);
  });

  it('keeps the presence of an empty message (timeout 0 disables, absent means default)', () => {
    const msg = routeConfig({ route: { cluster: 'c', timeout: { seconds: 0 } } });
    expect(checkRoundTrip(ROUTE_CONFIGURATION, msg)).toEqual([]);
    const decoded = decodeResource(ROUTE_CONFIGURATION, encodeResource(ROUTE_CONFIGURATION, msg));
    const route = (decoded.virtual_hosts as EnvoyMessage[])[0]?.routes as EnvoyMessage[];
    expect((route[0]?.route as EnvoyMessage).timeout).toEqual({ seconds: 0 });
    const withoutTimeout = decodeResource(
      ROUTE_CONFIGURATION,
      encodeResource(ROUTE_CONFIGURATION, routeConfig({ route: { cluster: 'c' } })),
    );
    const plain = (withoutTimeout.virtual_hosts as EnvoyMessage[])[0]?.routes as EnvoyMessage[];
    expect('timeout' in (plain[0]?.route as EnvoyMessage)).toBe(false);
  });

  it('accepts defaults that do not survive encoding, and map fields', () => {
    const msg: EnvoyMessage = {
      name: 'c',
      type: 'EDS',
      lb_policy: 'ROUND_ROBIN',
      ignore_health_on_host_removal: false,
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
      ring_hash_lb_config: { minimum_ring_size: { value: 1024 }, maximum_ring_size: { value: '4096' } },
    };
    expect(checkRoundTrip(CLUSTER, msg)).toEqual([]);
  });

  it('reports what protobufjs changed on the way through (a uint64 that overflows)', () => {
    const cluster = { name: 'c', ring_hash_lb_config: { maximum_ring_size: { value: '18446744073709551616' } } };
    expect(checkRoundTrip(CLUSTER, cluster)).toEqual([
      expect.stringMatching(/^ring_hash_lb_config\.maximum_ring_size\.value: lost in round trip/),
    ]);
  });

  it('reports a message protobufjs cannot encode', () => {
    const secret = { name: 's', tls_certificate: { certificate_chain: { inline_bytes: 'not base64!' } } };
    expect(checkRoundTrip(SECRET, secret)).toEqual([expect.stringMatching(/^encode\/decode failed/)]);
    expect(
      checkRoundTrip(SECRET, { name: 's', tls_certificate: { certificate_chain: { inline_bytes: 'Q0VSVA==' } } }),
    ).toEqual([]);
  });

  it('reports an unknown message type URL', () => {
    expect(checkRoundTrip('type.googleapis.com/no.Such', {})).toEqual([
      'type.googleapis.com/no.Such: message type is not loaded in the proto root',
    ]);
  });
});
