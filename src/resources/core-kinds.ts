/** The core Kubernetes kinds Portico reads, only the fields it uses. */
import type { KubeObject } from './kube-object.js';

/** Untrusted input: `readService` (resources/read/service.ts) gives the ports' reading. */
export type Service = KubeObject<unknown>;

export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  }[];
  ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[];
}

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export type Namespace = KubeObject;

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** certificates.k8s.io ClusterTrustBundle (cluster-scoped): CA certificates in `spec.trustBundle` (PEM). */
export interface ClusterTrustBundle extends KubeObject {
  spec?: { signerName?: string; trustBundle?: string };
}

/** Every kind Portico reads, keyed as `<group>/<Kind>` for the Gateway API and `<Kind>` for core kinds. */
