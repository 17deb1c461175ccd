/**
 * Deciding what a stream sends next for one type: the difference between the view the client
 * should have and what it was sent, the assignments that must follow a (re)sent cluster, and the
 * empty answer a first request is owed. Nothing is sent here (`response-send.ts` does).
 */
import { CLUSTER_LOAD_ASSIGNMENT } from '../proto/type-urls.js';
import type { AssignmentFollowUp } from './assignment-follow-up.js';
import type { ClusterRetention } from './cluster-retention.js';
import type { EncodedResource } from './resources.js';
import { endRetry, type Protocol, type TypeStream } from './type-stream.js';
import type { TypeView, ViewCache } from './views.js';

export interface Plan {
  view: TypeView;
  /** Delta: the added or changed resources (SotW sends the whole view). */
  changed: readonly EncodedResource[];
  removed: readonly string[];
  /** Resources of the view the client lacks or has at another version (both protocols). */
  versionChanged: readonly EncodedResource[];
}

export interface PlanContext {
  readonly protocol: Protocol;
  readonly views: ViewCache;
  readonly followUp: AssignmentFollowUp;
  readonly retention: ClusterRetention;
  /** The client announced configuration it already has (a reconnect). */
  readonly resumed: boolean;
}

/**
 * What to send for a type, if anything. O(1) when the stream already has the view (the common
 * case on an ACK) or when the same view was already found to need nothing; the per-name
 * comparison runs only after a change of snapshot, subscription or sent state.
 */
export function planResponse(ts: TypeStream, view: TypeView, ctx: PlanContext): Plan | undefined {
  const forced = ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT && ctx.followUp.anyDirty(view);
  // The content Envoy rejected goes out again only when a transient rejection's backoff is over.
  if (!forced && ts.rejected?.version === view.version && !ts.retry?.due) return undefined;
  // A first request is answered even when there is nothing to send (see `unanswered`).
  const answer = unanswered(ts, ctx.resumed);
  if (!forced && !answer) {
    if (ts.sent === view.resources) return undefined;
    const idle = ts.idle;
    if (idle?.view === view && idle.sentGen === ts.sentGen && idle.retainedGen === ctx.retention.gen) return undefined;
  }
  const diff = ctx.views.diff(ts.sent, view, ctx.protocol === 'sotw');
  let changed = diff.changed;
  if (forced) {
    // Assignments that must follow their (re)sent cluster go too, whatever the client has.
    const resends = ctx.followUp.forcedResends(view, (r) => ts.sent.get(r.name)?.version === r.version);
    if (resends.length > 0) changed = [...changed, ...resends];
  }
  let removed: readonly string[] = [];
  // Only wildcard types (CDS, LDS) express removal; Envoy ignores or mishandles removals of
  // RDS/EDS resources, and unsubscribes from them itself when their listener/cluster goes.
  if (ts.sub.wildcard && diff.removed.length > 0) {
    const keep = ctx.retention.keep(ts.typeUrl);
    removed = diff.removed.filter((name) => !keep.has(name));
  }
  if (changed.length === 0 && removed.length === 0 && !answer) {
    if (ts.rejected) {
      // After a NACK, content the client already has all of: nothing to send, nothing rejected.
      ts.rejected = undefined;
      endRetry(ts);
    }
    ts.idle = { view, sentGen: ts.sentGen, retainedGen: ctx.retention.gen };
    return undefined;
  }
  const versionChanged = diff.changed;
  return ctx.protocol === 'sotw'
    ? { view, changed: [], removed: [], versionChanged }
    : { view, changed, removed, versionChanged };
}

/**
 * Whether the client's first request of a type is still unanswered. Envoy waits for an answer
 * to every type it subscribes to before it finishes initializing (for up to its initial-fetch
 * timeout, 15 s), so a Gateway without clusters still gets an (empty) Cluster response, and
 * subscribed names the snapshot lacks get a response without them. A reconnecting client
 * (it announced configuration it has) is past initializing: it is sent only what it lacks.
 */
function unanswered(ts: TypeStream, resumed: boolean): boolean {
  return ts.sentVersion === undefined && !resumed;
}
