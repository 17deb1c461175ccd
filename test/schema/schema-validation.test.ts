/**
 * Gateway API objects are refused as the API server refuses them, worded as it words it (each
 * expected message below was checked against kube-apiserver v1.36.3 with the same CRDs, and
 * test/k8s/schema-oracle.test.ts keeps checking it), with the line of the offending field. The
 * objects are in test/support/hand-written-objects.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadYaml, rejectionMessages } from '../../src/resources/load-yaml.js';
import type { KubeObject } from '../../src/resources/types.js';
import { gatewayApiCrdSchemas, porticoCrdSchemas, readCrdSchemas } from '../../src/schema/crd-schemas.js';
import type { CrdSchemaNode } from '../../src/schema/crd-schemas.js';
import { countRules, leftErrorFirst, re2ToRegExp, rewriteRule } from '../../src/schema/cel-rules.js';
import { packageInfo } from '../../src/package-json.js';
import { FORBIDDEN_PATHS, HAND_WRITTEN, ROUTE_HEAD, pathRoute } from '../support/hand-written-objects.js';

/** The messages `portico translate` prints for a file holding `lines`. */
function refusals(lines: string[]): string[] {
  const loaded = loadYaml(lines.join('\n'), 'route.yaml');
  return loaded.rejected.flatMap(rejectionMessages);
}

const NOT_CHECKED =
  '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

