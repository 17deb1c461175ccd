/**
 * The translator's own defence against objects the Gateway API CRDs refuse. File mode and
 * `portico translate` refuse such objects before translation (the golden cases named below show
 * that refusal, under `rejected:`), but objects still reach the translator unvalidated:
 * - from a cluster whose CRDs are older or laxer than the vendored v1.7.0 experimental ones (a
 *   version before a CEL rule was added, the standard channel, a hand-edited CRD);
 * - stored before their CRD was tightened: the API server validates an object when it is written,
 *   not when its CRD changes, and ratcheting keeps unchanged invalid fields on update.
 * So each of those golden inputs is translated here as it is, without validation or the CRD's
 * defaults, and what the case was written to prove of the translator is checked: a status
 * condition with the spec's reason, and nothing Envoy would reject (or that would serve what it
 * should not).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import type { KubeObject } from '../../src/resources/types.js';
import { translate } from '../../src/translate/index.js';
import type { TranslationResult } from '../../src/translate/index.js';
import { loadYaml } from '../../src/resources/load-yaml.js';
import { conditionLines, conditionMessage, unvalidatedObjects } from '../support/translator-outcome.js';

const GOLDEN_DIR = fileURLToPath(new URL('../../../test/golden/', import.meta.url));

function goldenText(name: string): string {
  return readFileSync(`${GOLDEN_DIR}${name}.in.yaml`, 'utf8');
}

function translateUnvalidated(objects: KubeObject[]): TranslationResult {
  return translate(buildResourceSet(objects), { certificateTime: '2027-01-01T00:00:00Z' });
}

/** The xDS resources of one Gateway, by kind, by name. */
function xdsNames(result: TranslationResult, gateway = 'default/gw'): Record<string, string[]> {
  const output = result.gateways.find((g) => g.name === gateway);
  if (!output) return {};
  return Object.fromEntries(
    Object.entries(output.xds).map(([kind, messages]) => [
      kind,
      (messages as { name?: string; cluster_name?: string }[]).map((m) => m.name ?? m.cluster_name ?? ''),
    ]),
  );
}

/** The match of every Envoy route of a Gateway, as JSON. */
function routeMatches(result: TranslationResult, gateway = 'default/gw'): string[] {
  const output = result.gateways.find((g) => g.name === gateway);
  const configs = (output?.xds.routes ?? []) as { virtual_hosts?: { routes?: { match?: unknown }[] }[] }[];
  return configs.flatMap((c) =>
    (c.virtual_hosts ?? []).flatMap((v) => (v.routes ?? []).map((r) => JSON.stringify(r.match))),
  );
}

interface DefenceCase {
  /** Condition lines (test/support/translator-outcome.ts) the translation must show. */
  conditions: (string | ReturnType<typeof expect.stringMatching>)[];
  /** Further checks of the translation. */
  check?: (result: TranslationResult) => void;
  /** Changes to the golden input (a case whose refused part left the golden file). */
  mutate?: (objects: KubeObject[]) => void;
}

const NOTHING_FOR_GW = (r: TranslationResult): void =>
  expect(xdsNames(r)).toMatchObject({ listeners: [], routes: [], clusters: [], secrets: [] });

