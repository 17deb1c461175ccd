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

/**
 * The rate limit service's image (github.com/envoyproxy/ratelimit at the commit hack/ratelimit/go.mod
 * pins, tagged as upstream tags its images: the commit's first 8 hex digits); `--rate-limit-image`
 * overrides. Its binary is `/bin/ratelimit`.
 */
export const DEFAULT_RATE_LIMIT_IMAGE = 'envoyproxy/ratelimit:3fb70258';
/** Redis for the rate limit service's counters (`redis-server` on the PATH); `--redis-image` overrides. */
export const DEFAULT_REDIS_IMAGE = 'redis:7.0.15';

/** The rate limit service Portico provisions in its own namespace for Global rate limits. */
export interface RateLimitProvisionSettings {
  /** Portico's namespace: the service, its Redis and its configuration live there. */
  namespace: string;
  rateLimitImage?: string;
  redisImage?: string;
}