describe('objects the API server refuses', () => {
  it('names a misspelled field as strict field validation does, at its line', () => {
    expect(refusals(HAND_WRITTEN.misspelledField)).toEqual([
      'route.yaml: document 1, line 10: HTTPRoute default/web: unknown field "spec.rules[0].backendRef"',
    ]);
  });

  it.each(FORBIDDEN_PATHS)('refuses the path %s that the CRD forbids', (path, reason) => {
    expect(refusals(pathRoute(path))).toEqual([
      `route.yaml: document 1, line 11: HTTPRoute default/web: spec.rules[0].matches[0].path: Invalid value: ${reason} when type one of ['Exact', 'PathPrefix']`,
    ]);
  });

  it('refuses parentRefs that is not a list', () => {
    expect(refusals(HAND_WRITTEN.parentRefsNotAList)).toEqual([
      'route.yaml: document 1, line 7: HTTPRoute default/web: spec.parentRefs: Invalid value: "integer": spec.parentRefs in body must be of type array: "integer"',
      `route.yaml: document 1, line 1: HTTPRoute default/web: ${NOT_CHECKED}`,
    ]);
  });

  it('refuses a null backendRef with a message, not a TypeError', () => {
    expect(refusals(HAND_WRITTEN.nullBackendRef)).toEqual([
      'route.yaml: document 1, line 10: HTTPRoute default/web: spec.rules[0].backendRefs[0]: Invalid value: "null": spec.rules[0].backendRefs[0] in body must be of type object: "null"',
      `route.yaml: document 1, line 1: HTTPRoute default/web: ${NOT_CHECKED}`,
    ]);
  });

  it('checks ObjectMeta: unknown fields and the name', () => {
    expect(refusals(HAND_WRITTEN.unknownMetadataField)).toEqual([
      'route.yaml: document 1, line 6: HTTPRoute default/web: unknown field "metadata.labelz"',
    ]);
    expect(refusals(HAND_WRITTEN.invalidName)).toEqual([
      "route.yaml: document 1, line 4: HTTPRoute Web_1: metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });

  it('evaluates CEL rules: listeners, list keys, enums', () => {
    expect(refusals(HAND_WRITTEN.gatewayListenerRules)).toEqual([
      'route.yaml: document 1, line 9: Gateway gw: spec.listeners[2]: Duplicate value: {"name":"db"}',
      "route.yaml: document 1, line 6: Gateway gw: spec.listeners: Invalid value: hostname must not be specified for protocols ['TCP', 'UDP']",
      'route.yaml: document 1, line 6: Gateway gw: spec.listeners: Invalid value: Listener name must be unique within the Gateway',
      // Both operands of the rule's `||` fail: like cel-go, the first one's error (leftErrorFirst).
      'route.yaml: document 1, line 8: Gateway gw: spec.listeners[1].tls: Invalid value: "object": no such key: certificateRefs evaluating rule: certificateRefs or options must be specified when mode is Terminate',
    ]);
    expect(refusals(HAND_WRITTEN.routeListKeysAndEnum)).toEqual([
      'route.yaml: document 1, line 13: HTTPRoute default/web: spec.rules[0].filters[0].requestRedirect.statusCode: Unsupported value: 418: supported values: "301", "302", "303", "307", "308"',
      'route.yaml: document 1, line 11: HTTPRoute default/web: spec.rules[0].matches[0].queryParams[1]: Duplicate value: {"name":"page"}',
      `route.yaml: document 1, line 1: HTTPRoute default/web: ${NOT_CHECKED}`,
    ]);
  });

  it('reads the RE2 flag group of the GRPCRoute service rule', () => {
    expect(refusals(HAND_WRITTEN.grpcServiceValid)).toEqual([]);
    expect(refusals(HAND_WRITTEN.grpcServiceInvalid)).toEqual([
      'route.yaml: document 1, line 6: GRPCRoute g: spec.rules[0].matches[0].method: Invalid value: service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)',
    ]);
  });

  it('keeps the rest of the file, and refused objects out of it', () => {
    const loaded = loadYaml(HAND_WRITTEN.restOfFile.join('\n'), 'two.yaml');
    expect(loaded.objects.map((o) => o.kind)).toEqual(['Namespace']);
    expect(loaded.rejected.map((r) => [r.kind, r.name, r.document])).toEqual([['HTTPRoute', 'web', 1]]);
  });
});

describe('Gateway API v1.7.0 validation', () => {
  const at = (line: number, what: string, message: string) =>
    `route.yaml: document 1, line ${line}: ${what}: ${message}`;

  it('lists several unknown fields sorted, as the API server sorts the paths it prunes', () => {
    expect(refusals(HAND_WRITTEN.unknownFieldsUnsorted)).toEqual([
      at(12, 'HTTPRoute default/web', 'unknown field "spec.rules[0].alpha"'),
      at(10, 'HTTPRoute default/web', 'unknown field "spec.rules[0].zeta"'),
    ]);
  });

  it('refuses HTTPRoute and GRPCRoute rule names that are not unique, naming the file and the line of rules', () => {
    expect(refusals(HAND_WRITTEN.duplicateRuleNames)).toEqual([
      at(9, 'HTTPRoute default/web', 'spec.rules: Invalid value: Rule name must be unique within the route'),
    ]);
    expect(refusals(HAND_WRITTEN.grpcDuplicateRuleNames)).toEqual([
      at(5, 'GRPCRoute g', 'spec.rules: Invalid value: Rule name must be unique within the route'),
    ]);
  });

  it('takes retry attempts 0 (no retries) and defaults attempts to 1; refuses a negative one', () => {
    expect(refusals(HAND_WRITTEN.retryAttemptsZero)).toEqual([]);
    const [defaulted] = loadYaml([...ROUTE_HEAD, '    - retry: {codes: [503]}'].join('\n'), 'route.yaml')
      .objects as KubeObject<{ rules: { retry: unknown }[] }>[];
    expect(defaulted?.spec?.rules[0]?.retry).toEqual({ codes: [503], attempts: 1 });
    expect(refusals(HAND_WRITTEN.retryAttemptsNegative)).toEqual([
      at(
        10,
        'HTTPRoute default/web',
        'spec.rules[0].retry.attempts: Invalid value: -1: spec.rules[0].retry.attempts in body should be greater than or equal to 0',
      ),
    ]);
  });

  it('reads sessionPersistence in its v1.7.0 shape and refuses the v1.6 one', () => {
    expect(refusals(HAND_WRITTEN.sessionCookieV17)).toEqual([]);
    expect(refusals(HAND_WRITTEN.sessionOldShape)).toEqual([
      at(10, 'HTTPRoute default/web', 'unknown field "spec.rules[0].sessionPersistence.cookieConfig"'),
      at(10, 'HTTPRoute default/web', 'unknown field "spec.rules[0].sessionPersistence.sessionName"'),
    ]);
    expect(refusals(HAND_WRITTEN.sessionCookieMissing)).toEqual([
      at(
        10,
        'HTTPRoute default/web',
        'spec.rules[0].sessionPersistence: Invalid value: cookie must be specified for Cookie type',
      ),
    ]);
  });

  it('checks the new experimental Gateway fields (address routability, listener filters)', () => {
    expect(refusals(HAND_WRITTEN.gatewayV17Fields)).toEqual([
      at(
        8,
        'Gateway gw',
        'spec.addresses[1].routability: Invalid value: "k8s.io/private": Routability must be empty, Cluster, or an implementation-specific prefixed path; k8s.io and its subdomains are reserved',
      ),
      at(10, 'Gateway gw', 'spec.listeners[0]: Invalid value: filters may only be set when protocol is HTTP or HTTPS'),
    ]);
  });

  it("words BackendTLSPolicy's CA rule as v1.7.0 does", () => {
    expect(refusals(HAND_WRITTEN.backendTLSPolicyBothCAs)).toEqual([
      at(
        6,
        'BackendTLSPolicy p',
        'spec.validation: Invalid value: exactly one of the fields in [caCertificateRefs wellKnownCACertificates] must be set',
      ),
    ]);
  });

  it('validates XTelemetryPolicy and XBackend, which Portico reads', () => {
    const loaded = loadYaml(
      [
        'apiVersion: gateway.networking.x-k8s.io/v1alpha1',
        'kind: XTelemetryPolicy',
        'metadata: {name: t}',
        'spec: {}',
        '---',
        'apiVersion: gateway.networking.x-k8s.io/v1alpha1',
        'kind: XBackend',
        'metadata: {name: b}',
        'spec: {type: ExternalHostname, protocol: WSS}',
        '---',
        'apiVersion: gateway.networking.x-k8s.io/v1alpha1',
        'kind: XTelemetryPolicy',
        'metadata: {name: rules}',
        'spec:',
        '  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]',
        '  tracing:',
        '    mode: Disabled',
        '    samplingRate: {numerator: 150}',
        '    attributes: [{name: a, sourceType: Header, literalValue: x}]',
        '---',
        'apiVersion: gateway.networking.x-k8s.io/v1alpha1',
        'kind: XTelemetryPolicy',
        'metadata: {name: good}',
        'spec:',
        '  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]',
        '  tracing:',
        '    mode: Enabled',
        '    provider: {backendRef: {name: otel, port: 4317}}',
        '    samplingRate: {numerator: 5}',
      ].join('\n'),
      'x.yaml',
    );
    expect(loaded.warnings).toEqual([]);
    expect(loaded.objects.map((o) => o.metadata.name)).toEqual(['good']);
    // The defaults the API server applies: the backendRef's group and kind, the fraction's denominator.
    expect((loaded.objects[0]?.spec as { tracing: unknown }).tracing).toEqual({
      mode: 'Enabled',
      provider: { backendRef: { group: '', kind: 'Service', name: 'otel', port: 4317 } },
      samplingRate: { numerator: 5, denominator: 100 },
    });
    expect(loaded.rejected.map((r) => [r.kind, r.name, r.problems.map((p) => [p.line, p.message])])).toEqual([
      ['XTelemetryPolicy', 't', expect.arrayContaining([[4, 'spec.targetRefs: Required value']])],
      ['XBackend', 'b', expect.arrayContaining([[9, 'spec.port: Required value']])],
      [
        'XTelemetryPolicy',
        'rules',
        expect.arrayContaining([
          [18, expect.stringContaining('numerator must be less than or equal to denominator')],
          [16, expect.stringContaining('samplingRate can only be set when mode is Enabled')],
          [19, expect.stringContaining('headerName is required when sourceType is Header')],
        ]),
      ],
    ]);
  });
});

describe("Portico's own kinds", () => {
  it("refuses CIDRs as the API server's isCIDR does (no IPv4-mapped address, no leading zero)", () => {
    expect(refusals(HAND_WRITTEN.securityPolicyCidrs)).toEqual(
      ['10.1.2.3/33', '::ffff:10.0.0.1/128', '10.0.0.0/08'].map(
        (cidr, i) =>
          `route.yaml: document 1, line 10: SecurityPolicy cidrs: spec.authorization.rules[0].principal.clientCIDRs[${[1, 2, 4][i]}]: Invalid value: "${cidr}": must be a CIDR such as 192.168.1.0/24 or 2001:db8::/64`,
      ),
    );
    expect(refusals(HAND_WRITTEN.securityPolicyGoodCidrs)).toEqual([]);
  });

  it('compares resource quantities as the API server does (1500m > 1, 1Gi = 1024Mi)', () => {
    expect(refusals(HAND_WRITTEN.parametersRequestAboveLimit)).toEqual([
      'route.yaml: document 1, line 6: EnvoyProxyParameters greedy: spec.deployment.resources: Invalid value: a request must not be above its limit',
    ]);
    expect(refusals(HAND_WRITTEN.parametersRequestWithinLimit)).toEqual([]);
  });
});

describe('defaults', () => {
  it('applies the CRD defaults the API server applies', () => {
    const [route] = loadYaml(HAND_WRITTEN.defaulted.join('\n'), 'route.yaml').objects as KubeObject<{
      parentRefs: unknown[];
      rules: unknown[];
    }>[];
    expect(route?.spec?.parentRefs).toEqual([{ name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway' }]);
    expect(route?.spec?.rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ name: 'web', port: 80, group: '', kind: 'Service', weight: 1 }],
      },
    ]);
  });

  it('treats a null field as absent, and defaults it', () => {
    const [route] = loadYaml(HAND_WRITTEN.nullMatches.join('\n'), 'route.yaml').objects as KubeObject<{
      rules: unknown[];
    }>[];
    expect(route?.spec?.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
  });
});

describe('the CRDs Portico validates against', () => {
  const schemas = [...gatewayApiCrdSchemas().values()];

  it('are the vendored ones, every served version of every Gateway API kind Portico reads', () => {
    expect(packageInfo().gatewayApiCrdDir).toMatch(/third_party\/gateway-api-v1\.7\.0\/crd\/experimental$/);
    const keys = schemas.map((s) => `${s.group}/${s.version} ${s.kind}`);
    for (const key of [
      'gateway.networking.k8s.io/v1 HTTPRoute',
      'gateway.networking.k8s.io/v1beta1 HTTPRoute',
      'gateway.networking.k8s.io/v1alpha2 TLSRoute',
      'gateway.networking.k8s.io/v1alpha3 TLSRoute',
      'gateway.networking.k8s.io/v1 ListenerSet',
      'gateway.networking.k8s.io/v1beta1 ReferenceGrant',
      'gateway.networking.k8s.io/v1 TCPRoute',
      'gateway.networking.k8s.io/v1alpha2 TCPRoute',
      'gateway.networking.k8s.io/v1 UDPRoute',
      'gateway.networking.x-k8s.io/v1alpha1 XTelemetryPolicy',
    ]) {
      expect(keys).toContain(key);
    }
  });

  it('have CEL rules that all compile: every rule but the transition rules (oldSelf) is evaluated', () => {
    const counts = countRules(schemas.map((s) => s.schema));
    expect(counts.failed).toEqual([]);
    // 445 rules in the v1.7.0 experimental CRDs (every served version), 3 of them transition rules.
    expect(counts).toEqual({ evaluated: 442, transition: 3, failed: [] });
  });

  it('are a superset of the standard channel, whose CEL rules compile too', () => {
    const standardDir = packageInfo().gatewayApiCrdDir.replace(/experimental$/, 'standard');
    const standard = [...readCrdSchemas(standardDir).values()];
    // The standard channel serves only v1 of the route kinds that graduated (and BackendTLSPolicy).
    expect(standard.map((s) => `${s.version} ${s.kind}`).sort()).toEqual([
      'v1 BackendTLSPolicy',
      'v1 GRPCRoute',
      'v1 Gateway',
      'v1 GatewayClass',
      'v1 HTTPRoute',
      'v1 ListenerSet',
      'v1 ReferenceGrant',
      'v1 TCPRoute',
      'v1 TLSRoute',
      'v1 UDPRoute',
      'v1beta1 Gateway',
      'v1beta1 GatewayClass',
      'v1beta1 HTTPRoute',
      'v1beta1 ReferenceGrant',
    ]);
    const experimental = new Set(schemas.map((s) => `${s.version} ${s.kind}`));
    for (const s of standard) expect(experimental).toContain(`${s.version} ${s.kind}`);
    // 275 rules, 2 of them transition rules.
    expect(countRules(standard.map((s) => s.schema))).toEqual({ evaluated: 273, transition: 2, failed: [] });
  });

  it('have `matches` patterns that all read as RE2 reads them', () => {
    const patterns = new Set<string>();
    const visit = (s: CrdSchemaNode): void => {
      for (const { rule } of s['x-kubernetes-validations'] ?? []) {
        for (const m of rule.matchAll(/matches\((?:r"""(.*?)"""|'(.*?)')\)/g)) {
          patterns.add(m[1] ?? m[2]!.replace(/\\\\/g, '\\'));
        }
      }
      Object.values(s.properties ?? {}).forEach(visit);
      if (s.items) visit(s.items);
      if (typeof s.additionalProperties === 'object') visit(s.additionalProperties);
    };
    schemas.forEach((s) => visit(s.schema));
    expect(patterns.size).toBeGreaterThan(5);
    for (const pattern of patterns) expect(() => re2ToRegExp(pattern)).not.toThrow();
    expect(re2ToRegExp('^(?i)ab$').test('AB')).toBe(true);
    expect(() => re2ToRegExp('\\pL')).toThrow(/RE2 syntax/);
  });

  it("include Portico's own (manifests/crd-*.yaml), whose CEL rules all compile", () => {
    const own = [...porticoCrdSchemas().values()];
    expect(own.map((s) => `${s.group}/${s.version} ${s.kind}`).sort()).toEqual([
      'gateway.portico.dev/v1alpha1 BackendTrafficPolicy',
      'gateway.portico.dev/v1alpha1 ClientTrafficPolicy',
      'gateway.portico.dev/v1alpha1 EnvoyProxyParameters',
      'gateway.portico.dev/v1alpha1 SecurityPolicy',
    ]);
    expect(countRules(own.map((s) => s.schema))).toEqual({ evaluated: 77, transition: 0, failed: [] });
  });

  it("are in Portico's image: the Dockerfile copies every manifests/crd-*.yaml", () => {
    const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
    const crds = readdirSync(packageInfo().porticoCrdDir).filter((f) => /^crd-.*\.ya?ml$/.test(f));
    expect(crds.length).toBeGreaterThan(1);
    for (const file of crds) expect(dockerfile).toContain(`COPY manifests/${file} ./manifests/`);
  });

  it('are found through package.json, which hack/k8s/up.sh reads too (one definition)', () => {
    expect(readdirSync(packageInfo().gatewayApiCrdDir)).toContain('gateway.networking.k8s.io_httproutes.yaml');
    const upScript = readFileSync(new URL('../../../hack/k8s/up.sh', import.meta.url), 'utf8');
    expect(upScript).toContain('portico.gatewayApiCrds');
  });
});

describe('rule rewriting for the CEL library', () => {
  it("swaps the operands of || and && so that the left operand's error is reported, as cel-go reports it", () => {
    expect(leftErrorFirst('a || b && c')).toBe('c && b || a');
    expect(leftErrorFirst("self.all(x, x.a == 'b' || has(x.c))")).toBe('self.all(x, has(x.c) || x.a == "b")');
  });

  it('calls re2Matches outside strings and rewrites has() on an indexed operand', () => {
    expect(rewriteRule(`self.value.matches(r"""a.matches(b)""")`)).toBe(`self.value.re2Matches(r"""a.matches(b)""")`);
    expect(rewriteRule('!has(self.matches[0].path) || has(self.x)')).toBe(
      "!('path' in (self.matches[0])) || has(self.x)",
    );
  });
});
