/**
 * The provisioned Envoy objects on the API server: server-side apply (fieldManager `portico`,
 * force), delete, and the list of what Portico labelled as its own. Errors go into the pass's
 * `ReconcileResult`; nothing here throws but `list` and `getOrUndefined`.
 */
import { APPLY_PATCH, FIELD_MANAGER, isNotFound } from '../../kube-client/kube-api.js';
import type { KubeApi } from '../../kube-client/kube-api.js';
import type { KubeObject } from '../../resources/types.js';
import { errorMessage } from '../../shared/error-message.js';
import { COMPONENT_LABEL, ENVOY_COMPONENT, MANAGED_BY, MANAGED_BY_LABEL } from './resources.js';

export interface KindPath {
  kind: string;
  prefix: string;
  plural: string;
}

/** The kinds Portico provisions, in the order a pass looks for leftovers. */
export const PROVISIONED_KINDS: readonly KindPath[] = [
  { kind: 'ServiceAccount', prefix: '/api/v1', plural: 'serviceaccounts' },
  { kind: 'ConfigMap', prefix: '/api/v1', plural: 'configmaps' },
  { kind: 'Deployment', prefix: '/apis/apps/v1', plural: 'deployments' },
  { kind: 'Service', prefix: '/api/v1', plural: 'services' },
  { kind: 'Secret', prefix: '/api/v1', plural: 'secrets' },
];

export function kindPath(kind: string): KindPath {
  const found = PROVISIONED_KINDS.find((k) => k.kind === kind);
  if (!found) throw new Error(`not a provisioned kind: ${kind}`);
  return found;
}

export function objectPath(kind: string, namespace: string, name: string): string {
  const k = kindPath(kind);
  return `${k.prefix}/namespaces/${encodeURIComponent(namespace)}/${k.plural}/${encodeURIComponent(name)}`;
}

/** `<kind>/<namespace>/<name>`, as a pass records what it applied and deleted. */
export function identity(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
}

export interface ReconcileResult {
  applied: string[];
  deleted: string[];
  errors: string[];
}

export class ProvisionedObjects {
  constructor(private readonly api: KubeApi) {}

  async apply(object: KubeObject, result: ReconcileResult): Promise<void> {
    const namespace = object.metadata.namespace ?? 'default';
    try {
      await this.api.request({
        method: 'PATCH',
        path: objectPath(object.kind, namespace, object.metadata.name),
        query: { fieldManager: FIELD_MANAGER, force: 'true' },
        contentType: APPLY_PATCH,
        body: object,
        timeoutMs: 10_000,
      });
      result.applied.push(identity(object));
    } catch (err) {
      result.errors.push(`apply ${identity(object)}: ${errorMessage(err)}`);
    }
  }

  async remove(kind: string, namespace: string, name: string, result: ReconcileResult): Promise<void> {
    try {
      await this.api.request({
        method: 'DELETE',
        path: objectPath(kind, namespace, name),
        // The Deployment's ReplicaSets and Pods go with it.
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
        timeoutMs: 10_000,
      });
      result.deleted.push(`${kind}/${namespace}/${name}`);
    } catch (err) {
      if (!isNotFound(err)) result.errors.push(`delete ${kind}/${namespace}/${name}: ${errorMessage(err)}`);
    }
  }

  async listManaged(kind: KindPath): Promise<KubeObject[]> {
    const list = await this.api.request<{ items?: KubeObject[] }>({
      path: `${kind.prefix}/${kind.plural}`,
      query: { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${COMPONENT_LABEL}=${ENVOY_COMPONENT}` },
      timeoutMs: 10_000,
    });
    return list.items ?? [];
  }

  async getOrUndefined<T>(path: string): Promise<T | undefined> {
    try {
      return await this.api.request<T>({ path, timeoutMs: 10_000 });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
