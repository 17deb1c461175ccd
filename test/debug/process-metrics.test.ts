/** Portico's own process figures on /metrics, under prom-client's names. */
import { processMetrics } from '../../src/debug/process-metrics.js';
import { formatFamily, type MetricFamily } from '../../src/shared/metrics.js';

test('CPU, memory, file descriptors, start time, event loop delay and heap, with plausible values', async () => {
  const figures = processMetrics();
  try {
    // Let the event loop sampler take a few samples.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const families = figures.collect() as MetricFamily[];
    const value = (name: string) => families.find((f) => f.name === name)?.samples[0]?.value;
    expect(families.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        'process_cpu_user_seconds_total',
        'process_cpu_system_seconds_total',
        'process_cpu_seconds_total',
        'process_start_time_seconds',
        'process_resident_memory_bytes',
        'process_heap_bytes',
        'process_open_fds',
        'process_max_fds',
        'process_virtual_memory_bytes',
        'nodejs_eventloop_lag_seconds',
        'nodejs_eventloop_lag_p99_seconds',
        'nodejs_heap_size_total_bytes',
        'nodejs_heap_size_used_bytes',
        'nodejs_external_memory_bytes',
        'nodejs_version_info',
      ]),
    );
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(value('process_open_fds')).toBeGreaterThan(2);
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
    const start = value('process_start_time_seconds')!;
    expect(start).toBeLessThanOrEqual(Date.now() / 1000);
    expect(start).toBeGreaterThan(Date.now() / 1000 - 24 * 3600);
    expect(value('nodejs_eventloop_lag_seconds')).toBeGreaterThan(0);
    expect(families.find((f) => f.name === 'nodejs_version_info')?.samples[0]?.labels).toEqual({
      version: process.version,
    });
    expect(families.map(formatFamily).join('')).toMatch(/^process_resident_memory_bytes \d+$/m);
  } finally {
    figures.stop();
  }
});
