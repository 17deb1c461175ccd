/**
 * The status report of each pipeline output, with Programmed from the proxies' ACKs. Reports
 * follow every proxy event as well as every output, so the work is kept off that path: an
 * unchanged input returns the last report, and an unchanged object keeps its entry.
 */
import type { KubeObject } from '../resources/types.js';
import { errorMessage } from '../shared/error-message.js';
import type { Logger } from '../shared/logger.js';
import type { GatewayKey, ProxyTracker } from '../xds/contract.js';
import { withProgrammedFromProxies } from './status-report.js';
import type { PipelineError, StatusReport } from './status-report.js';
import { resourceStatus, type ResourceStatus } from '../resources/resource-status.js';

/** What a report is computed from: the part of a pipeline output it reads. */
export interface ReportedOutput {
  gateways: readonly { name: GatewayKey }[];
  resources: readonly KubeObject[];
  errors: PipelineError[];
  warnings: string[];
}

export class StatusReporter {
  /**
   * What the last status report was computed from. Proxy events (every ACK of every Envoy) and
   * endpoint-only outputs arrive far more often than statuses change; recomputing the report over
   * every object for each would put O(objects) work on the path of every push.
   */
  private lastReportKey: { output: ReportedOutput; resources: readonly KubeObject[]; proxies: string } | undefined;

  /**
   * Reports follow proxy events too, which change only Gateways' Programmed: every other object is
   * the same object as in the last report, and so is its entry (no new entry per object per report).
   */
  private readonly statusEntries = new WeakMap<KubeObject, ResourceStatus>();

  /** `now`: the `lastTransitionTime` of a changed Programmed condition. */
  constructor(
    private readonly tracker: ProxyTracker,
    private readonly logger: Logger,
    private readonly now: () => string,
  ) {}

  /** The report of `output`; `previous` when nothing it reads has changed. Never throws. */
  report(output: ReportedOutput, previous: StatusReport): StatusReport {
    const proxies = output.gateways
      .map((g) => `${g.name}=${JSON.stringify(this.tracker.programmed(g.name))}`)
      .join('\n');
    const last = this.lastReportKey;
    if (
      last &&
      last.resources === output.resources &&
      last.proxies === proxies &&
      last.output.errors === output.errors &&
      last.output.warnings === output.warnings
    ) {
      return previous;
    }
    this.lastReportKey = { output, resources: output.resources, proxies };
    try {
      const served = new Set<GatewayKey>(output.gateways.map((g) => g.name));
      const resources = withProgrammedFromProxies(
        output.resources,
        served,
        this.tracker,
        previous.resources,
        this.now(),
      );
      return {
        synced: true,
        resources: resources.map((object) => this.resourceStatusOf(object)),
        errors: output.errors,
        warnings: output.warnings,
      };
    } catch (err) {
      this.logger.error('computing status failed', { error: err });
      return { ...previous, errors: [...output.errors, { stage: 'status', message: errorMessage(err) }] };
    }
  }

  private resourceStatusOf(object: KubeObject): ResourceStatus {
    let entry = this.statusEntries.get(object);
    if (!entry) this.statusEntries.set(object, (entry = resourceStatus(object)));
    return entry;
  }
}
