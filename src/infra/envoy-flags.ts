/**
 * Command-line flags of the Envoys Portico runs (the local launcher and provisioned Deployments).
 *
 * `--ignore-unknown-dynamic-fields`: Envoy otherwise walks every field of every xDS resource it
 * receives looking for unknown and deprecated fields, about a third of the CPU of applying a large
 * RouteConfiguration (measured: 223 → 154 ms for 9,000 routes, docs/BENCHMARKS.md). Proto
 * validation still runs, so an invalid resource is still rejected. Portico emits only fields of
 * the pinned Envoy API (every resource passes a schema round trip, and the test suite serves every
 * golden output to an Envoy running *without* this flag, where an unknown or deprecated field would
 * show). The cost: an older Envoy than the pinned one would ignore a field it does not know
 * instead of rejecting the update.
 */
/**
 * `--file-flush-interval-msec 1000`: Envoy writes access log lines (stdout and stderr included) in
 * batches, every 10 s by default; a line within a second is what someone watching the logs of a
 * request expects (and what `portico serve` shows in the terminal). The cost is one write per
 * second at most.
 */
export const ENVOY_LOG_FLUSH_FLAGS: readonly string[] = ['--file-flush-interval-msec', '1000'];

export const ENVOY_RUNTIME_FLAGS: readonly string[] = ['--ignore-unknown-dynamic-fields', ...ENVOY_LOG_FLUSH_FLAGS];
