/** The experimental kinds of gateway.networking.x-k8s.io Portico reads (Gateway API v1.7.0). */
import type { KubeObject } from './kube-object.js';
import type { BackendObjectReference, HTTPHeader, PolicyAncestorStatus, PolicyStatus } from './gateway-api.js';

// ---------- XBackend (gateway.networking.x-k8s.io/v1alpha1, experimental in Gateway API v1.7.0) ----------

export interface XBackendStatus {
  ancestors?: PolicyAncestorStatus[];
}
/** Its spec is untrusted input, read once by `readXBackend` (src/resources/read/xbackend.ts). */
export type XBackend = KubeObject<unknown, XBackendStatus>;

/** The part of a Pod an XBackend's EndpointSelector reads: labels, addresses and readiness. */
export interface PodStatus {
  phase?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  conditions?: { type: string; status: string }[];
}
export type Pod = KubeObject<unknown, PodStatus>;

// ---------- XBackendTrafficPolicy (gateway.networking.x-k8s.io/v1alpha1, experimental in Gateway API v1.7.0, GEP-3388) ----------

/** Its spec is untrusted input, read once by `readXBackendTrafficPolicy` (src/resources/read/x-backend-traffic-policy.ts). */
export type XBackendTrafficPolicy = KubeObject<unknown, PolicyStatus>;

// ---------- XTelemetryPolicy (gateway.networking.x-k8s.io/v1alpha1, experimental in Gateway API v1.7.0) ----------

/** A sampling probability as the CRD writes it (`denominator` defaults to 100). */
export interface TelemetryFraction {
  numerator: number;
  denominator?: number;
}

/** One attribute put on every span (GEP-4768 `Attribute`). */
export interface TelemetryAttribute {
  name: string;
  sourceType: 'Header' | 'Literal' | 'Attribute';
  headerName?: string;
  literalValue?: string;
  /** A key of the standardized attribute dictionary (GEP-5253), e.g. `http.request.method`. */
  attributeKey?: string;
}

export type TelemetryMode = 'Enabled' | 'Disabled' | 'ImplementationDefault';

export interface XTelemetryPolicySpec {
  targetRefs: { group: string; kind: string; name: string }[];
  tracing?: {
    mode?: TelemetryMode;
    provider?: { backendRef: BackendObjectReference; headers?: HTTPHeader[] };
    samplingRate?: TelemetryFraction;
    parentBasedSampling?: { mode?: TelemetryMode; samplingRate?: TelemetryFraction };
    serviceName?: string;
    spanName?: string;
    attributes?: TelemetryAttribute[];
  };
}
export type XTelemetryPolicy = KubeObject<XTelemetryPolicySpec, PolicyStatus>;
