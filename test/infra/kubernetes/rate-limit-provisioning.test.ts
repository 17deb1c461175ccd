/**
 * The rate limit service Portico provisions in a cluster for Global rate limits: its objects
 * (rate-limit-resources.ts) and what a pass writes to the API server (rate-limit-provisioner.ts).
 */
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { ApiError } from '../../../src/kube-client/kube-api.js';
import type { KubeApi, KubeRequest } from '../../../src/kube-client/kube-api.js';
import { RateLimitProvisioner } from '../../../src/infra/kubernetes/rate-limit-provisioner.js';
import {
  RATE_LIMIT_GRPC_PORT,
  rateLimitObjects,
  rateLimitServiceAddress,
} from '../../../src/infra/kubernetes/rate-limit-resources.js';
import type { KubeObject } from '../../../src/resources/types.js';
import type { RateLimitServiceConfig } from '../../../src/translate/xds/rate-limit-service-config.js';

const configs: RateLimitServiceConfig[] = [
  {
    domain: 'team-b/web',
    descriptors: [{ key: 'r0', value: 'x', rate_limit: { unit: 'minute', requests_per_unit: 3 } }],
  },
  {
    domain: 'team-a/edge',
    descriptors: [{ key: 'r1', rate_limit: { unit: 'second', requests_per_unit: 10 } }],
  },
];

/* eslint-disable @typescript-eslint/no-explicit-any */
const byName = (objects: KubeObject[], kind: string, name: string): any =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('the provisioned rate limit service', () => {
  const objects = rateLimitObjects(configs, { namespace: 'portico-system' });

  it('is one ConfigMap, two Deployments, two Services and their ServiceAccounts, in Portico’s namespace', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/portico-system/portico-ratelimit-redis',
      'Deployment/portico-system/portico-ratelimit-redis',
      'Service/portico-system/portico-ratelimit-redis',
      'ConfigMap/portico-system/portico-ratelimit',
      'ServiceAccount/portico-system/portico-ratelimit',
      'Deployment/portico-system/portico-ratelimit',
      'Service/portico-system/portico-ratelimit',
    ]);
    // Never owned by a Gateway: the service is shared.
    for (const o of objects) expect((o.metadata as unknown as Record<string, unknown>).ownerReferences).toBeUndefined();
  });

  it('holds one ConfigMap key per Gateway domain, each the service’s YAML for that domain', () => {
    const data = byName(objects, 'ConfigMap', 'portico-ratelimit').data as Record<string, string>;
    expect(Object.keys(data)).toEqual(['team-a_edge.yaml', 'team-b_web.yaml']);
    expect(parse(data['team-b_web.yaml']!)).toEqual(configs[0]);
    expect(parse(data['team-a_edge.yaml']!)).toEqual(configs[1]);
    for (const key of Object.keys(data)) expect(key).toMatch(/^[-._a-zA-Z0-9]+$/);
  });

  it('mounts the ConfigMap as the directory the service watches itself (kubelet swaps a symlink)', () => {
    const container = byName(objects, 'Deployment', 'portico-ratelimit').spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(container.volumeMounts[0].mountPath).toBe(
      `${env.RUNTIME_ROOT}/${env.RUNTIME_SUBDIRECTORY}/${env.RUNTIME_APPDIRECTORY}`,
    );
    expect(env).toMatchObject({
      RUNTIME_WATCH_ROOT: 'false',
      RUNTIME_IGNOREDOTFILES: 'true',
      GRPC_PORT: String(RATE_LIMIT_GRPC_PORT),
      REDIS_URL: 'portico-ratelimit-redis.portico-system.svc:6379',
      DEBUG_HOST: '127.0.0.1',
    });
    expect(container.image).toBe('envoyproxy/ratelimit:3fb70258');
    const redis = byName(objects, 'Deployment', 'portico-ratelimit-redis').spec.template.spec.containers[0];
    expect(redis.image).toBe('redis:7.0.15');
    // Nothing persisted.
    expect(redis.args.join(' ')).toContain('--save  --appendonly no');
  });

  it('takes the images it is given', () => {
    const given = rateLimitObjects(configs, { namespace: 'p', rateLimitImage: 'r:1', redisImage: 'd:2' });
    expect(byName(given, 'Deployment', 'portico-ratelimit').spec.template.spec.containers[0].image).toBe('r:1');
    expect(byName(given, 'Deployment', 'portico-ratelimit-redis').spec.template.spec.containers[0].image).toBe('d:2');
    expect(rateLimitServiceAddress('p')).toEqual({ host: 'portico-ratelimit.p.svc', port: 8081 });
  });

  it('is what manifests/admission-policy.yaml lets Portico write', () => {
    for (const o of objects) {
      expect(o.metadata.name.startsWith('portico-')).toBe(true);
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('portico');
    }
    for (const d of objects.filter((o) => o.kind === 'Deployment') as any[]) {
      const pod = d.spec.template.spec;
      expect(pod.serviceAccountName).toBe(d.metadata.name);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.hostNetwork ?? pod.hostPID ?? pod.hostIPC).toBeUndefined();
      for (const v of pod.volumes ?? []) expect(Object.keys(v).sort()).toEqual(['configMap', 'name']);
      for (const c of pod.containers) {
        expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
        for (const p of c.ports) expect(p.hostPort).toBeUndefined();
      }
    }
    for (const s of objects.filter((o) => o.kind === 'Service') as any[]) expect(s.spec.type).toBe('ClusterIP');
  });

  it('is selected by manifests/networkpolicy.yaml: the service from Envoys only, Redis from the service only', () => {
    const policies = parseAllDocuments(
      readFileSync(new URL('../../../../manifests/networkpolicy.yaml', import.meta.url), 'utf8'),
    )
      .map((d) => d.toJS() as any)
      .filter((p) => p?.kind === 'NetworkPolicy');
    const podLabels = (name: string) => byName(objects, 'Deployment', name).spec.template.metadata.labels;
    const selects = (p: any, labels: Record<string, string>) =>
      Object.entries(p.spec.podSelector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v);
    const service = policies.filter((p) => selects(p, podLabels('portico-ratelimit')));
    const redis = policies.filter((p) => selects(p, podLabels('portico-ratelimit-redis')));
    expect(service.map((p) => p.metadata.name)).toEqual(['portico-ratelimit']);
    expect(redis.map((p) => p.metadata.name)).toEqual(['portico-ratelimit-redis']);
    expect(service[0].spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/component']).toBe('envoy');
    expect(service[0].spec.ingress[0].ports).toEqual([{ port: 'grpc', protocol: 'TCP' }]);
    expect(
      selects({ spec: { podSelector: redis[0].spec.ingress[0].from[0].podSelector } }, podLabels('portico-ratelimit')),
    ).toBe(true);
    const ports = (name: string) =>
      byName(objects, 'Deployment', name).spec.template.spec.containers[0].ports.map((p: { name: string }) => p.name);
    expect(ports('portico-ratelimit')).toContain('grpc');
    expect(ports('portico-ratelimit-redis')).toContain('redis');
  });
});

