import { cpus, release, totalmem } from 'node:os';
/** Latency figures of a sample, in milliseconds. */
export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles, so every figure is a latency that was actually observed. */
export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return {
    n: sorted.length,
    mean: sorted.reduce((s, x) => s + x, 0) / sorted.length,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export function ratio(value: number, floor: number): string {
  return Number.isFinite(value) && Number.isFinite(floor) && floor > 0
    ? `${(value / floor).toFixed(2)}×`
    : 'n/a';
}

export function diff(value: number, floor: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(floor)) return 'n/a';
  return `${value >= floor ? '+' : '−'}${ms(Math.abs(value - floor))}`;
}

/** A markdown table from a header row and data rows. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Latency figures as the benches write them to their JSON results (milliseconds, nearest-rank percentiles). */
export interface LatencyMs {
  n: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function latencyMs(samples: number[]): LatencyMs {
  const s = summarize(samples);
  return { n: s.n, meanMs: s.mean, p50Ms: s.p50, p90Ms: s.p90, p99Ms: s.p99, maxMs: s.max };
}

/** The 1, 5 and 15 minute load averages as `a / b / c`. */
export function loadAverageText(values: number[]): string {
  return values.map((l) => l.toFixed(2)).join(' / ');
}

/** What the results say about the machine they were measured on. */
export function machineFacts(): {
  cores: number;
  cpu?: string;
  memoryGiB: number;
  kernel: string;
  node: string;
} {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
  };
}
