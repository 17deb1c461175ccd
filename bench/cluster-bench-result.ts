/** What bench/cluster-bench.ts writes per controller and bench/cluster-bench-report.ts reads. */
import type { Summary } from './bench-util.js';

/** One route count's figures for one controller. */
export interface CountResult {
  routes: number;
  /** From the first create of this count's new routes to the last route answering. */
  settleMs: number;
  idleCpuPercent: number;
  rssMiB: number;
  addMs: Summary;
  deleteMs: Summary;
  /** The controller's CPU time during the changes (settle included), less its idle rate, per change. */
  cpuPerChangeMs: number;
  /** Steady load during the changes: requests sent and those that were not a 200. */
  load: { sent: number; failed: number };
}

/** The result file of one controller's run. */
export interface ResultFile {
  controller: string;
  gatewayClass: string;
  samples: number;
  results: CountResult[];
}