const DEFENCES: Record<string, DefenceCase> = {
  'allowedroutes-namespaces-none': {
    conditions: [
      'Gateway default/gw listener http: Accepted=True/Accepted',
      'Gateway default/gw listener http: attachedRoutes 0',
      'HTTPRoute default/web parent gw: Accepted=False/NotAllowedByListeners',
    ],
    check: (r) => expect(routeMatches(r)).toEqual([]),
  },
  // BackendTrafficPolicy route settings the CRD refuses (a compressor type twice, an empty range,
  // fields Portico does not implement): Invalid, naming the field, and nothing of theirs on their routes.
  'backend-traffic-policy-route-settings-refused': {
    conditions: [
      'BackendTrafficPolicy default/duplicate-type ancestor Gateway gw: Accepted=False/Invalid',
      'BackendTrafficPolicy default/bad-range ancestor Gateway gw: Accepted=False/Invalid',
      'BackendTrafficPolicy default/redirect ancestor Gateway gw: Accepted=False/Invalid',
      'BackendTrafficPolicy default/header-match ancestor Gateway gw: Accepted=False/Invalid',
    ],
    check: (r) => {
      for (const [policy, field] of [
        ['duplicate-type', 'compressor[1].type: Gzip is listed twice'],
        ['bad-range', 'responseOverride[0].match.statusCodes[0].range: end must be greater than start'],
        ['redirect', 'responseOverride[0].redirect is not supported'],
        ['header-match', 'responseOverride[0].match.responseHeaders is not supported'],
      ] as const) {
        const line = `BackendTrafficPolicy default/${policy} ancestor Gateway gw: Accepted=False/Invalid`;
        expect(conditionMessage(r, line)).toContain(field);
      }
      const xds = JSON.stringify(r.gateways.map((g) => g.xds));
      for (const filter of ['compressor', 'custom_response']) expect(xds).not.toContain(filter);
    },
  },
  'conflict-all-listeners-conflicted': {
    conditions: [
      'Gateway default/gw: Accepted=False/ListenersNotValid',
      'Gateway default/gw: Programmed=False/Invalid',
      'Gateway default/gw listener a: Conflicted=True/HostnameConflict',
      'Gateway default/gw listener a: Accepted=False/Invalid',
      'Gateway default/gw listener b: Conflicted=True/HostnameConflict',
      'Gateway default/gw listener b: Accepted=False/Invalid',
    ],
    check: NOTHING_FOR_GW,
  },
  'conflict-hostname-http-same-port': {
    conditions: [
      'Gateway default/gw: Accepted=True/ListenersNotValid',
      'Gateway default/gw listener first: Conflicted=True/HostnameConflict',
      'Gateway default/gw listener first: Programmed=False/Invalid',
      'Gateway default/gw listener second: Conflicted=True/HostnameConflict',
      'Gateway default/gw listener second: Programmed=False/Invalid',
      'Gateway default/gw listener other: Accepted=True/Accepted',
      'Gateway default/gw listener other: Conflicted=False/NoConflicts',
      'HTTPRoute default/other-app parent gw/other: Accepted=True/Accepted',
    ],
    // Neither conflicting listener wins: only the distinct one is served.
    check: (r) => expect(JSON.stringify(r.gateways[0]?.xds.routes)).not.toContain('dup'),
  },
  'conflict-https-same-hostname': {
    conditions: [
      'Gateway default/gw: Accepted=False/ListenersNotValid',
      'Gateway default/gw listener one: Conflicted=True/HostnameConflict',
      'Gateway default/gw listener two: Conflicted=True/HostnameConflict',
    ],
    check: NOTHING_FOR_GW,
  },
  // A malformed EnvoyProxyParameters (an unknown field, a negative replica count, a toleration
  // value with Exists): the Gateway that names it is InvalidParameters, naming every problem.
  'envoyproxyparameters-access-log-file-path': {
    conditions: ['Gateway default/gw: Accepted=False/InvalidParameters'],
    check: (r) =>
      expect(conditionMessage(r, 'Gateway default/gw: Accepted=False/InvalidParameters')).toContain(
        'spec.telemetry.accessLog.settings[0].sinks[0].file.path: "/var/log/envoy/access.log": Portico writes access logs to /dev/stdout or /dev/stderr only',
      ),
  },
  'gateway-parameters-envoyproxyparameters': {
    conditions: ['Gateway default/malformed: Accepted=False/InvalidParameters'],
    check: (r) =>
      expect(conditionMessage(r, 'Gateway default/malformed: Accepted=False/InvalidParameters')).toBe(
        'spec.infrastructure.parametersRef EnvoyProxyParameters.gateway.portico.dev default/malformed is not valid: spec.deployment.colour: unknown field; spec.deployment.replicas: -1 must be a whole number from 0 to 1000; spec.deployment.tolerations[0].value: must be empty when operator is Exists',
      ),
  },
  'grpcroute-invalid-matches-and-filters': {
    conditions: [
      'GRPCRoute default/partly parent gw: Accepted=True/Accepted',
      'GRPCRoute default/partly parent gw: PartiallyInvalid=True/UnsupportedValue',
      'GRPCRoute default/all-bad parent gw: Accepted=False/UnsupportedValue',
      'GRPCRoute default/url-rewrite parent gw: Accepted=False/UnsupportedValue',
      'GRPCRoute default/bad-headers parent gw: Accepted=False/UnsupportedValue',
      'Gateway default/gw listener http: attachedRoutes 3', // partly, no-rules and regex
    ],
    check: (r) => {
      expect(conditionMessage(r, 'GRPCRoute default/partly parent gw: PartiallyInvalid=True/UnsupportedValue')).toMatch(
        /^Dropped Rule/,
      );
      // Only the good rule of `partly` is served (and regex's, a route the CRD accepts).
      expect(routeMatches(r).sort()).toEqual([
        JSON.stringify({ path: '/echo.Echo/Get' }),
        JSON.stringify({ path: '/echo.Echo/List' }),
      ]);
    },
  },
  'https-frontend-validation-missing-ca': {
    // The golden case no longer holds the malformed per-port entry (the CRD refuses it): added here.
    mutate: (objects) => {
      const gateway = objects.find((o) => o.kind === 'Gateway') as unknown as {
        spec: { tls: { frontend: { perPort: unknown[] } }; listeners: unknown[] };
      };
      gateway.spec.tls.frontend.perPort.unshift({ port: 7443, tls: 'malformed' });
      gateway.spec.listeners.push({
        name: 'https-malformed',
        hostname: 'www.example.com',
        port: 7443,
        protocol: 'HTTPS',
        tls: { certificateRefs: [{ name: 'www-cert' }] },
      });
    },
    conditions: [
      'Gateway default/gw listener https-malformed: Accepted=False/UnsupportedValue',
      'Gateway default/gw listener https-malformed: Programmed=False/Invalid',
      'Gateway default/gw listener https: Accepted=False/NoValidCACertificate',
    ],
    // Never served without the client check the default asks for.
    check: NOTHING_FOR_GW,
  },
  'invalid-duplicate-listener-names': {
    conditions: ['Gateway default/gw: Accepted=False/Invalid', 'Gateway default/gw: Programmed=False/Invalid'],
    check: (r) => {
      expect(conditionMessage(r, 'Gateway default/gw: Accepted=False/Invalid')).toContain('http');
      expect(r.gateways.filter((g) => g.name === 'default/gw')).toEqual([]);
      expect(conditionLines(r)).not.toContain('HTTPRoute default/web parent gw: Accepted=True/Accepted');
    },
  },
  'invalid-duplicate-rule-names': {
    conditions: [
      'HTTPRoute default/web parent gw: Accepted=False/UnsupportedValue',
      'Gateway default/gw listener http: attachedRoutes 0',
    ],
    check: (r) => {
      expect(conditionMessage(r, 'HTTPRoute default/web parent gw: Accepted=False/UnsupportedValue')).toContain('main');
      expect(routeMatches(r)).toEqual([]);
    },
  },
  'invalid-header-control-characters': {
    conditions: ['HTTPRoute default/web parent gw: Accepted=False/UnsupportedValue'],
    check: (r) => {
      expect(conditionMessage(r, 'HTTPRoute default/web parent gw: Accepted=False/UnsupportedValue')).toContain(
        'contains control characters',
      );
      expect(routeMatches(r)).toEqual([]);
      expect(JSON.stringify(r.gateways.map((g) => g.xds))).not.toMatch(/\\r|\\n/);
    },
  },
  'invalid-header-name': {
    conditions: [
      'HTTPRoute default/web parent gw: Accepted=True/Accepted',
      'HTTPRoute default/web parent gw: PartiallyInvalid=True/UnsupportedValue',
    ],
    check: (r) => {
      expect(routeMatches(r)).toEqual([JSON.stringify({ path_separated_prefix: '/fine' })]);
      expect(JSON.stringify(r.gateways.map((g) => g.xds))).not.toContain(':authority');
    },
  },
  'invalid-incompatible-filters': {
    conditions: ['HTTPRoute default/web parent gw: Accepted=False/IncompatibleFilters'],
    check: (r) => expect(routeMatches(r)).toEqual([]),
  },
  'invalid-replace-prefix-on-exact-match': {
    conditions: ['HTTPRoute default/web parent gw: Accepted=False/UnsupportedValue'],
    check: (r) => {
      expect(conditionMessage(r, 'HTTPRoute default/web parent gw: Accepted=False/UnsupportedValue')).toContain(
        'ReplacePrefixMatch',
      );
      expect(routeMatches(r)).toEqual([]);
    },
  },
  'invalid-timeout-backend-exceeds-request': {
    conditions: [
      'HTTPRoute default/web parent gw: Accepted=True/Accepted',
      'HTTPRoute default/web parent gw: PartiallyInvalid=True/UnsupportedValue',
    ],
    check: (r) => expect(routeMatches(r)).toEqual([JSON.stringify({ prefix: '/' })]),
  },
  'invalid-unknown-filter-type': {
    conditions: ['HTTPRoute default/teapot parent gw: Accepted=False/UnsupportedValue'],
    check: (r) => expect(routeMatches(r)).toEqual([]),
  },
  'session-header': {
    // Written against the v1.6 CRDs (before header.name): the header's name is not where v1.7.0
    // puts it, so the rule cannot be honoured as written.
    mutate: (objects) => {
      const route = objects.find((o) => o.kind === 'HTTPRoute') as unknown as {
        spec: { rules: { sessionPersistence: unknown }[] };
      };
      route.spec.rules[0]!.sessionPersistence = { type: 'Header', sessionName: 'X-Session-Id' };
    },
    conditions: ['HTTPRoute default/web parent gw: Accepted=False/UnsupportedValue'],
    check: (r) => expect(routeMatches(r)).toEqual([]),
  },
  // BackendTrafficPolicy rateLimit values the CRD refuses (a Distinct header with a value, a range
  // that is not a CIDR, requests 0): Invalid, naming the field, and not applied (no local_ratelimit
  // configuration on their routes), which are still served.
  'rate-limit-refused': {
    conditions: [
      'BackendTrafficPolicy default/distinct-with-value ancestor Gateway gw: Accepted=False/Invalid',
      'BackendTrafficPolicy default/bad-cidr ancestor Gateway gw: Accepted=False/Invalid',
      'BackendTrafficPolicy default/zero-requests ancestor Gateway gw: Accepted=False/Invalid',
    ],
    check: (r) => {
      const routes = (r.gateways.find((g) => g.name === 'default/gw')?.xds.routes ?? []) as {
        virtual_hosts?: { name: string; routes?: { route?: unknown; typed_per_filter_config?: object }[] }[];
      }[];
      const hosts = new Map(routes.flatMap((c) => c.virtual_hosts ?? []).map((v) => [v.name, v.routes ?? []]));
      for (const host of ['a.example.com', 'b.example.com', 'c.example.com']) {
        const mine = hosts.get(host) ?? [];
        expect(mine.length).toBeGreaterThan(0);
        for (const x of mine) {
          expect(x.route).toBeDefined();
          expect(x.typed_per_filter_config).toBeUndefined();
        }
      }
    },
  },
  // SecurityPolicy apiKeyAuth sections the CRD refuses (an extractFrom entry with two sources, an
  // empty extractFrom): Invalid, and their routes closed (500).
  'security-policy-api-key-refused': {
    conditions: [
      'SecurityPolicy default/two-sources ancestor Gateway gw: Accepted=False/Invalid',
      'SecurityPolicy default/no-sources ancestor Gateway gw: Accepted=False/Invalid',
    ],
    check: (r) => {
      const routes = (r.gateways.find((g) => g.name === 'default/gw')?.xds.routes ?? []) as {
        virtual_hosts?: { routes?: { name: string; direct_response?: { status: number } }[] }[];
      }[];
      const all = routes.flatMap((c) => c.virtual_hosts ?? []).flatMap((v) => v.routes ?? []);
      for (const name of ['r-two-sources', 'r-no-sources']) {
        const mine = all.filter((x) => x.name.startsWith(`httproute/default/${name}/`));
        expect(mine.length).toBeGreaterThan(0);
        for (const x of mine) expect(x.direct_response).toEqual({ status: 500 });
      }
    },
  },
  // SecurityPolicy extAuth sections the CRD refuses (a field Portico does not take, http and grpc
  // both): Invalid, and the routes they apply to closed (500).
  'security-policy-ext-auth-unresolved': {
    conditions: [
      'SecurityPolicy default/bad-fields ancestor Gateway gw: Accepted=False/Invalid',
      'SecurityPolicy default/both ancestor Gateway gw: Accepted=False/Invalid',
    ],
    check: (r) => {
      const routes = (r.gateways.find((g) => g.name === 'default/gw')?.xds.routes ?? []) as {
        virtual_hosts?: { name: string; routes?: { direct_response?: { status: number } }[] }[];
      }[];
      const hosts = new Map(routes.flatMap((c) => c.virtual_hosts ?? []).map((v) => [v.name, v.routes ?? []]));
      for (const host of ['bad.example.com', 'both.example.com']) {
        expect(hosts.get(host)?.map((x) => x.direct_response)).toEqual([{ status: 500 }]);
      }
    },
  },
  // A jwt provider with remoteJWKS.backendRefs (not in Portico's CRD): Invalid, its route closed.
  'security-policy-jwt-invalid': {
    conditions: ['SecurityPolicy default/unsupported ancestor Gateway gw: Accepted=False/Invalid'],
    check: (r) => {
      const routes = (r.gateways.find((g) => g.name === 'default/gw')?.xds.routes ?? []) as {
        virtual_hosts?: { name: string; routes?: { direct_response?: { status: number } }[] }[];
      }[];
      const hosts = new Map(routes.flatMap((c) => c.virtual_hosts ?? []).map((v) => [v.name, v.routes ?? []]));
      for (const host of ['unsupported.example.com']) {
        expect(hosts.get(host)?.map((x) => x.direct_response)).toEqual([{ status: 500 }]);
      }
    },
  },
  // A jwt principal in a policy without a jwt section (the CRD's rule refuses it): Invalid, closed.
  'security-policy-jwt-principal': {
    conditions: ['SecurityPolicy default/no-jwt ancestor Gateway gw: Accepted=False/Invalid'],
    check: (r) => {
      const routes = (r.gateways.find((g) => g.name === 'default/gw')?.xds.routes ?? []) as {
        virtual_hosts?: { name: string; routes?: { direct_response?: { status: number } }[] }[];
      }[];
      const hosts = new Map(routes.flatMap((c) => c.virtual_hosts ?? []).map((v) => [v.name, v.routes ?? []]));
      for (const host of ['no-jwt.example.com']) {
        expect(hosts.get(host)?.map((x) => x.direct_response)).toEqual([{ status: 500 }]);
      }
    },
  },
  // A SecurityPolicy whose rule has a jwt principal but no jwt section (the CRD's rule refuses it):
  // Invalid, and the rule it targets is closed (500) while the route's other rule forwards.
  'security-policy-status': {
    conditions: ['SecurityPolicy default/jwt-principal ancestor Gateway gw: Accepted=False/Invalid'],
    check: (r) => {
      const routes = (r.gateways.find((g) => g.name === 'default/gw')?.xds.routes ?? []) as {
        virtual_hosts?: { routes?: { name: string; direct_response?: { status: number }; route?: unknown }[] }[];
      }[];
      const byName = new Map(
        routes
          .flatMap((c) => c.virtual_hosts ?? [])
          .flatMap((v) => v.routes ?? [])
          .map((x) => [x.name, x]),
      );
      expect(byName.get('httproute/default/secure2/rule/main/match/0')?.direct_response).toEqual({ status: 500 });
      expect(byName.get('httproute/default/secure2/rule/open/match/0')?.route).toBeDefined();
    },
  },
  // What the ClientTrafficPolicy CRD refuses: a section it does not have (Envoy Gateway's http3, not
  // implemented) makes the policy Invalid, applied nowhere; an HTTPRoute target is Invalid on an
  // ancestor entry of its own while the policy's Gateway target is served.
  'client-traffic-policy-status': {
    mutate: (objects) => {
      const policy = (name: string) =>
        objects.find((o) => o.kind === 'ClientTrafficPolicy' && o.metadata.name === name) as unknown as {
          spec: { targetRefs: unknown[]; http3?: unknown };
        };
      policy('missing-gateway').spec.targetRefs.push({
        group: 'gateway.networking.k8s.io',
        kind: 'HTTPRoute',
        name: 'web',
      });
      policy('in-set').spec.http3 = {};
    },
    conditions: [
      'ClientTrafficPolicy default/missing-gateway ancestor HTTPRoute web: Accepted=False/Invalid',
      'ClientTrafficPolicy default/in-set ancestor Gateway gw: Accepted=False/Invalid',
    ],
    check: (r) => {
      const line = 'ClientTrafficPolicy default/in-set ancestor Gateway gw: Accepted=False/Invalid';
      expect(conditionMessage(r, line)).toContain('spec.http3 is not supported yet');
      // Its listener keeps Portico's defaults: no request_timeout from it, none from the Gateway's policy.
      const listeners = (r.gateways.find((g) => g.name === 'default/gw')?.xds.listeners ?? []) as { name: string }[];
      const extra = JSON.stringify(listeners.find((l) => l.name === 'default/gw/http-9090'));
      expect(extra).toBeDefined();
      expect(extra).not.toContain('request_timeout');
    },
  },
  // A targetRef of a kind a SecurityPolicy cannot attach to (the CRD allows four): an ancestor entry
  // of its own, Invalid, while the policy's other targets are served.
  'security-policy-precedence': {
    mutate: (objects) => {
      const policy = objects.find((o) => o.kind === 'SecurityPolicy') as unknown as {
        spec: { targetRefs: unknown[] };
      };
      policy.spec.targetRefs.push({ group: 'gateway.networking.k8s.io', kind: 'TCPRoute', name: 'tcp' });
    },
    conditions: [
      expect.stringMatching(/^SecurityPolicy default\/[a-z-]+ ancestor TCPRoute tcp: Accepted=False\/Invalid$/),
    ],
  },
  'tlsroute-terminate-and-invalid': {
    conditions: ['TLSRoute default/two-rules parent gw/terminate: Accepted=False/UnsupportedValue'],
    check: (r) => expect(JSON.stringify(r.gateways.map((g) => g.xds))).not.toContain('two-rules'),
  },
};

describe('the translator, given objects the CRDs refuse', () => {
  it('covers every golden case whose objects are refused before translation', () => {
    const golden = readdirSync(GOLDEN_DIR)
      .filter((f) => f.endsWith('.in.yaml'))
      .map((f) => f.slice(0, -'.in.yaml'.length));
    const refused = golden.filter((name) => loadYaml(goldenText(name), name).rejected.length > 0);
    // A case with `mutate` had its refused part moved here from the golden file.
    expect(refused).toEqual(Object.keys(DEFENCES).filter((name) => !DEFENCES[name]!.mutate));
  });

  it.each(Object.entries(DEFENCES))('%s', (name, defence) => {
    const objects = unvalidatedObjects(goldenText(name));
    defence.mutate?.(objects);
    const result = translateUnvalidated(objects);
    expect(conditionLines(result)).toEqual(expect.arrayContaining(defence.conditions));
    defence.check?.(result);
  });
});
