import { Xoshiro128 } from '../metrics/predictions/random';

/** Compactor size at the top level; the normalized rank error falls as 1/k. */
export const KLL_K = 200;
/**
 * Normalized rank error this sketch stays within: DataSketches' 99 %-confidence figure for KLL
 * with k = 200 (1.65 %), which the property tests check on random streams and merges.
 */
export const KLL_RANK_ERROR = 0.0165;
const SHRINK = 2 / 3;
const MIN_CAPACITY = 2;

/**
 * KLL quantile sketch (Karnin, Lang & Liberty 2016): levels of compactors, level h holding items of
 * weight 2^h; a full level is sorted and every other item (odd or even, by a coin) moves up.
 * Memory stays near 3k numbers for any stream length; sketches merge level by level. The coins
 * come from a seeded xoshiro128**, so the same stream and seed give the same sketch, bit for bit.
 */
export class KllSketch {
  private levels: Float64Array[] = [new Float64Array(8)];
  private sizes: number[] = [0];
  private capacities: number[] = [];
  private retained = 0;
  private limit = 0;
  private readonly random: Xoshiro128;
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  constructor(
    seed: number,
    readonly k = KLL_K,
  ) {
    this.random = new Xoshiro128(seed);
    this.updateCapacities();
  }

  add(value: number): void {
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const level = this.levels[0] as Float64Array;
    const size = this.sizes[0] as number;
    if (size < level.length) {
      level[size] = value;
      this.sizes[0] = size + 1;
    } else this.push(0, value);
    if (++this.retained >= this.limit) this.compress();
  }

  /** Adds another sketch's stream to this one. */
  merge(other: KllSketch): void {
    while (this.levels.length < other.levels.length) this.grow();
    other.levels.forEach((level, h) => {
      for (let i = 0; i < (other.sizes[h] ?? 0); i++) this.push(h, level[i] ?? 0);
    });
    this.count += other.count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.retained = this.sizes.reduce((a, b) => a + b, 0);
    while (this.retained >= this.limit) this.compress();
  }

  /**
   * The smallest retained value whose weighted rank reaches q·n (q = 0 and 1 give the exact min and
   * max). NaN for an empty sketch.
   */
  quantiles(qs: readonly number[]): number[] {
    if (this.count === 0) return qs.map(() => Number.NaN);
    const { values, cumulative } = this.sortedView();
    const total = cumulative[cumulative.length - 1] ?? 0;
    return qs.map((q) => {
      if (q <= 0) return this.min;
      if (q >= 1) return this.max;
      const target = q * total;
      let low = 0;
      let high = values.length - 1;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((cumulative[middle] ?? 0) < target) low = middle + 1;
        else high = middle;
      }
      return values[low] ?? Number.NaN;
    });
  }

  /** Estimated share of the stream ≤ value. */
  rank(value: number): number {
    if (this.count === 0) return Number.NaN;
    let weight = 0;
    this.levels.forEach((level, h) => {
      for (let i = 0; i < (this.sizes[h] ?? 0); i++) if ((level[i] ?? 0) <= value) weight += 2 ** h;
    });
    return weight / this.count;
  }

  /** Retained items, a measure of memory. */
  get size(): number {
    return this.retained;
  }

  private push(h: number, value: number): void {
    const level = this.reserve(h, 1);
    const size = this.sizes[h] ?? 0;
    level[size] = value;
    this.sizes[h] = size + 1;
  }

  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      if ((this.sizes[h] ?? 0) < (this.capacities[h] ?? 0)) continue;
      if (h + 1 >= this.levels.length) this.grow();
      this.compact(h);
      if (this.retained < this.limit) return;
    }
  }

  /** Sorts level h and promotes every other item; an odd one out (the smallest) stays behind. */
  private compact(h: number): void {
    const size = this.sizes[h] ?? 0;
    const level = this.levels[h] as Float64Array;
    if (size <= MIN_RUN) insertionSort(level, 0, 1, size);
    else mergeSort(level, size);
    const keep = size % 2;
    const promoted = (size - keep) / 2;
    const upper = this.reserve(h + 1, promoted);
    let to = this.sizes[h + 1] ?? 0;
    for (let i = keep + (this.random.next() & 1); i < size; i += 2) upper[to++] = level[i] as number;
    this.sizes[h + 1] = to;
    this.sizes[h] = keep;
    this.retained -= promoted;
  }

  /** Level h, with room for `more` items. */
  private reserve(h: number, more: number): Float64Array {
    const level = this.levels[h] as Float64Array;
    const needed = (this.sizes[h] ?? 0) + more;
    if (needed <= level.length) return level;
    let length = level.length * 2;
    while (length < needed) length *= 2;
    const bigger = new Float64Array(length);
    bigger.set(level);
    this.levels[h] = bigger;
    return bigger;
  }

  private grow(): void {
    this.levels.push(new Float64Array(8));
    this.sizes.push(0);
    this.updateCapacities();
  }

  /** Level capacities k·(2/3)^depth from the top, at least 2; products, not pow, for determinism. */
  private updateCapacities(): void {
    const height = this.levels.length;
    this.capacities = new Array<number>(height);
    let scale = 1;
    for (let depth = 0; depth < height; depth++) {
      this.capacities[height - 1 - depth] = Math.max(MIN_CAPACITY, Math.ceil(this.k * scale));
      scale *= SHRINK;
    }
    this.limit = this.capacities.reduce((a, b) => a + b, 0);
  }

  private sortedView(): { values: Float64Array; cumulative: Float64Array } {
    const items: [number, number][] = [];
    this.levels.forEach((level, h) => {
      for (let i = 0; i < (this.sizes[h] ?? 0); i++) items.push([level[i] ?? 0, 2 ** h]);
    });
    items.sort((a, b) => a[0] - b[0]);
    const values = new Float64Array(items.length);
    const cumulative = new Float64Array(items.length);
    let running = 0;
    items.forEach(([value, weight], i) => {
      values[i] = value;
      running += weight;
      cumulative[i] = running;
    });
    return { values, cumulative };
  }
}

