/**
 * A log-bucketed latency histogram (2 % resolution from 1 µs to ~1 h):
 * cheap to record into, mergeable across processes, small to ship over IPC.
 */
const GROWTH = Math.log(1.02);
const MIN_MS = 0.001;

export class Histogram {
  counts = new Map<number, number>();
  total = 0;
  max = 0;

  record(ms: number): void {
    const v = Math.max(ms, MIN_MS);
    const b = Math.floor(Math.log(v / MIN_MS) / GROWTH);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.total++;
    if (ms > this.max) this.max = ms;
  }

  merge(o: HistogramData): void {
    for (const [b, n] of o.counts) this.counts.set(b, (this.counts.get(b) ?? 0) + n);
    this.total += o.total;
    if (o.max > this.max) this.max = o.max;
  }

  /** The upper edge of the bucket holding the q-quantile (q in 0..1). */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.ceil(q * this.total);
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const k of keys) {
      seen += this.counts.get(k) ?? 0;
      if (seen >= rank) return Math.min(this.max, MIN_MS * Math.exp((k + 1) * GROWTH));
    }
    return this.max;
  }

  toData(): HistogramData {
    return { counts: [...this.counts], total: this.total, max: this.max };
  }

  static from(d: HistogramData): Histogram {
    const h = new Histogram();
    h.merge(d);
    return h;
  }
}

export interface HistogramData {
  counts: [number, number][];
  total: number;
  max: number;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  n: number;
}

export function summarise(h: Histogram): LatencySummary {
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(h.quantile(0.5)), p95: r(h.quantile(0.95)), p99: r(h.quantile(0.99)), max: r(h.max), n: h.total };
}

/** Exact quantile of a small sample (history queries). */
export function exactQuantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const wallMs = (): number => performance.timeOrigin + performance.now();
