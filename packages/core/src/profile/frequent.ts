import { HyperLogLog } from './hyperloglog';
import { NumberCounts } from './number-counts';

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
  // Numbers and text apart: numbers in a typed-array table (no boxing), text in a Map whose values
  // are mutable counters (one lookup per value, not a get and a set).
  private numbers = new NumberCounts();
  private texts = new Map<string, { count: number }>();
  private sketch: HyperLogLog | undefined;
  total = 0;

  constructor(
    readonly exactBound = EXACT_DISTINCT_BOUND,
    readonly capacity = HEAVY_HITTER_CAPACITY,
  ) {}

  get exact(): boolean {
    return this.sketch === undefined;
  }

  /** Values kept with a count: every distinct value while exact, the Misra–Gries counters after. */
  private get size(): number {
    return this.numbers.size + this.texts.size;
  }

  add(value: FrequencyKey): void {
    if (typeof value === 'number') this.addNumber(value);
    else this.addText(value);
  }

  addNumber(value: number): void {
    this.total++;
    const numbers = this.numbers;
    let at = numbers.find(value);
    if (at >= 0) {
      numbers.increment(at); // every counted value is in the sketch already
      return;
    }
    const wasExact = this.sketch === undefined;
    if (!this.stillExact()) {
      (this.sketch as HyperLogLog).addNumber(value);
      if (this.size >= this.capacity) {
        this.subtract(1);
        return;
      }
      if (wasExact) at = numbers.find(value); // this value made the switch, which rebuilt the table
    }
    numbers.insert(~at, value, 1);
  }

  addText(value: string): void {
    this.total++;
    const counter = this.texts.get(value);
    if (counter !== undefined) counter.count++;
    else if (this.stillExact()) this.texts.set(ownCopy(value), { count: 1 });
    else {
      (this.sketch as HyperLogLog).addText(value);
      if (this.size < this.capacity) this.texts.set(ownCopy(value), { count: 1 });
      else this.subtract(1);
    }
  }

  /** Whether a new value can be counted exactly; if not, and this is the first, switches to sketches. */
  private stillExact(): boolean {
    if (this.sketch) return false;
    if (this.size < this.exactBound) return true;
    this.switchToSketches();
    return false;
  }

  /** Exact count, or the HyperLogLog estimate (relative standard error 0.81 %). */
  distinct(): number {
    return this.sketch ? this.sketch.estimate() : this.size;
  }

  /** How much any reported count may fall short of the truth (0 while exact). */
  maxError(): number {
    let kept = 0;
    for (const { count } of this.entries()) kept += count;
    return this.sketch ? Math.floor((this.total - kept) / (this.capacity + 1)) : 0;
  }

  /** The `k` most frequent values, by count, then numbers before text, each in ascending order. */
  top(k: number): FrequentValue[] {
    return this.entries()
      .sort((a, b) => b.count - a.count || compareKeys(a.value, b.value))
      .slice(0, k);
  }

  /** Adds another column's frequencies (the mergeable Misra–Gries of Agarwal et al. 2012). */
  merge(other: FrequentValues): void {
    this.total += other.total;
    for (const { value, count } of other.entries()) this.addCount(value, count);
    if (other.sketch || this.sketch || this.size > this.exactBound) {
      const sketch = this.sketch ?? new HyperLogLog();
      if (!this.sketch) for (const { value } of this.entries()) sketch.add(value);
      if (other.sketch) sketch.merge(other.sketch);
      this.sketch = sketch;
      this.reduceTo(this.capacity);
    }
  }

  private addCount(value: FrequencyKey, count: number): void {
    if (typeof value === 'number') this.numbers.add(value, count);
    else {
      const counter = this.texts.get(value);
      if (counter) counter.count += count;
      else this.texts.set(value, { count });
    }
  }

  /** Every counted value and its count, in no particular order. */
  private entries(): FrequentValue[] {
    const all = this.numbers.entries().map(([value, count]): FrequentValue => ({ value, count }));
    for (const [value, counter] of this.texts) all.push({ value, count: counter.count });
    return all;
  }

  private switchToSketches(): void {
    const sketch = new HyperLogLog();
    for (const { value } of this.entries()) sketch.add(value);
    this.sketch = sketch;
    this.reduceTo(this.capacity);
  }

  /** Keeps at most `keep` counters: the Misra–Gries decrement by the (keep+1)-th largest count. */
  private reduceTo(keep: number): void {
    if (this.size <= keep) return;
    const sorted = this.entries()
      .map(({ count }) => count)
      .sort((a, b) => b - a);
    this.subtract(sorted[keep] ?? 0);
  }

  /**
   * Takes `amount` off every counter and drops those left at 0. A new Map rather than deletes in
   * place: V8 iterates a Map full of deleted entries slowly, and this runs once per `capacity` new
   * values on a column of unique values.
   */
  private subtract(amount: number): void {
    this.numbers.subtract(amount);
    if (this.texts.size === 0) return;
    const next = new Map<string, { count: number }>();
    this.texts.forEach((counter, value) => {
      counter.count -= amount;
      if (counter.count > 0) next.set(value, counter);
    });
    this.texts = next;
  }
}

/**
 * The text as a string of its own. A CSV reader's cells are slices of a decoded chunk, and V8 keeps
 * a slice of 13 characters or more as a view that holds the whole chunk alive: a kept value must
 * not, or 10 000 of them could hold 10 000 chunks. Flattening a concatenation copies the text.
 */
export function ownCopy(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

function compareKeys(a: FrequencyKey, b: FrequencyKey): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0; // not a − b: Infinity − Infinity is NaN
}