/** Levels up to this size (most) are sorted by insertion; shorter runs are so lengthened before merging. */
const MIN_RUN = 16;
let scratch = new Float64Array(256);
let bounds = new Int32Array(64);

/**
 * Sorts level[0, size), longer than MIN_RUN, into the order Float64Array.prototype.sort gives (−0
 * before 0, NaN last), as any correct sort does, since equal items are the same number. Not that
 * built-in, whose call costs more than most compactions, which sort a few items by insertion. A
 * longer level holds sorted runs promoted from below, which a natural merge sort takes as they are.
 */
function mergeSort(level: Float64Array, size: number): void {
  if (bounds.length <= size) bounds = new Int32Array(2 * size);
  let runs = 0;
  for (let from = 0; from < size; ) {
    let to = from + 1;
    while (to < size && !sortsBefore(level[to] as number, level[to - 1] as number)) to++;
    if (to - from < MIN_RUN && to < size) {
      const end = Math.min(from + MIN_RUN, size);
      insertionSort(level, from, to, end);
      to = end;
    }
    bounds[runs++] = from;
    from = to;
  }
  bounds[runs] = size;
  if (runs === 1) return;
  if (scratch.length < size) scratch = new Float64Array(2 ** Math.ceil(Math.log2(size)));
  while (runs > 1) {
    let merged = 0;
    let run = 0;
    for (; run + 1 < runs; run += 2) {
      merge(level, bounds[run] as number, bounds[run + 1] as number, bounds[run + 2] as number);
      bounds[merged++] = bounds[run] as number;
    }
    if (run < runs) bounds[merged++] = bounds[run] as number;
    bounds[merged] = size;
    runs = merged;
  }
}

/** Sorts items[from, to), of which items[from, sorted) are sorted already, by insertion. */
function insertionSort(items: Float64Array, from: number, sorted: number, to: number): void {
  for (let i = sorted; i < to; i++) {
    const item = items[i] as number;
    let j = i - 1;
    for (; j >= from && sortsBefore(item, items[j] as number); j--) items[j + 1] = items[j] as number;
    items[j + 1] = item;
  }
}

/** Merges the sorted items[from, middle) and items[middle, to) in place, through the scratch. */
function merge(items: Float64Array, from: number, middle: number, to: number): void {
  if (!sortsBefore(items[middle] as number, items[middle - 1] as number)) return; // in order already
  scratch.set(items.subarray(from, middle), from);
  let left = from;
  let right = middle;
  let out = from;
  while (left < middle && right < to) {
    const a = scratch[left] as number;
    const b = items[right] as number;
    if (sortsBefore(b, a)) {
      items[out++] = b;
      right++;
    } else {
      items[out++] = a;
      left++;
    }
  }
  while (left < middle) items[out++] = scratch[left++] as number;
}

function sortsBefore(a: number, b: number): boolean {
  if (a < b) return true;
  if (a === 0 && b === 0) return 1 / a < 1 / b; // −0 before 0
  return Number.isNaN(b) && !Number.isNaN(a); // NaN after every number
}
