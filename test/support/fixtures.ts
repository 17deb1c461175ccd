/**
 * The Gateway API objects tests write, in one place: a GatewayClass, Gateways with their listeners,
 * and HTTPRoutes, each with the defaults most tests want and every field overridable.
 *
 * Only what a caller names is set beyond the defaults — no generation, uid, labels or timestamps
 * unless given — because those fields show in statuses (observedGeneration) and in what the
 * provisioner copies, and a test's object must be exactly the one it means.
 */
import type { KubeObject } from '../../src/resources/types.js';
import { CONTROLLER_NAME, GATEWAY_GROUP } from '../../src/resources/types.js';

export const GATEWAY_API_VERSION = `${GATEWAY_GROUP}/v1`;
/** The GatewayClass `gatewayClass()` makes and `gateway()` names unless told otherwise. */
export const PORTICO_CLASS = 'portico';

/** Metadata a test may set beyond name and namespace. */
export interface MetadataOverrides {
  generation?: number;
  uid?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
}

export interface Listener {
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  allowedRoutes?: unknown;
  tls?: unknown;
}

/** `allowedRoutes` of a listener that takes routes from its Gateway's namespace only. */
export const SAME_NAMESPACE = { namespaces: { from: 'Same' } } as const;

/** A listener: HTTP unless `more` says otherwise. */
export function listener(name = 'http', port = 8080, more: Partial<Listener> = {}): Listener {
  return { name, port, protocol: 'HTTP', ...more };
}

function metadata(name: string, namespace: string | undefined, overrides: MetadataOverrides): KubeObject['metadata'] {
  const { generation, uid, creationTimestamp, labels } = overrides;
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(generation !== undefined ? { generation } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(creationTimestamp !== undefined ? { creationTimestamp } : {}),
    ...(labels !== undefined ? { labels } : {}),
  };
}

export interface GatewayClassOptions extends MetadataOverrides {
  /** Default `portico`. */
  name?: string;
  /** Default Portico's. */
  controllerName?: string;
  parametersRef?: Record<string, unknown>;
}

export function gatewayClass(options: GatewayClassOptions = {}): KubeObject {
  const { name = PORTICO_CLASS, controllerName = CONTROLLER_NAME, parametersRef, ...meta } = options;
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'GatewayClass',
    metadata: metadata(name, undefined, meta),
    spec: { controllerName, ...(parametersRef ? { parametersRef } : {}) },
  };
}

export interface GatewayOptions extends MetadataOverrides {
  /** Default `gw`. */
  name?: string;
  /** Default `default`. */
  namespace?: string;
  /** Default `portico`. */
  className?: string;
  /** Default one HTTP listener `http` on 8080. */
  listeners?: readonly unknown[];
  /** More of the spec (`infrastructure`, `tls`, `allowedListeners`, `addresses`...). */
  spec?: Record<string, unknown>;
}

export function gateway(options: GatewayOptions = {}): KubeObject {
  const {
    name = 'gw',
    namespace = 'default',
    className = PORTICO_CLASS,
    listeners = [listener()],
    spec = {},
    ...meta
  } = options;
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: metadata(name, namespace, meta),
    spec: { gatewayClassName: className, ...spec, listeners: [...listeners] },
  };
}

export interface HTTPRouteOptions extends MetadataOverrides {
  /** Default `web`. */
  name?: string;
  /** Default `default`. */
  namespace?: string;
  /** Default the Gateway `gw`. */
  parentRefs?: readonly unknown[];
  /** Default none (every hostname of the listener). */
  hostnames?: readonly string[];
  /** Default one rule to the Service `web` on port 80. */
  rules?: readonly unknown[];
}

export function httpRoute(options: HTTPRouteOptions = {}): KubeObject {
  const {
    name = 'web',
    namespace = 'default',
    parentRefs = [{ name: 'gw' }],
    hostnames,
    rules = [{ backendRefs: [{ name: 'web', port: 80 }] }],
    ...meta
  } = options;
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: metadata(name, namespace, meta),
    spec: { parentRefs: [...parentRefs], ...(hostnames ? { hostnames: [...hostnames] } : {}), rules: [...rules] },
  };
}
