import { formatDuration, toProtoJson } from '../../src/proto/proto-json.js';
import { encodeResource } from '../../src/proto/codec.js';
import { CLUSTER, LISTENER, ROUTE_CONFIGURATION } from '../../src/proto/type-urls.js';

describe('toProtoJson', () => {
  const cluster = {
    name: 'default/svc/80',
    type: 'EDS',
    connect_timeout: { seconds: 1, nanos: 500_000_000 },
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    per_connection_buffer_limit_bytes: { value: 32768 },
    ring_hash_lb_config: { maximum_ring_size: { value: 4096 } },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
  };

  it('prints a resource with @type, durations as strings, wrappers bare, enums by name, uint64 as strings', () => {
    expect(toProtoJson(CLUSTER, cluster)).toEqual({
      '@type': CLUSTER,
      name: 'default/svc/80',
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
      connect_timeout: '1.500s',
      per_connection_buffer_limit_bytes: 32768,
      ring_hash_lb_config: { maximum_ring_size: '4096' },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
    });
  });

  it('prints the same from bytes as from the built message', () => {
    expect(toProtoJson(CLUSTER, encodeResource(CLUSTER, cluster))).toEqual(toProtoJson(CLUSTER, cluster));
  });

  it('keeps field declaration order', () => {
    const json = toProtoJson(CLUSTER, cluster) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      '@type',
      'name',
      'type',
      'eds_cluster_config',
      'connect_timeout',
      'per_connection_buffer_limit_bytes',
      // typed_extension_protocol_options is declared before the lb_config oneof in cluster.proto.
      'typed_extension_protocol_options',
      'ring_hash_lb_config',
    ]);
  });

  it('prints Struct metadata as plain JSON and a zero timeout as 0s', () => {
    const json = toProtoJson(ROUTE_CONFIGURATION, {
      name: 'r',
      virtual_hosts: [
        {
          name: 'vh',
          domains: ['*'],
          routes: [
            {
              match: { prefix: '/' },
              route: { cluster: 'c', timeout: { seconds: 0 } },
              metadata: {
                filter_metadata: {
                  'portico.dev': {
                    fields: { name: { stringValue: 'r' }, rule: { numberValue: 0 }, x: { boolValue: true } },
                  },
                },
              },
            },
          ],
        },
      ],
    }) as { virtual_hosts: { routes: Record<string, unknown>[] }[] };
    const route = json.virtual_hosts[0]?.routes[0];
    expect(route?.route).toEqual({ cluster: 'c', timeout: '0s' });
    expect(route?.metadata).toEqual({ filter_metadata: { 'portico.dev': { name: 'r', rule: 0, x: true } } });
  });

  it('prints well-known types inside an Any under "value"', () => {
    const json = toProtoJson(LISTENER, {
      name: 'l',
      filter_chains: [
        {
          filters: [
            { name: 'f', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Duration', seconds: 3 } },
          ],
        },
      ],
    }) as { filter_chains: { filters: { typed_config: unknown }[] }[] };
    expect(json.filter_chains[0]?.filters[0]?.typed_config).toEqual({
      '@type': 'type.googleapis.com/google.protobuf.Duration',
      value: '3s',
    });
  });

  it('formats durations with 0, 3, 6 or 9 fractional digits', () => {
    expect(formatDuration(0, 0)).toBe('0s');
    expect(formatDuration(15, 0)).toBe('15s');
    expect(formatDuration(0, 10_000_000)).toBe('0.010s');
    expect(formatDuration(1, 1_000)).toBe('1.000001s');
    expect(formatDuration(2, 5)).toBe('2.000000005s');
    expect(formatDuration(-1, -500_000_000)).toBe('-1.500s');
  });
});
