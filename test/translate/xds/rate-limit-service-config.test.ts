/**
 * The rate limit service's configuration for a Gateway: one branch per Global rule, nested as the
 * route's actions build the descriptor, the limit on the last entry, Distinct entries without a value.
 */
import type { IrRateLimitRule } from '../../../src/ir/rate-limit.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadYaml } from '../../../src/resources/load-yaml.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import { translate } from '../../../src/translate/index.js';
import {
  gatewayRateLimitServiceConfig,
  rateLimitServiceConfig,
} from '../../../src/translate/xds/rate-limit-service-config.js';
import { globalRateLimitActions } from '../../../src/translate/xds/rate-limit-global.js';

const ROUTE = 'httproute/default/api/global/0/match/0';

test('a Gateway without Global limits needs no configuration', () => {
  expect(rateLimitServiceConfig('default/gw', [])).toBeUndefined();
  expect(rateLimitServiceConfig('default/gw', [{ name: ROUTE, rules: [] }])).toBeUndefined();
});

test('a rule without selectors is limited on its own entry', () => {
  const rules: IrRateLimitRule[] = [{ clientSelectors: [], limit: { requests: 10, unit: 'Minute' } }];
  expect(rateLimitServiceConfig('default/gw', [{ name: ROUTE, rules }])).toEqual({
    domain: 'default/gw',
    descriptors: [{ key: 'rule', value: `${ROUTE}/global/0`, rate_limit: { unit: 'minute', requests_per_unit: 10 } }],
  });
});

test('headers and source ranges nest in order; Exact has a value, Distinct none', () => {
  const rules: IrRateLimitRule[] = [
    {
      clientSelectors: [
        {
          headers: [
            { name: 'x-user', type: 'Distinct' },
            { name: 'x-plan', type: 'Exact', value: 'free' },
          ],
          sourceCIDR: { type: 'Distinct', cidr: '10.0.0.0/8', family: 4, prefixLength: 8 },
        },
      ],
      limit: { requests: 3, unit: 'Second' },
    },
    {
      clientSelectors: [
        { headers: [], sourceCIDR: { type: 'Exact', cidr: '2001:db8::/32', family: 6, prefixLength: 32 } },
      ],
      limit: { requests: 100, unit: 'Day' },
    },
  ];
  const config = rateLimitServiceConfig('default/gw', [{ name: ROUTE, rules }]);
  expect(config?.descriptors).toEqual([
    {
      key: 'rule',
      value: `${ROUTE}/global/0`,
      descriptors: [
        {
          key: 'selector/0/header/x-user',
          descriptors: [
            {
              key: 'selector/0/header/x-plan',
              value: 'free',
              descriptors: [
                {
                  key: 'masked_remote_address',
                  value: '10.0.0.0/8',
                  descriptors: [{ key: 'remote_address', rate_limit: { unit: 'second', requests_per_unit: 3 } }],
                },
              ],
            },
          ],
        },
      ],
    },
    {
      key: 'rule',
      value: `${ROUTE}/global/1`,
      descriptors: [
        {
          key: 'masked_remote_address',
          value: '2001:db8::/32',
          rate_limit: { unit: 'day', requests_per_unit: 100 },
        },
      ],
    },
  ]);
  // The route's actions build the same entries, in the same order.
  expect(globalRateLimitActions(ROUTE, rules)).toEqual([
    {
      actions: [
        { generic_key: { descriptor_key: 'rule', descriptor_value: `${ROUTE}/global/0` } },
        { request_headers: { header_name: 'x-user', descriptor_key: 'selector/0/header/x-user' } },
        { request_headers: { header_name: 'x-plan', descriptor_key: 'selector/0/header/x-plan' } },
        { masked_remote_address: { v4_prefix_mask_len: { value: 8 } } },
        { remote_address: {} },
      ],
    },
    {
      actions: [
        { generic_key: { descriptor_key: 'rule', descriptor_value: `${ROUTE}/global/1` } },
        { masked_remote_address: { v6_prefix_mask_len: { value: 32 } } },
      ],
    },
  ]);
});

test('rules of two routes are separate branches', () => {
  const rules: IrRateLimitRule[] = [{ clientSelectors: [], limit: { requests: 1, unit: 'Hour' } }];
  const config = rateLimitServiceConfig('ns/gw', [
    { name: 'a', rules },
    { name: 'b', rules },
  ]);
  expect(config?.descriptors.map((d) => d.value)).toEqual(['a/global/0', 'b/global/0']);
});

test("a Gateway's configuration comes from its routes' global rules (the golden rate-limit-global case)", () => {
  const file = fileURLToPath(new URL('../../../../test/golden/rate-limit-global.in.yaml', import.meta.url));
  const loaded = loadYaml(readFileSync(file, 'utf8'), file);
  const result = translate(buildResourceSet(loaded.objects), {
    rateLimitService: { address: { host: '127.0.0.1', port: 18081 }, failClosed: false },
  });
  const ir = result.gateways.find((g) => g.name === 'default/gw')!.ir;
  const config = gatewayRateLimitServiceConfig(ir);
  expect(config?.domain).toBe('default/gw');
  // The local rule of api-limits is not the service's; its two global rules and grpc-limits' one are,
  // each route's buckets its policy's own (`<route>/policy/<ns>/<name>`).
  expect(config?.descriptors.map((d) => [d.value, d.rate_limit ?? d.descriptors?.[0]])).toEqual([
    [
      'grpcroute/default/grpc/rule/0/match/0/policy/default/grpc-limits/global/0',
      { unit: 'second', requests_per_unit: 5 },
    ],
    [
      'httproute/default/api/rule/0/match/0/policy/default/api-limits/global/0',
      { unit: 'hour', requests_per_unit: 1000 },
    ],
    [
      'httproute/default/api/rule/0/match/0/policy/default/api-limits/global/1',
      { key: 'selector/0/header/x-api-key', rate_limit: { unit: 'minute', requests_per_unit: 10 } },
    ],
  ]);
  // Without the service, the policies are not applied: nothing for the service either.
  const without = translate(buildResourceSet(loaded.objects));
  expect(gatewayRateLimitServiceConfig(without.gateways.find((g) => g.name === 'default/gw')!.ir)).toBeUndefined();
});