describe('RateLimitProvisioner', () => {
  function fakeApi(missing = false): { api: KubeApi; calls: string[] } {
    const calls: string[] = [];
    const api: KubeApi = {
      server: 'https://fake',
      request<T>(req: KubeRequest): Promise<T> {
        calls.push(`${req.method ?? 'GET'} ${req.path}`);
        if (missing && req.method === 'DELETE') return Promise.reject(new ApiError(404, 'not found', 'NotFound'));
        return Promise.resolve({} as T);
      },
    };
    return { api, calls };
  }

  it('applies every object when a Gateway has a Global rate limit', async () => {
    const { api, calls } = fakeApi();
    const result = await new RateLimitProvisioner({ api, namespace: 'portico-system' }).reconcile(configs);
    expect(result.errors).toEqual([]);
    expect(calls).toHaveLength(7);
    expect(calls.every((c) => c.startsWith('PATCH /'))).toBe(true);
    expect(calls).toContain('PATCH /api/v1/namespaces/portico-system/configmaps/portico-ratelimit');
    expect(calls).toContain('PATCH /apis/apps/v1/namespaces/portico-system/deployments/portico-ratelimit');
  });

  it('deletes them when none has, and one already gone is no error', async () => {
    const { api, calls } = fakeApi(true);
    const result = await new RateLimitProvisioner({ api, namespace: 'portico-system' }).reconcile([]);
    expect(result.errors).toEqual([]);
    expect(calls).toHaveLength(7);
    expect(calls.every((c) => c.startsWith('DELETE /'))).toBe(true);
    expect(calls).toContain('DELETE /apis/apps/v1/namespaces/portico-system/deployments/portico-ratelimit-redis');
  });
});
