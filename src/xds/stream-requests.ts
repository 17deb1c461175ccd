/**
 * What an ADS request says, read for a stream: who the Envoy is (the first request must say it),
 * whether it ACKs or NACKs, and how it changes a type's subscription (SotW restates it whole, delta
 * sends changes). Only the type's state changes here; what to send next is decided in `stream.ts`.
 */
import type { GatewayKey } from './contract.js';
import { WILDCARD_TYPES } from './snapshot.js';
import { owned, type TypeStream } from './type-stream.js';
import type { Subscription, ViewCache } from './views.js';

/** The parts of `envoy.config.core.v3.Node` the server reads. */
export interface NodeLike {
  id?: string;
  cluster?: string;
  user_agent_name?: string;
  user_agent_version?: string;
  user_agent_build_version?: {
    version?: { major_number?: number; minor_number?: number; patch?: number } | null;
  } | null;
}

export interface StatusLike {
  code?: number;
  message?: string;
}

/** A decoded `DiscoveryRequest` (protobufjs keepCase message). */
export interface SotwRequest {
  version_info?: string;
  node?: NodeLike | null;
  resource_names?: readonly string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: StatusLike | null;
}

/** A decoded `DeltaDiscoveryRequest`. */
export interface DeltaRequest {
  node?: NodeLike | null;
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: StatusLike | null;
}

/** Thrown by `handle*` when the stream must be refused (the server turns it into a gRPC status). */
export class StreamRefused extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** gRPC status INVALID_ARGUMENT (kept here so this module does not import grpc-js). */
const INVALID_ARGUMENT = 3;
const GATEWAY_KEY = /^[^/\s]+\/[^/\s]+$/;

export interface NodeIdentity {
  nodeId: string;
  gateway: GatewayKey;
  /** `user_agent_name/version`, empty when the node says neither. */
  userAgent: string;
}

/** Who the Envoy is, from its first request; refused with a message saying what to set if unclear. */
export function identifyNode(node: NodeLike | null | undefined): NodeIdentity {
  const id = node?.id ?? '';
  const cluster = node?.cluster ?? '';
  if (id === '' || cluster === '') {
    throw new StreamRefused(
      INVALID_ARGUMENT,
      'xDS stream refused: the first request must identify the Envoy with node.id (unique per Envoy) and ' +
        'node.cluster (the Gateway it serves, as <namespace>/<gateway-name>); set both under `node:` in the Envoy bootstrap' +
        ` (got id=${JSON.stringify(id)}, cluster=${JSON.stringify(cluster)})`,
    );
  }
  if (!GATEWAY_KEY.test(cluster)) {
    throw new StreamRefused(
      INVALID_ARGUMENT,
      `xDS stream refused: node.cluster must name the Gateway as <namespace>/<gateway-name>, got ${JSON.stringify(cluster)}`,
    );
  }
  const build = node?.user_agent_build_version?.version;
  const version =
    node?.user_agent_version ||
    (build ? `${build.major_number ?? 0}.${build.minor_number ?? 0}.${build.patch ?? 0}` : '');
  const userAgent = [node?.user_agent_name, version].filter((s) => s).join('/');
  return { nodeId: id, gateway: cluster, userAgent };
}

/** Whether a request's `error_detail` makes it a NACK. */
export function isNack(error: StatusLike | null | undefined): error is StatusLike {
  return !!error && ((error.code ?? 0) !== 0 || (error.message ?? '') !== '');
}

/** A SotW request's subscription; returns whether it changed. */
export function resubscribeSotw(ts: TypeStream, names: readonly string[], first: boolean, views: ViewCache): boolean {
  // The same shared list as last time (sotw-request.ts): the same subscription.
  if (!first && names === ts.requestedNames) return false;
  ts.requestedNames = names;
  const wildcardType = WILDCARD_TYPES.has(ts.typeUrl);
  const wildcard = wildcardType && (names.length === 0 || names.includes('*'));
  const explicit = wildcardType ? names.filter((n) => n !== '*') : names;
  if (!first && sameSubscription(ts.sub, wildcard, explicit)) return false;
  ts.sub = views.subscription(wildcard, explicit);
  if (wildcardType) return true;
  // SotW carries the whole subscription: forget what the client no longer asks for.
  const sent = views.subscribedPart(ts.sent, ts.sub);
  if (sent !== ts.sent) {
    ts.sent = sent;
    ts.sentGen++;
  }
  ts.acked = views.subscribedPart(ts.acked, ts.sub);
  return true;
}

/**
 * A delta stream's first request of a type: what a reconnecting client already has is taken as
 * sent and ACKed. Returns whether it announced any, and whether it subscribes with a wildcard.
 */
export function openDelta(ts: TypeStream, req: DeltaRequest): { resumed: boolean; wildcard: boolean } {
  ts.requested = true;
  let resumed = false;
  for (const [name, version] of Object.entries(req.initial_resource_versions ?? {})) {
    owned(ts.sent).set(name, { version });
    owned(ts.acked).set(name, { version });
    ts.sentGen++;
    resumed = true;
  }
  // Legacy wildcard: the first request of a wildcard type without names.
  const wildcard = WILDCARD_TYPES.has(ts.typeUrl) && (req.resource_names_subscribe ?? []).length === 0;
  return { resumed, wildcard };
}

/** A delta request's subscription changes, starting from `wildcard`. */
export function resubscribeDelta(ts: TypeStream, req: DeltaRequest, wildcard: boolean, views: ViewCache): void {
  const names = new Set(ts.sub.names);
  for (const name of req.resource_names_subscribe ?? []) {
    if (name === '*') wildcard = true;
    else names.add(name);
  }
  for (const name of req.resource_names_unsubscribe ?? []) {
    if (name === '*') {
      wildcard = false;
      continue;
    }
    names.delete(name);
    if (!wildcard) {
      owned(ts.sent).delete(name);
      owned(ts.acked).delete(name);
      ts.sentGen++;
    }
  }
  ts.sub = views.subscription(wildcard, names);
}

/** Whether `sub` is the subscription a request states (a set lookup per name, nothing built). */
function sameSubscription(sub: Subscription, wildcard: boolean, names: readonly string[]): boolean {
  if (sub.wildcard !== wildcard || names.length !== sub.names.size) return false;
  for (const name of names) if (!sub.names.has(name)) return false;
  return true;
}

/** Names explicitly subscribed, per type and in all (the server's bounds, stream-limits.ts). */
export function subscribedNames(types: Iterable<TypeStream>): { largest: number; total: number } {
  let largest = 0;
  let total = 0;
  for (const ts of types) {
    largest = Math.max(largest, ts.sub.names.size);
    total += ts.sub.names.size;
  }
  return { largest, total };
}
