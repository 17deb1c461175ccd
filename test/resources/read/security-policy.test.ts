/**
 * The SecurityPolicy reader: targets read one by one, the access control valid or not as a whole,
 * sections not implemented yet refused by name, and malformed input (null, wrong types) read to
 * problems with their paths, never an exception.
 */
import { describe, expect, it } from '@jest/globals';
import { readSecurityPolicy } from '../../../src/resources/read/security-policy.js';
import { readCidr } from '../../../src/resources/read/security-authorization.js';

const G = 'gateway.networking.k8s.io';
const read = (spec: unknown) => readSecurityPolicy({ spec });
const featuresOf = (spec: Record<string, unknown>) =>
  read({ targetRefs: [{ group: G, kind: 'Gateway', name: 'gw' }], ...spec }).features;
const messagesOf = (spec: Record<string, unknown>): string[] => {
  const f = featuresOf(spec);
  return f.valid ? [] : f.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('readSecurityPolicy: targets', () => {
  it('keeps the targetRefs of the four kinds, with their sectionName; others are unsupported targets', () => {
    const r = read({
      targetRefs: [
        { group: G, kind: 'Gateway', name: 'gw', sectionName: 'http' },
        { group: G, kind: 'HTTPRoute', name: 'r' },
        { group: G, kind: 'HTTPRoute', name: 'r' },
        { group: G, kind: 'TCPRoute', name: 't' },
        { group: 'example.com', kind: 'Gateway', name: 'x' },
        { kind: 'GRPCRoute', name: 'g' },
        null,
        { group: G, kind: 'ListenerSet', name: 5 },
        { group: G, kind: 'ListenerSet', name: 'ls', sectionName: '' },
      ],
    });
    expect(r.targetRefs).toEqual([
      { kind: 'Gateway', name: 'gw', sectionName: 'http' },
      { kind: 'HTTPRoute', name: 'r' },
      { kind: 'ListenerSet', name: 'ls' },
    ]);
    expect(r.unsupportedTargets.map((t) => `${t.group}/${t.kind}/${t.name}`)).toEqual([
      `${G}/TCPRoute/t`,
      'example.com/Gateway/x',
      '/GRPCRoute/g',
    ]);
    expect(r.unsupportedTargets[0]!.message).toContain(
      'a SecurityPolicy attaches to a Gateway, ListenerSet, HTTPRoute or GRPCRoute',
    );
  });

  it('reads targetSelectors by kind; a malformed selector, another group or other namespaces select nothing', () => {
    const r = read({
      targetSelectors: [
        { kind: 'HTTPRoute', matchLabels: { team: 'a' } },
        { kind: 'Gateway', group: G },
        { kind: 'HTTPRoute', matchLabels: { team: 5 } },
        { kind: 'HTTPRoute', namespaces: { from: 'All' }, matchLabels: { team: 'a' } },
        { kind: 'TCPRoute' },
        { kind: 'HTTPRoute', group: 'x' },
        'HTTPRoute',
      ],
    });
    expect(r.targetSelectors).toEqual([
      { kind: 'HTTPRoute', selector: { matchLabels: { team: 'a' } } },
      { kind: 'Gateway', selector: {} },
      { kind: 'HTTPRoute', selector: undefined },
      { kind: 'HTTPRoute', selector: undefined },
    ]);
  });

  it('reads a spec that is no object as no targets and an invalid policy', () => {
    for (const spec of [null, undefined, 'x', [1], 5]) {
      const r = read(spec);
      expect(r.targetRefs).toEqual([]);
      expect(r.targetSelectors).toEqual([]);
      expect(r.features).toEqual({ valid: false, errors: [{ path: 'spec', message: 'spec must be an object' }] });
    }
    expect(read({ targetRefs: 'gw', targetSelectors: { kind: 'Gateway' } }).targetRefs).toEqual([]);
  });
});

describe('readSecurityPolicy: sections', () => {
  it('a policy with targets alone is valid and asks for nothing', () => {
    expect(featuresOf({})).toEqual({ valid: true, result: {} });
  });

  it('reads every section, and refuses fields Portico does not know by name', () => {
    expect(
      messagesOf({
        basicAuth: {},
        apiKeyAuth: {},
        cors: {},
        mergeType: 'x',
      }),
    ).toEqual([
      'spec.basicAuth.users: basicAuth.users must be set (a Secret with a .htpasswd key)',
      'spec.apiKeyAuth.credentialRefs: apiKeyAuth.credentialRefs must list at least one Secret',
      'spec.apiKeyAuth.extractFrom: apiKeyAuth.extractFrom must list at least one place to read the key from',
      'spec.cors: cors is not a SecurityPolicy field Portico supports',
      'spec.mergeType: mergeType is not a SecurityPolicy field Portico supports',
    ]);
    // null is an absent field (the API server drops it).
    expect(featuresOf({ jwt: null })).toEqual({ valid: true, result: {} });
  });

  it('reads authorization: the default action (Deny when not set) and the rules in order', () => {
    const f = featuresOf({
      authorization: {
        defaultAction: 'Allow',
        rules: [
          { name: 'office', action: 'Allow', principal: { clientCIDRs: ['10.0.0.0/8', '2001:db8::/64'] } },
          { action: 'Deny', principal: { headers: [{ name: 'X-Role', values: ['guest', ''] }] } },
        ],
      },
    });
    expect(f).toEqual({
      valid: true,
      result: {
        authorization: {
          defaultAction: 'Allow',
          rules: [
            {
              name: 'office',
              action: 'Allow',
              principal: {
                clientCIDRs: [
                  { address: '10.0.0.0', prefixLength: 8 },
                  { address: '2001:db8::', prefixLength: 64 },
                ],
              },
            },
            { name: 'rule-1', action: 'Deny', principal: { headers: [{ name: 'x-role', values: ['guest', ''] }] } },
          ],
        },
      },
    });
    expect(featuresOf({ authorization: {} })).toEqual({
      valid: true,
      result: { authorization: { defaultAction: 'Deny', rules: [] } },
    });
  });

  it('reads a jwt principal: claims (String by default, StringArray, nested by dots) and scopes', () => {
    const f = featuresOf({
      authorization: {
        rules: [
          {
            action: 'Allow',
            principal: {
              jwt: {
                provider: 'p',
                claims: [
                  { name: 'org.team', values: ['a', 'b'] },
                  { name: 'groups', valueType: 'StringArray', values: ['ops'] },
                ],
                scopes: ['read'],
              },
            },
          },
        ],
      },
    });
    expect(f.valid && f.result.authorization?.rules[0]?.principal.jwt).toEqual({
      provider: 'p',
      claims: [
        { path: ['org', 'team'], valueType: 'String', values: ['a', 'b'] },
        { path: ['groups'], valueType: 'StringArray', values: ['ops'] },
      ],
      scopes: ['read'],
    });
  });

  it('names every malformed part of a jwt principal with its path', () => {
    const jwtRule = (jwt: unknown) => ({ authorization: { rules: [{ action: 'Allow', principal: { jwt } }] } });
    const at = 'spec.authorization.rules[0].principal.jwt';
    expect(messagesOf(jwtRule({ provider: 'p' }))).toEqual([
      `${at}: authorization.rules[0].principal.jwt: at least one of claims or scopes must be specified`,
    ]);
    expect(
      messagesOf(
        jwtRule({
          provider: '',
          extra: 1,
          claims: [
            { name: 'a..b', values: ['x'] },
            { name: 'c', valueType: 'Number', values: ['1'] },
            { name: 'd', values: [] },
          ],
          scopes: [''],
        }),
      ),
    ).toEqual([
      `${at}.extra: authorization.rules[0].principal.jwt.extra is not a field Portico supports`,
      `${at}.provider: authorization.rules[0].principal.jwt.provider must be the name of one of the policy’s jwt providers`,
      `${at}.claims[0].name: authorization.rules[0].principal.jwt.claims[0].name "a..b" is not a claim name (dot-separated, no empty part)`,
      `${at}.claims[1].valueType: authorization.rules[0].principal.jwt.claims[1].valueType "Number" is not String or StringArray`,
      `${at}.claims[2].values: authorization.rules[0].principal.jwt.claims[2].values must be a list of 1 to 128 strings`,
      `${at}.scopes: authorization.rules[0].principal.jwt.scopes must be a list of 1 to 16 non-empty scopes`,
    ]);
  });

  it('names every malformed part of authorization with its path', () => {
    expect(
      messagesOf({
        authorization: {
          defaultAction: 'allow',
          rules: [
            null,
            { action: 'Permit', principal: { clientCIDRs: ['10.0.0.0/33', '10.0.0.1', 'fe80::1%eth0/64', 7] } },
            { action: 'Allow' },
            { action: 'Allow', principal: {} },
            {
              action: 'Allow',
              principal: {
                headers: [
                  { name: 'bad name', values: ['a'] },
                  { name: 'x', values: [] },
                ],
              },
            },
            { action: 'Allow', principal: { headers: [{ name: 'x', values: ['a\r\nb'] }], clientCIDRs: [] } },
            { name: 'a', action: 'Allow', principal: { clientCIDRs: ['1.2.3.4/32'] } },
            { name: 'a', action: 'Deny', principal: { clientCIDRs: ['1.2.3.4/32'] } },
            { action: 'Allow', operation: { methods: ['GET'] }, principal: { clientCIDRs: ['1.2.3.4/32'] } },
          ],
        },
      }),
    ).toEqual([
      'spec.authorization.defaultAction: authorization.defaultAction "allow" is not Allow or Deny',
      'spec.authorization.rules[0]: authorization.rules[0] must be an object',
      'spec.authorization.rules[1].action: authorization.rules[1].action "Permit" is not Allow or Deny',
      'spec.authorization.rules[1].principal.clientCIDRs[0]: authorization.rules[1].principal.clientCIDRs[0] "10.0.0.0/33" is not a CIDR (192.168.1.0/24, 2001:db8::/64)',
      'spec.authorization.rules[1].principal.clientCIDRs[1]: authorization.rules[1].principal.clientCIDRs[1] "10.0.0.1" is not a CIDR (192.168.1.0/24, 2001:db8::/64)',
      'spec.authorization.rules[1].principal.clientCIDRs[2]: authorization.rules[1].principal.clientCIDRs[2] "fe80::1%eth0/64" is not a CIDR (192.168.1.0/24, 2001:db8::/64)',
      'spec.authorization.rules[1].principal.clientCIDRs[3]: authorization.rules[1].principal.clientCIDRs[3] 7 is not a CIDR (192.168.1.0/24, 2001:db8::/64)',
      'spec.authorization.rules[2].principal: authorization.rules[2].principal must be set (an object)',
      'spec.authorization.rules[3].principal: authorization.rules[3].principal: at least one of clientCIDRs, jwt or headers must be specified',
      'spec.authorization.rules[4].principal.headers[0]: authorization.rules[4].principal.headers[0].name "bad name" is not a header name',
      'spec.authorization.rules[4].principal.headers[1]: authorization.rules[4].principal.headers[1].values must be a non-empty list',
      'spec.authorization.rules[5].principal.clientCIDRs: authorization.rules[5].principal.clientCIDRs must be a non-empty list',
      'spec.authorization.rules[5].principal.headers[0]: authorization.rules[5].principal.headers[0].values must be strings without CR, LF or NUL',
      'spec.authorization.rules[7].name: authorization.rules[7]: rule name a is used more than once',
      'spec.authorization.rules[8].operation: authorization.rules[8].operation is not supported by Portico',
    ]);
    for (const authorization of ['x', [], 5, true]) {
      expect(messagesOf({ authorization })).toEqual(['spec.authorization: authorization must be an object']);
    }
    expect(messagesOf({ authorization: { rules: 'x' } })).toEqual([
      'spec.authorization.rules: authorization.rules must be a list',
    ]);
  });

  it("reads CIDRs as the API server's isCIDR does", () => {
    expect(readCidr('0.0.0.0/0')).toEqual({ address: '0.0.0.0', prefixLength: 0 });
    expect(readCidr('::/0')).toEqual({ address: '::', prefixLength: 0 });
    expect(readCidr('10.1.2.3/8')).toEqual({ address: '10.1.2.3', prefixLength: 8 });
    expect(readCidr('2001:DB8::1/64')).toEqual({ address: '2001:DB8::1', prefixLength: 64 });
    expect(readCidr('::1.2.3.4/128')).toEqual({ address: '::1.2.3.4', prefixLength: 128 });
    for (const bad of [
      '',
      '/8',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/08x',
      '10.0.0.0/08', // leading zero in the length
      '010.0.0.0/8', // leading zero in the address
      'host/8',
      '::/129',
      '10.0.0.0/33',
      '10.0.0.0/8/8',
      '10.0.0.0/+8',
      'fe80::1%eth0/64', // a zone
      '::ffff:10.0.0.1/128', // IPv4-mapped
      '::FFFF:a00:1/120',
      '0:0:0:0:0:ffff:0a00:0001/128',
    ]) {
      expect(readCidr(bad)).toBeUndefined();
    }
  });
});
