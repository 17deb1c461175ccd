/**
 * Sending a planned response on a stream: the frame (SotW: the shared one, or an update with only
 * what the client lacks; delta: the stream's own), its nonce, and what sending it does to the
 * type's state (sent optimistically, pending until its ACK or NACK).
 */
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT } from '../proto/type-urls.js';
import type { AssignmentFollowUp } from './assignment-follow-up.js';
import { GrpcFrame } from './grpc-frame.js';
import type { XdsMetrics } from './metrics.js';
import type { EncodedResource } from './resources.js';
import type { Plan } from './response-plan.js';
import { owned, type Held, type Protocol, type TypeStream } from './type-stream.js';
import type { SharedResponse, TypeView, ViewCache } from './views.js';
import { encodeDeltaResponse, nonceField } from './wire.js';

export interface SendContext {
  readonly protocol: Protocol;
  readonly views: ViewCache;
  readonly followUp: AssignmentFollowUp;
  readonly metrics: XdsMetrics;
  readonly controlPlaneId: string;
  /** The Gateway the stream serves, and the clock: per-Gateway push figures (metrics). */
  readonly gateway: string;
  readonly clock: { now(): number };
  /** Version of the whole snapshot (delta `system_version_info`). */
  readonly snapshotVersion: string;
  debug(msg: string, typeUrl: string, fields: Record<string, unknown>): void;
  write(response: GrpcFrame): void;
}

/** Sends `plan` as response number `seq` of the stream. */
export function sendResponse(ts: TypeStream, plan: Plan, seq: number, ctx: SendContext): void {
  const sotw = ctx.protocol === 'sotw';
  const update = sotw && ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT ? sotwUpdate(ts, plan.view, ctx) : undefined;
  const shared = update?.response ?? (sotw ? ctx.views.sotwResponse(plan.view, ctx.controlPlaneId) : undefined);
  // SotW: the shared response's nonce, unless this stream was just sent that very response
  // (an EDS resend forced by a cluster change) and needs a nonce of its own to tell them apart.
  let nonce = String(seq);
  if (shared) nonce = shared.nonce !== ts.lastNonce ? shared.nonce : `${shared.nonce}.${seq}`;
  if (ts.typeUrl === CLUSTER) ctx.followUp.clustersSent(plan.versionChanged, seq);
  else if (ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT) ctx.followUp.assignmentsSent(plan.view, seq);
  let pendingResources: ReadonlyMap<string, Held>;
  if (sotw) {
    ts.sent = pendingResources = plan.view.resources;
  } else {
    const sent = owned(ts.sent);
    for (const r of plan.changed) sent.set(r.name, r);
    for (const name of plan.removed) sent.delete(name);
    pendingResources = new Map(plan.changed.map((r) => [r.name, r] as const));
  }
  ts.sentGen++;
  ts.idle = undefined;
  ts.pending = {
    nonce,
    seq,
    sentAt: performance.now(),
    version: plan.view.version,
    resources: pendingResources,
    removed: plan.removed,
  };
  ts.lastNonce = nonce;
  ts.sentVersion = plan.view.version;
  ts.rejected = undefined;
  // A retry is under way: the status keeps saying so until the ACK (or a lasting NACK).
  if (ts.retry) ts.retry.due = false;
  const response = shared ? sotwFrame(shared, nonce) : deltaResponse(ts, plan, nonce, ctx);
  ctx.metrics.recordPush(ts.typeUrl, update?.changed.length ?? pendingResources.size, response.message.length, {
    gateway: ctx.gateway,
    version: plan.view.version,
    atMs: ctx.clock.now(),
  });
  ctx.debug('push', ts.typeUrl, {
    nonce,
    version: plan.view.version,
    resources: update
      ? update.changed.map((r) => r.name)
      : sotw
        ? ctx.views.namesOf(plan.view)
        : plan.changed.map((r) => r.name),
    removed: plan.removed,
  });
  ctx.write(response);
}

/**
 * SotW EDS: a response with only the assignments the client has not ACKed at their version,
 * plus those that must follow their (re)sent cluster; `undefined` when that would be all of the
 * view (or none of it): the shared, complete response then. Compared with what the client
 * ACKed, not with what it was sent: after a NACK, the rest of the view goes out again, as a
 * complete response would send it.
 */
function sotwUpdate(
  ts: TypeStream,
  view: TypeView,
  ctx: SendContext,
): { response: SharedResponse; changed: readonly EncodedResource[] } | undefined {
  if (ts.acked.size === 0) return undefined;
  // What the client lacks (computed once for the streams that ACKed the same map)...
  let changed = ctx.views.diff(ts.acked, view, true).changed;
  // ...and what must follow its (re)sent cluster although the client has it. That depends on
  // this stream's clusters, so such a response is not shared with the streams sharing `acked`.
  const forced = ctx.followUp.forcedResends(view, (r) => ts.acked.get(r.name)?.version === r.version);
  const share = forced.length === 0;
  if (!share) changed = [...changed, ...forced];
  if (changed.length === 0 || changed.length === view.resources.size) return undefined;
  return {
    response: ctx.views.sotwUpdate(view, ts.acked, changed, ctx.controlPlaneId, share),
    changed,
  };
}

function deltaResponse(ts: TypeStream, plan: Plan, nonce: string, ctx: SendContext): GrpcFrame {
  return encodeDeltaResponse({
    systemVersionInfo: ctx.snapshotVersion,
    typeUrl: ts.typeUrl,
    nonce,
    entries: plan.changed.map((r) => r.deltaEntry),
    removed: plan.removed,
    controlPlane: ctx.controlPlaneId,
  });
}

/**
 * A SotW response for one stream: the shared frame as is, or, when the stream needs a nonce of
 * its own, a copy followed by a second `nonce` field (protobuf: the last value of a singular
 * field wins).
 */
function sotwFrame(shared: SharedResponse, nonce: string): GrpcFrame {
  return nonce === shared.nonce ? shared.frame : GrpcFrame.of([shared.frame.message, nonceField(nonce)]);
}
