/**
 * Where the Kubernetes provider finds its cluster, in the order controller-runtime uses:
 * `--kubeconfig PATH`, then `$KUBECONFIG`, then the in-cluster service account, then
 * `~/.kube/config`. client-node's own default silently falls back to http://localhost:8080;
 * Portico says what to set instead.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeConfigSource {
  /** `--kubeconfig PATH`. */
  path?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const config = new KubeConfig();
  const env = source.env ?? process.env;
  try {
    if (source.path) {
      config.loadFromFile(source.path);
    } else if (env.KUBECONFIG) {
      config.loadFromDefault();
    } else if (existsSync(SERVICE_ACCOUNT_TOKEN) && env.KUBERNETES_SERVICE_HOST) {
      config.loadFromCluster();
    } else if (existsSync(join(homedir(), '.kube', 'config'))) {
      config.loadFromFile(join(homedir(), '.kube', 'config'));
    } else {
      throw new Error(
        'no Kubernetes configuration found: pass --kubeconfig PATH, set KUBECONFIG, or run in a Pod with a service account',
      );
    }
  } catch (err) {
    const where = source.path ?? env.KUBECONFIG ?? 'the default locations';
    throw new Error(`cannot load the Kubernetes configuration from ${where}: ${(err as Error).message}`);
  }
  if (!config.getCurrentCluster()) {
    throw new Error('the Kubernetes configuration has no current cluster: set current-context in the kubeconfig');
  }
  return config;
}
