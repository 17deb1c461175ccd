/**
 * SecurityPolicy against the REAL API server, with the CRD of manifests/ installed:
 * - the CRD takes a policy with every section of the subset (Envoy Gateway's field names), and
 *   refuses what its schema and rules refuse (a target kind Portico cannot attach to, a bad CIDR,
 *   both extAuth protocols, no target at all, an Envoy Gateway field Portico does not take);
 * - Portico's Kubernetes path (informers → pipeline → status writer) writes the policies' status:
 *   Accepted on the Gateway its route is attached to, Invalid for a section not implemented yet,
 *   and the route's SecurityPolicyAffected condition; a change of the policy is followed.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { APPLY_PATCH } from '../../src/kube-client/kube-api.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import { KUBECTL_YAML_OPTIONS } from '../../src/resources/kubectl-yaml.js';
import type { Condition, KubeObject, PolicyStatus, RouteParentStatus } from '../../src/resources/types.js';
import * as fixtures from '../support/fixtures.js';
import { startRecordedPortico } from './recorded-portico.js';
import type { RecordedPortico } from './recorded-portico.js';
import { connectTestCluster, create, eventually, get, patch, remove, uniqueName } from './test-cluster.js';
import type { TestCluster } from './test-cluster.js';

const CRD_FILE = 'manifests/crd-securitypolicy.yaml';
const CRD_NAME = 'securitypolicies.gateway.portico.dev';
const API_VERSION = 'gateway.portico.dev/v1alpha1';
const G = 'gateway.networking.k8s.io';

async function installCrd(api: KubeApi): Promise<void> {
  const crd = parseAllDocuments(readFileSync(CRD_FILE, 'utf8'), KUBECTL_YAML_OPTIONS)[0]!.toJS() as unknown;
  await api.request({
    method: 'PATCH',
    path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`,
    query: { fieldManager: 'portico-test', force: 'true' },
    contentType: APPLY_PATCH,
    body: crd,
  });
  await eventually('the SecurityPolicy CRD served', async () => {
    const list = await api.request<{ resources?: { name: string }[] }>({ path: `/apis/${API_VERSION}` });
    return list.resources?.some((r) => r.name === 'securitypolicies/status') ? true : undefined;
  });
}

/** Every section of the subset, as an Envoy Gateway user writes it. */
const EVERY_SECTION = {
  jwt: {
    providers: [
      {
        name: 'idp',
        issuer: 'https://idp.example.com',
        audiences: ['api'],
        remoteJWKS: { uri: 'https://idp.example.com/jwks' },
        claimToHeaders: [{ header: 'x-sub', claim: 'sub' }],
        recomputeRoute: true,
        extractFrom: { headers: [{ name: 'authorization', valuePrefix: 'Bearer ' }], cookies: ['t'], params: ['t'] },
      },
      { name: 'local', localJWKS: { type: 'ValueRef', valueRef: { group: '', kind: 'ConfigMap', name: 'jwks' } } },
    ],
  },
  oidc: {
    provider: {
      issuer: 'https://idp.example.com',
      authorizationEndpoint: 'https://idp/a',
      tokenEndpoint: 'https://idp/t',
    },
    clientID: 'portico',
    clientSecret: { name: 'oidc' },
    redirectURL: 'https://app.example.com/oauth2/callback',
    logoutPath: '/logout',
    scopes: ['openid', 'email'],
    cookieNames: { accessToken: 'at', idToken: 'it' },
  },
  basicAuth: { users: { name: 'htpasswd' } },
  apiKeyAuth: { credentialRefs: [{ name: 'keys' }], extractFrom: [{ headers: ['x-api-key'] }, { params: ['key'] }] },
  extAuth: {
    http: { backendRefs: [{ name: 'authz', port: 8080 }], path: '/check', headersToBackend: ['x-user'] },
    headersToExtAuth: ['authorization'],
    failOpen: false,
    bodyToExtAuth: { maxRequestBytes: 8192 },
  },
  authorization: {
    defaultAction: 'Deny',
    rules: [
      { name: 'office', action: 'Allow', principal: { clientCIDRs: ['10.0.0.0/8', '2001:db8::/64'] } },
      {
        action: 'Allow',
        principal: { jwt: { provider: 'idp', scopes: ['admin'] }, headers: [{ name: 'x-a', values: ['b'] }] },
      },
    ],
  },
};

function accepted(status: unknown): Condition | undefined {
  return (status as PolicyStatus | undefined)?.ancestors?.[0]?.conditions.find((c) => c.type === 'Accepted');
}

