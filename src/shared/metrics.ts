/**
 * A tiny Prometheus metrics registry (text exposition format 0.0.4): counters, gauges and
 * histograms with labels, plus collectors that contribute families computed on scrape (the ADS
 * server's `xdsMetrics()`). No dependency: the format is a few lines of text per sample.
 */

export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSample {
  /** Full sample name; for histograms `<name>_bucket`, `<name>_sum`, `<name>_count`. */
  name: string;
  labels: Labels;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: MetricSample[];
}

/** Contributes families at scrape time; may also return ready-made exposition text. */
export type MetricsCollector = () => readonly MetricFamily[] | string;

/** Seconds; spans a quick local translation up to a slow push to a busy Envoy. */
export const DEFAULT_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Metric {
  family(): MetricFamily;
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }

  family(): MetricFamily {
    return { name: this.name, help: this.help, type: 'counter', samples: samplesOf(this.name, this.values) };
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  set(value: number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), { labels, value });
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }

  family(): MetricFamily {
    return { name: this.name, help: this.help, type: 'gauge', samples: samplesOf(this.name, this.values) };
  }
}

interface HistogramSeries {
  labels: Labels;
  /** Cumulative is computed on output; these are per-bucket counts. */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    let series = this.series.get(key);
    if (!series) {
      series = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) series.counts[index]! += 1;
    series.sum += value;
    series.count += 1;
  }

  count(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }

  family(): MetricFamily {
    const samples: MetricSample[] = [];
    for (const series of sortedValues(this.series)) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        samples.push({
          name: `${this.name}_bucket`,
          labels: { ...series.labels, le: formatNumber(bound) },
          value: cumulative,
        });
      });
      samples.push({ name: `${this.name}_bucket`, labels: { ...series.labels, le: '+Inf' }, value: series.count });
      samples.push({ name: `${this.name}_sum`, labels: series.labels, value: series.sum });
      samples.push({ name: `${this.name}_count`, labels: series.labels, value: series.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', samples };
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();
  private readonly collectors: MetricsCollector[] = [];

  counter(name: string, help: string): Counter {
    return this.register(name, new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.register(name, new Gauge(name, help));
  }

  histogram(name: string, help: string, buckets?: readonly number[]): Histogram {
    return this.register(name, new Histogram(name, help, buckets));
  }

  addCollector(collector: MetricsCollector): void {
    this.collectors.push(collector);
  }

  /**
   * The exposition text. A collector that throws is skipped (a scrape must not fail because one
   * source did), and a collected family whose name is already registered here is dropped so that
   * the output never holds two families of one name.
   */
  render(): string {
    const families = [...this.metrics.values()].map((metric) => metric.family());
    const seen = new Set(families.map((family) => family.name));
    const texts: string[] = [];
    for (const collector of this.collectors) {
      let collected: readonly MetricFamily[] | string;
      try {
        collected = collector();
      } catch {
        continue;
      }
      if (typeof collected === 'string') {
        texts.push(collected.endsWith('\n') || collected === '' ? collected : `${collected}\n`);
        continue;
      }
      for (const family of collected) {
        if (seen.has(family.name)) continue;
        seen.add(family.name);
        families.push(family);
      }
    }
    return families.map(formatFamily).join('') + texts.join('');
  }

  private register<M extends Metric & { name: string }>(name: string, metric: M): M {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`invalid metric name ${name}`);
    if (this.metrics.has(name)) throw new Error(`metric ${name} is already registered`);
    this.metrics.set(name, metric);
    return metric;
  }
}

export function formatFamily(family: MetricFamily): string {
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  for (const sample of family.samples) {
    lines.push(`${sample.name}${formatLabels(sample.labels)} ${formatNumber(sample.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label sets keyed independently of key order, so `{a,b}` and `{b,a}` are one series. */
function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sortedValues<V>(map: Map<string, V>): V[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
}

function samplesOf(name: string, values: Map<string, { labels: Labels; value: number }>): MetricSample[] {
  return sortedValues(values).map(({ labels, value }) => ({ name, labels, value }));
}
