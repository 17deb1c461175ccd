/** Portico's own kinds with a status (gateway.portico.dev). */
import type { KubeObject } from './kube-object.js';
import type { PolicyStatus } from './gateway-api.js';

/**
 * SecurityPolicy (gateway.portico.dev/v1alpha1, manifests/crd-securitypolicy.yaml). Its spec is
 * untrusted input, read once by `readSecurityPolicy` (src/resources/read/security-policy.ts).
 */
export type SecurityPolicy = KubeObject<unknown, PolicyStatus>;

/**
 * BackendTrafficPolicy (gateway.portico.dev/v1alpha1, manifests/crd-backendtrafficpolicy.yaml),
 * read once by `readBackendTrafficPolicy` (src/resources/read/backend-traffic-policy.ts).
 */
export type BackendTrafficPolicy = KubeObject<unknown, PolicyStatus>;

/**
 * ClientTrafficPolicy (gateway.portico.dev/v1alpha1, manifests/crd-clienttrafficpolicy.yaml), read
 * once by `readClientTrafficPolicy` (src/resources/read/client-traffic-policy.ts).
 */
export type ClientTrafficPolicy = KubeObject<unknown, PolicyStatus>;
