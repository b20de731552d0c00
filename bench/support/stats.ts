/** Latency figures of a sample, in milliseconds. */
export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
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
