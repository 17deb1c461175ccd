/**
 * A cluster that is sent (new or changed) re-warms in Envoy and waits for its
 * ClusterLoadAssignment, so the assignment always follows it, even when it did not change. This
 * tracks those assignments per stream: still to send after their cluster (`dirty`), and sent but
 * not yet ACKed (`awaitingAck`), each with the sequence number of the response that set it.
 */
import type { EncodedResource } from './resources.js';
import type { TypeView } from './views.js';

export class AssignmentFollowUp {
  /** Assignments whose cluster was (re)sent and that must follow it (name → seq). */
  private readonly dirty = new Map<string, number>();
  /** Assignments sent after their cluster, waiting for the EDS ACK (name → seq). */
  private readonly awaitingAck = new Map<string, number>();

  /** Nothing to send and nothing awaiting an ACK. */
  get settled(): boolean {
    return this.dirty.size === 0 && this.awaitingAck.size === 0;
  }

  /** Names still to send or awaiting their ACK. */
  *inFlight(): Iterable<string> {
    yield* this.dirty.keys();
    yield* this.awaitingAck.keys();
  }

  /** A Cluster response went out with these clusters (added or changed) as response `seq`. */
  clustersSent(clusters: Iterable<EncodedResource>, seq: number): void {
    for (const r of clusters) if (r.edsName) this.dirty.set(r.edsName, seq);
  }

  /** An EDS response of `view` went out as `seq`: it carries every dirty assignment of the view. */
  assignmentsSent(view: TypeView, seq: number): void {
    for (const name of [...this.dirty.keys()]) {
      if (!view.resources.has(name)) continue;
      this.dirty.delete(name);
      this.awaitingAck.set(name, seq);
    }
  }

  /** EDS response `seq` was ACKed. Envoy handles responses in order: every earlier one was processed. */
  acked(seq: number): void {
    for (const [name, sent] of this.awaitingAck) if (sent <= seq) this.awaitingAck.delete(name);
  }

  /** Forgets assignments of clusters that are gone. */
  prune(used: (name: string) => boolean): void {
    for (const name of [...this.dirty.keys()]) if (!used(name)) this.dirty.delete(name);
    for (const name of [...this.awaitingAck.keys()]) if (!used(name)) this.awaitingAck.delete(name);
  }

  /** Some assignment in `view` must follow its (re)sent cluster. */
  anyDirty(view: TypeView): boolean {
    for (const name of this.dirty.keys()) if (view.resources.has(name)) return true;
    return false;
  }

  /**
   * Assignments of `view` that must follow their (re)sent cluster and that `unchanged` says the
   * client already has (those it lacks are in the view's diff already). Walks the few dirty names,
   * not the view.
   */
  forcedResends(view: TypeView, unchanged: (r: EncodedResource) => boolean): EncodedResource[] {
    const out: EncodedResource[] = [];
    for (const name of this.dirty.keys()) {
      const r = view.resources.get(name);
      if (r && unchanged(r)) out.push(r);
    }
    return out;
  }
}
