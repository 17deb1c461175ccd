/**
 * The one harness that runs Portico against the real API server in this process, for every test/k8s
 * test that needs a whole Portico (informers, Lease, pipeline, status writer) without Envoy:
 * `createKubernetesSource` (informers, Lease) → the shared pipeline (publishing to a FakeXds) →
 * `StatusWriter`, built as `source.startStatusWriter` builds it, with every status write recorded:
 * the writer's API client is wrapped so that each successful `PATCH …/status` is kept with the
 * object it was for and the status it wrote. That is what "no object written twice for the same
 * status" is checked against, per object, not only as a total. (Tests of the serve wiring itself
 * run `startServe`, with a real Envoy.)
 */
import { createKubernetesSource } from '../../src/serve/kubernetes-source.js';
import type { KubernetesServeOptions, KubernetesSource } from '../../src/serve/kubernetes-source.js';
import type { KubeApi, KubeRequest } from '../../src/kube-client/kube-api.js';
import { StatusWriter } from '../../src/k8s/status-writer.js';
import { startPipeline } from '../../src/pipeline/pipeline.js';
import type { Pipeline, PipelineOptions, PipelineOutput } from '../../src/pipeline/pipeline.js';
import type { StatusReport } from '../../src/pipeline/status-report.js';
import { FakeXds } from '../support/fake-xds.js';
import { RecordingLogger } from './test-cluster.js';

export interface StatusWrite {
  /** `Date.now()` when the API server answered. */
  at: number;
  /** Resource plural from the path: `httproutes`, `gateways`, `gatewayclasses`. */
  resource: string;
  namespace: string | undefined;
  name: string;
  /** The status sent. */
  status: unknown;
}

const STATUS_PATH = /^\/apis?\/(?:[^/]+\/)?[^/]+(?:\/namespaces\/([^/]+))?\/([^/]+)\/([^/]+)\/status$/;

/** `api` with every successful status PATCH appended to `writes`. */
export function recordingStatusApi(api: KubeApi, writes: StatusWrite[]): KubeApi {
  return {
    server: api.server,
    request: async <T>(req: KubeRequest): Promise<T> => {
      const result = await api.request<T>(req);
      const match = req.method === 'PATCH' ? STATUS_PATH.exec(req.path) : null;
      if (match) {
        writes.push({
          at: Date.now(),
          namespace: match[1],
          resource: match[2]!,
          name: match[3]!,
          status: (req.body as { status?: unknown } | undefined)?.status,
        });
      }
      return result;
    },
  };
}

export function objectKey(write: Pick<StatusWrite, 'resource' | 'namespace' | 'name'>): string {
  return `${write.resource}/${write.namespace ?? ''}/${write.name}`;
}

/** A status as a reader sees it: `lastTransitionTime` removed everywhere, keys sorted. */
export function comparableStatus(status: unknown): string {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value).sort()) {
        if (key !== 'lastTransitionTime') out[key] = strip((value as Record<string, unknown>)[key]);
      }
      return out;
    }
    return value;
  };
  return JSON.stringify(strip(status));
}

/** Writes per object, and the objects written twice in a row with a status a reader cannot tell apart. */
export function analyzeWrites(writes: readonly StatusWrite[]): {
  perObject: Map<string, StatusWrite[]>;
  repeated: string[];
} {
  const perObject = new Map<string, StatusWrite[]>();
  for (const write of writes) {
    const key = objectKey(write);
    perObject.set(key, [...(perObject.get(key) ?? []), write]);
  }
  const repeated: string[] = [];
  for (const [key, list] of perObject) {
    for (let i = 1; i < list.length; i += 1) {
      if (comparableStatus(list[i]!.status) === comparableStatus(list[i - 1]!.status)) {
        repeated.push(`${key} (write ${i + 1} of ${list.length})`);
      }
    }
  }
  return { perObject, repeated };
}

export interface RecordedPortico {
  source: KubernetesSource;
  pipeline: Pipeline;
  writer: StatusWriter;
  xds: FakeXds;
  logger: RecordingLogger;
  writes: StatusWrite[];
  /** Every translation the pipeline published, in order. */
  outputs: PipelineOutput[];
  /** Every status report the pipeline produced after the initial sync. */
  reports: StatusReport[];
  leading: { leading: boolean; at: number }[];
  stop(): Promise<void>;
}

export function startRecordedPortico(
  options: KubernetesServeOptions,
  pipelineOptions: PipelineOptions = {},
): RecordedPortico {
  const logger = new RecordingLogger();
  const source = createKubernetesSource(options, logger);
  const xds = new FakeXds();
  const pipeline = startPipeline(
    source.events$,
    { publisher: xds, tracker: xds, logger, translator: source.translator },
    { quietMs: 20, maxLatencyMs: 100, ...pipelineOptions },
  );
  const outputs: PipelineOutput[] = [];
  const publishing = pipeline.output$.subscribe((output) => outputs.push(output));
  const reports: StatusReport[] = [];
  const reporting = pipeline.status$.subscribe((report) => {
    if (report.synced) reports.push(report);
  });
  const leading: { leading: boolean; at: number }[] = [];
  const electing = source.elector.isLeader$.subscribe((value) => leading.push({ leading: value, at: Date.now() }));
  const writes: StatusWrite[] = [];
  // What `source.startStatusWriter` builds, with the recording client.
  const writer = new StatusWriter(pipeline.status$, {
    api: recordingStatusApi(source.api, writes),
    live: source.provider,
    isLeader$: source.elector.isLeader$,
    logger,
  });
  source.elector.start();
  let stopped = false;
  return {
    source,
    pipeline,
    writer,
    xds,
    logger,
    writes,
    outputs,
    reports,
    leading,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // In `source.stop()`'s order: the Lease is released first, then writing stops.
      await source.stop();
      writer.stop();
      pipeline.stop();
      publishing.unsubscribe();
      reporting.unsubscribe();
      electing.unsubscribe();
    },
  };
}
