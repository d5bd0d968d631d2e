import { HyperLogLog } from './hyperloglog';

/** Distinct values counted exactly, with exact frequencies, up to this many per column. */
export const EXACT_DISTINCT_BOUND = 10_000;
/** Counters Misra–Gries keeps once a column has more distinct values than the exact bound. */
export const HEAVY_HITTER_CAPACITY = 1_000;

/** A value as counted: numbers (and datetimes) by value, everything else by its text. */
export type FrequencyKey = string | number;

export interface FrequentValue {
  value: FrequencyKey;
  count: number;
}

/**
 * Value frequencies and the distinct count of one column. Exact while the column has at most
 * `exactBound` distinct values; past that, Misra–Gries keeps `capacity` counters (each count an
 * underestimate by at most `maxError` = (n − Σ counters) / (capacity + 1), so every value more
 * frequent than n / (capacity + 1) is kept) and a HyperLogLog estimates the distinct count — fed
 * with the exact set at the switch, which gives the same registers as feeding every value.
 */
export class FrequentValues {
  private counts = new Map<FrequencyKey, number>();
  private sketch: HyperLogLog | undefined;
  total = 0;

  constructor(
    readonly exactBound = EXACT_DISTINCT_BOUND,
    readonly capacity = HEAVY_HITTER_CAPACITY,
  ) {}

  get exact(): boolean {
    return this.sketch === undefined;
  }

  add(value: FrequencyKey): void {
    this.total++;
    const count = this.counts.get(value);
    if (count !== undefined) {
      this.counts.set(value, count + 1);
      return; // every counted value is in the sketch already
    }
    if (!this.sketch) {
      if (this.counts.size < this.exactBound) {
        this.counts.set(value, 1);
        return;
      }
      this.switchToSketches();
    }
    (this.sketch as HyperLogLog).add(value);
    if (this.counts.size < this.capacity) this.counts.set(value, 1);
    else this.subtract(1);
  }

  /** Exact count, or the HyperLogLog estimate (relative standard error 0.81 %). */
  distinct(): number {
    return this.sketch ? this.sketch.estimate() : this.counts.size;
  }

  /** How much any reported count may fall short of the truth (0 while exact). */
  maxError(): number {
    let kept = 0;
    for (const count of this.counts.values()) kept += count;
    return this.sketch ? Math.floor((this.total - kept) / (this.capacity + 1)) : 0;
  }

  /** The `k` most frequent values, by count, then numbers before text, each in ascending order. */
  top(k: number): FrequentValue[] {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]))
      .slice(0, k)
      .map(([value, count]) => ({ value, count }));
  }

  /** Adds another column's frequencies (the mergeable Misra–Gries of Agarwal et al. 2012). */
  merge(other: FrequentValues): void {
    this.total += other.total;
    for (const [value, count] of other.counts) this.counts.set(value, (this.counts.get(value) ?? 0) + count);
    if (other.sketch || this.sketch || this.counts.size > this.exactBound) {
      const sketch = this.sketch ?? new HyperLogLog();
      if (!this.sketch) for (const value of this.counts.keys()) sketch.add(value);
      if (other.sketch) sketch.merge(other.sketch);
      this.sketch = sketch;
      this.reduceTo(this.capacity);
    }
  }

  private switchToSketches(): void {
    const sketch = new HyperLogLog();
    for (const value of this.counts.keys()) sketch.add(value);
    this.sketch = sketch;
    this.reduceTo(this.capacity);
  }

  /** Keeps at most `keep` counters: the Misra–Gries decrement by the (keep+1)-th largest count. */
  private reduceTo(keep: number): void {
    if (this.counts.size <= keep) return;
    const sorted = [...this.counts.values()].sort((a, b) => b - a);
    this.subtract(sorted[keep] ?? 0);
  }

  /**
   * Takes `amount` off every counter and drops those left at 0. A new Map rather than deletes in
   * place: V8 iterates a Map full of deleted entries slowly, and this runs once per `capacity` new
   * values on a column of unique values.
   */
  private subtract(amount: number): void {
    const next = new Map<FrequencyKey, number>();
    this.counts.forEach((count, value) => {
      if (count > amount) next.set(value, count - amount);
    });
    this.counts = next;
  }
}

function compareKeys(a: FrequencyKey, b: FrequencyKey): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0; // not a − b: Infinity − Infinity is NaN
}
