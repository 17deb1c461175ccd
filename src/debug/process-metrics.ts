/**
 * The process's own figures for Portico's `/metrics`, under the names prom-client's default
 * metrics use (`process_*`, `nodejs_*`), so existing dashboards and alerts read them: CPU time,
 * memory, open file descriptors, start time, the event loop's delay, the V8 heap.
 *
 * The event loop's delay is Node's own histogram (`perf_hooks.monitorEventLoopDelay`, sampled
 * every 10 ms): each scrape reports the delays since the previous scrape and starts over, as
 * prom-client does. Files under /proc are read on Linux only; elsewhere those families are left
 * out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { MetricFamily, MetricsCollector } from '../shared/metrics.js';

const NS_PER_SECOND = 1e9;

function gauge(name: string, help: string, value: number, labels: Record<string, string> = {}): MetricFamily {
  return { name, help, type: 'gauge', samples: [{ name, labels, value }] };
}

function counter(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: 'counter', samples: [{ name, labels: {}, value }] };
}

/** Open file descriptors and their limit, from /proc (Linux); undefined elsewhere. */
function fileDescriptors(): { open: number; max?: number } | undefined {
  try {
    const open = readdirSync('/proc/self/fd').length;
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const max = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
    return { open, ...(max !== undefined ? { max: Number(max) } : {}) };
  } catch {
    return undefined;
  }
}

/** Virtual memory size in bytes, from /proc/self/status (Linux); undefined elsewhere. */
function virtualMemoryBytes(): number | undefined {
  try {
    const kb = /^VmSize:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** A collector of the process's figures; `stop()` ends the event loop sampling. */
export function processMetrics(): { collect: MetricsCollector; stop: () => void } {
  const startSeconds = (performance.timeOrigin + 0) / 1000;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const collect: MetricsCollector = () => {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const fds = fileDescriptors();
    const virtual = virtualMemoryBytes();
    // The histogram's figures are nanoseconds; with no sample yet, min is a huge sentinel.
    const sampled = loop.count > 0;
    const lag = (ns: number) => (sampled ? ns / NS_PER_SECOND : 0);
    const families: MetricFamily[] = [
      counter('process_cpu_user_seconds_total', 'User CPU time spent, in seconds.', cpu.user / 1e6),
      counter('process_cpu_system_seconds_total', 'System CPU time spent, in seconds.', cpu.system / 1e6),
      counter(
        'process_cpu_seconds_total',
        'User and system CPU time spent, in seconds.',
        (cpu.user + cpu.system) / 1e6,
      ),
      gauge(
        'process_start_time_seconds',
        'Start time of the process since the Unix epoch, in seconds.',
        Math.floor(startSeconds),
      ),
      gauge('process_resident_memory_bytes', 'Resident memory size, in bytes.', memory.rss),
      gauge('process_heap_bytes', 'Process heap size (V8 heap total), in bytes.', memory.heapTotal),
      ...(virtual !== undefined
        ? [gauge('process_virtual_memory_bytes', 'Virtual memory size, in bytes.', virtual)]
        : []),
      ...(fds ? [gauge('process_open_fds', 'Open file descriptors.', fds.open)] : []),
      ...(fds?.max !== undefined ? [gauge('process_max_fds', 'The limit of open file descriptors.', fds.max)] : []),
      gauge('nodejs_eventloop_lag_seconds', 'Mean event loop delay since the last scrape, in seconds.', lag(loop.mean)),
      gauge(
        'nodejs_eventloop_lag_min_seconds',
        'Smallest event loop delay since the last scrape, in seconds.',
        lag(loop.min),
      ),
      gauge(
        'nodejs_eventloop_lag_max_seconds',
        'Largest event loop delay since the last scrape, in seconds.',
        lag(loop.max),
      ),
      gauge(
        'nodejs_eventloop_lag_p50_seconds',
        'Median event loop delay since the last scrape, in seconds.',
        lag(loop.percentile(50)),
      ),
      gauge(
        'nodejs_eventloop_lag_p99_seconds',
        '99th percentile of the event loop delay since the last scrape, in seconds.',
        lag(loop.percentile(99)),
      ),
      gauge('nodejs_heap_size_total_bytes', 'V8 heap size, in bytes.', memory.heapTotal),
      gauge('nodejs_heap_size_used_bytes', 'V8 heap used, in bytes.', memory.heapUsed),
      gauge(
        'nodejs_external_memory_bytes',
        'Memory of C++ objects bound to JavaScript objects, in bytes.',
        memory.external,
      ),
      gauge('nodejs_version_info', 'The Node.js version; always 1.', 1, { version: process.version }),
    ];
    loop.reset();
    return families;
  };
  return { collect, stop: () => loop.disable() };
}
