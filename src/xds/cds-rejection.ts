/**
 * Which clusters of a rejected Cluster response Envoy refused, read from its NACK message.
 *
 * Envoy applies a Cluster response cluster by cluster: every cluster it can add or update is
 * added or updated, and the NACK lists those it could not, as
 * `Error adding/updating cluster(s) <name>: <reason>, <name>: <reason>…`. A response refused as a
 * whole (it does not decode, or fails proto validation) applies nothing and says something else.
 *
 * The ADS server uses this only to decide how long listeners and routes wait for clusters
 * (make-before-break): refused clusters never become warm, so nothing waits for them; the
 * clusters Envoy did apply are waited for as usual. What is sent next does not depend on it
 * (after a NACK every resource of the response is sent again with the next content).
 */

const PER_CLUSTER = 'Error adding/updating cluster(s) ';

/**
 * The names among `candidates` that `message` says Envoy could not add or update, or
 * `undefined` when the message is not Envoy's per-cluster form (the whole response is then taken
 * as refused). A name counts only where the list has it, so `default/web` is not found in
 * `default/web-2: …`.
 */
export function refusedClusters(message: string, candidates: Iterable<string>): ReadonlySet<string> | undefined {
  const start = message.indexOf(PER_CLUSTER);
  if (start < 0) return undefined;
  const list = message.slice(start + PER_CLUSTER.length);
  const refused = new Set<string>();
  for (const name of candidates) {
    if (list.startsWith(`${name}: `) || list.includes(`, ${name}: `)) refused.add(name);
  }
  return refused.size > 0 ? refused : undefined;
}
