/**
 * BackendTrafficPolicy `rateLimit`, read: what reads, what is refused (with the field's path), and
 * source ranges written as Envoy writes a masked address.
 */
import { maskedCidr, readRateLimit } from '../../../src/resources/read/traffic-rate-limit.js';

const limit = { requests: 5, unit: 'Second' };

test('a Local limit with header and source selectors', () => {
  expect(
    readRateLimit({
      type: 'Local',
      local: {
        rules: [
          {
            clientSelectors: [
              {
                headers: [
                  { name: 'X-User', type: 'Distinct' },
                  { name: 'x-plan', value: 'free' },
                ],
                sourceCIDR: { type: 'Distinct', value: '10.1.2.3/8' },
              },
            ],
            limit,
          },
          { limit: { requests: 100, unit: 'Minute' } },
        ],
      },
    }),
  ).toEqual({
    valid: true,
    result: {
      local: [
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
          limit,
        },
        { clientSelectors: [], limit: { requests: 100, unit: 'Minute' } },
      ],
    },
  });
});

test('type (deprecated) may be left out; written, it names a section that is there; both sections may be', () => {
  const rules = [{ limit }];
  const read = { clientSelectors: [], limit };
  expect(readRateLimit({ global: { rules } })).toEqual({ valid: true, result: { global: [read] } });
  expect(readRateLimit({ global: { rules }, local: { rules } })).toEqual({
    valid: true,
    result: { global: [read], local: [read] },
  });
  expect(readRateLimit({ type: 'Local', global: { rules } })).toEqual({
    valid: false,
    errors: [{ path: 'spec.rateLimit.type', message: 'rateLimit.type is Local but rateLimit.local is not specified' }],
  });
  expect(readRateLimit({ type: 'Local' })).toMatchObject({ valid: false, errors: [{ path: 'spec.rateLimit' }] });
});

test.each([
  [
    'a Distinct header with a value',
    { clientSelectors: [{ headers: [{ name: 'x', type: 'Distinct', value: 'a' }] }], limit },
    'spec.rateLimit.local.rules[0].clientSelectors[0].headers[0].value',
  ],
  [
    'an Exact header without a value',
    { clientSelectors: [{ headers: [{ name: 'x' }] }], limit },
    'spec.rateLimit.local.rules[0].clientSelectors[0].headers[0].value',
  ],
  [
    'a range that is not a CIDR',
    { clientSelectors: [{ sourceCIDR: { value: '10.0.0.300/8' } }], limit },
    'spec.rateLimit.local.rules[0].clientSelectors[0].sourceCIDR.value',
  ],
  ['requests 0', { limit: { requests: 0, unit: 'Second' } }, 'spec.rateLimit.local.rules[0].limit.requests'],
  ['a unit not supported yet', { limit: { requests: 1, unit: 'Month' } }, 'spec.rateLimit.local.rules[0].limit.unit'],
  ['cost', { limit, cost: { request: { from: 'Number', number: 2 } } }, 'spec.rateLimit.local.rules[0].cost'],
  [
    'a regular expression',
    { clientSelectors: [{ headers: [{ name: 'x', type: 'RegularExpression', value: 'a.*' }] }], limit },
    'spec.rateLimit.local.rules[0].clientSelectors[0].headers[0].type',
  ],
  [
    'invert',
    { clientSelectors: [{ sourceCIDR: { value: '10.0.0.0/8', invert: true } }], limit },
    'spec.rateLimit.local.rules[0].clientSelectors[0].sourceCIDR.invert',
  ],
  [
    'methods',
    { clientSelectors: [{ methods: [{ value: 'GET' }] }], limit },
    'spec.rateLimit.local.rules[0].clientSelectors[0].methods',
  ],
  ['an empty selector', { clientSelectors: [{}], limit }, 'spec.rateLimit.local.rules[0].clientSelectors[0]'],
])('refuses %s', (_, rule, path) => {
  const read = readRateLimit({ type: 'Local', local: { rules: [rule] } });
  expect(read.valid).toBe(false);
  expect(!read.valid && read.errors.map((e) => e.path)).toContain(path);
});

test('a Local limit has at most one default bucket', () => {
  expect(readRateLimit({ local: { rules: [{ limit }, { limit }] } })).toMatchObject({
    valid: false,
    errors: [{ path: 'spec.rateLimit.local.rules' }],
  });
  expect(readRateLimit({ global: { rules: [{ limit }, { limit }] } }).valid).toBe(true);
});

test('masked ranges', () => {
  expect(maskedCidr('192.168.7.9', 20, 4)).toBe('192.168.0.0/20');
  expect(maskedCidr('127.0.0.2', 32, 4)).toBe('127.0.0.2/32');
  expect(maskedCidr('2001:DB8:0:0:1::5', 32, 6)).toBe('2001:db8::/32');
  expect(maskedCidr('2001:db8:0:0:1::5', 128, 6)).toBe('2001:db8::1:0:0:5/128');
  expect(maskedCidr('::1', 0, 6)).toBe('::/0');
});