describe('SecurityPolicy (real API server)', () => {
  let cluster: TestCluster;
  let api: KubeApi;
  let ns: string;
  let className: string;
  let portico: RecordedPortico | undefined;

  const policy = (name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: API_VERSION,
    kind: 'SecurityPolicy',
    metadata: { name, namespace: ns },
    spec,
  });
  const routeTarget = { targetRefs: [{ group: G, kind: 'HTTPRoute', name: 'web' }] };

  beforeAll(async () => {
    cluster = await connectTestCluster();
    api = cluster.api;
    await installCrd(api);
    ns = uniqueName('portico-secpol');
    className = uniqueName('portico-secpol');
    await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });

  afterAll(async () => {
    if (!api) return;
    await portico?.stop();
    await remove(api, 'GatewayClass', className);
    await remove(api, 'Namespace', ns);
  });

  it('takes every section of the subset, and refuses what its schema and rules refuse', async () => {
    await create(api, policy('a-everything', { ...routeTarget, ...EVERY_SECTION }));
    const refused: [string, Record<string, unknown>, RegExp][] = [
      ['no-target', { authorization: {} }, /either targetRefs or targetSelectors must be used/],
      [
        'tcp-target',
        { targetRefs: [{ group: G, kind: 'TCPRoute', name: 't' }] },
        /targetRefs\[\*\]\.kind of Gateway\/ListenerSet\/HTTPRoute\/GRPCRoute/,
      ],
      [
        'bad-cidr',
        {
          ...routeTarget,
          authorization: { rules: [{ action: 'Allow', principal: { clientCIDRs: ['10.0.0.0/33'] } }] },
        },
        /must be a CIDR/,
      ],
      [
        'both-protocols',
        {
          ...routeTarget,
          extAuth: { http: { backendRefs: [{ name: 'a', port: 1 }] }, grpc: { backendRefs: [{ name: 'a', port: 1 }] } },
        },
        /only one of grpc or http can be specified/,
      ],
      [
        'jwt-principal-without-jwt',
        {
          ...routeTarget,
          authorization: { rules: [{ action: 'Allow', principal: { jwt: { provider: 'p', scopes: ['s'] } } }] },
        },
        /jwt must be defined/,
      ],
      ['unknown-action', { ...routeTarget, authorization: { defaultAction: 'Permit' } }, /Unsupported value: "Permit"/],
    ];
    for (const [name, spec, message] of refused) {
      await expect(create(api, policy(name, spec))).rejects.toThrow(message);
    }
    // An Envoy Gateway field Portico does not take: refused under strict field validation (kubectl's default).
    await expect(
      api.request({
        method: 'POST',
        path: `/apis/${API_VERSION}/namespaces/${ns}/securitypolicies`,
        query: { fieldValidation: 'Strict' },
        body: policy('cors', { ...routeTarget, cors: { allowOrigins: ['*'] } }),
      }),
    ).rejects.toThrow(/unknown field "spec.cors"/);
  });

  it("writes the policies' status and the route's Affected condition, and follows a change", async () => {
    await create(api, fixtures.gatewayClass({ name: className }));
    await create(api, fixtures.gateway({ name: 'gw', namespace: ns, className }));
    await create(api, {
      apiVersion: fixtures.GATEWAY_API_VERSION,
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: ns },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
    });
    await create(
      api,
      policy('allow-office', {
        ...routeTarget,
        authorization: { rules: [{ action: 'Allow', principal: { clientCIDRs: ['10.0.0.0/8'] } }] },
      }),
    );
    portico = startRecordedPortico({
      kubeconfig: cluster.kubeconfig,
      leaseNamespace: ns,
      leaseName: uniqueName('lease'),
      identity: 'security-policy-test',
    });

    // `a-everything` (created first, and first by name, so the one on the route) applies: Invalid, saying
    // why; allow-office, the newer, is Conflicted naming it.
    const invalid = await eventually('a-everything Invalid', async () => {
      const c = accepted((await get(api, 'SecurityPolicy', 'a-everything', ns))?.status);
      return c?.reason === 'Invalid' ? c : undefined;
    });
    // Every section is implemented; the policy is Invalid for what Portico refuses of it on a route: a
    // jwt provider's recomputeRoute (it would let re-routed requests skip another route's checks).
    expect(invalid.message).not.toContain('not supported yet');
    expect(invalid.message).toContain(
      'jwt.providers[0].recomputeRoute is taken only on a policy that targets Gateways, ListenerSets or listeners',
    );
    const conflicted = await eventually('allow-office Conflicted', async () => {
      const c = accepted((await get(api, 'SecurityPolicy', 'allow-office', ns))?.status);
      return c?.reason === 'Conflicted' ? c : undefined;
    });
    expect(conflicted.message).toContain(`SecurityPolicy ${ns}/a-everything applies to HTTPRoute ${ns}/web`);
    const ancestor = (await get(api, 'SecurityPolicy', 'allow-office', ns))!.status as PolicyStatus;
    expect(ancestor.ancestors[0]!.ancestorRef).toMatchObject({ kind: 'Gateway', name: 'gw', namespace: ns });
    expect(ancestor.ancestors[0]!.controllerName).toBe('portico.dev/gateway-controller');

    const affected = await eventually('the route’s SecurityPolicyAffected', async () => {
      const parents = ((await get(api, 'HTTPRoute', 'web', ns))?.status as { parents?: RouteParentStatus[] })?.parents;
      return parents?.[0]?.conditions.find((c) => c.type === 'gateway.portico.dev/SecurityPolicyAffected');
    });
    expect(affected).toMatchObject({
      status: 'True',
      reason: 'Affected',
      message: `SecurityPolicy ${ns}/a-everything applies to it`,
    });

    // The older policy goes: allow-office applies, Accepted.
    await remove(api, 'SecurityPolicy', 'a-everything', ns);
    const ok = await eventually('allow-office Accepted', async () => {
      const c = accepted((await get(api, 'SecurityPolicy', 'allow-office', ns))?.status);
      return c?.reason === 'Accepted' ? c : undefined;
    });
    expect(ok).toMatchObject({ status: 'True', message: `Policy is accepted; applies to HTTPRoute ${ns}/web` });
    // Its target renamed to a route that is not there: TargetNotFound, on the route as ancestorRef.
    await patch(api, 'SecurityPolicy', 'allow-office', ns, {
      spec: { targetRefs: [{ group: G, kind: 'HTTPRoute', name: 'nope' }] },
    });
    await eventually('allow-office TargetNotFound', async () => {
      const status = (await get(api, 'SecurityPolicy', 'allow-office', ns))?.status as PolicyStatus | undefined;
      const entry = status?.ancestors?.[0];
      return entry?.ancestorRef.kind === 'HTTPRoute' &&
        entry.conditions.find((c) => c.type === 'Accepted')?.reason === 'TargetNotFound'
        ? true
        : undefined;
    });
  }, 60_000);
});
