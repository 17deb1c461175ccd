/**
 * What the operator sets for provisioning (`portico serve --provider kubernetes` flags), on its
 * own so that the modules that build the objects (resources.ts) and plan addresses
 * (gateway-addresses.ts) both take it from below instead of from each other.
 */
import type { HostPort } from '../bootstrap.js';

/** The Envoy image (the version Portico's end-to-end tests run); `--envoy-image` overrides. */
export const DEFAULT_ENVOY_IMAGE = 'envoyproxy/envoy:v1.40.0';

export type ServiceType = 'LoadBalancer' | 'NodePort' | 'ClusterIP';
export const SERVICE_TYPES: readonly ServiceType[] = ['LoadBalancer', 'NodePort', 'ClusterIP'];

export interface ProvisionSettings {
  /** Where the Envoys connect: the xDS Service's DNS name and port. */
  xds: HostPort;
  /** Mutual TLS to xDS with the Gateway's client certificate (default true; false only for local experiments). */
  tls?: boolean;
  envoyImage?: string;
  serviceType?: ServiceType;
  replicas?: number;
}
