import { Xoshiro128 } from '../metrics/predictions/random';

/** Values kept per column: enough for KS, PSI and chi-square against a later version. */
export const SAMPLE_SIZE = 10_000;

/**
 * A uniform random sample of `size` items from a stream of unknown length (Li's Algorithm L: after
 * the reservoir fills, it draws how many items to skip, so the cost is O(size · log(n / size)) random
 * numbers, not one per item). Seeded xoshiro128**: the same stream and seed keep the same items.
 */
export class Reservoir {
  /** Items offered so far. */
  seen = 0;
  private readonly random: Xoshiro128;
  private weight = 0;
  private nextIndex = 0;

  constructor(
    seed: number,
    readonly size = SAMPLE_SIZE,
  ) {
    this.random = new Xoshiro128(seed);
  }

  /**
   * Offers the next item of the stream: returns the slot (0 ≤ slot < size) it takes in the sample,
   * or −1 when it is skipped. The caller keeps the items, building one only when it is kept.
   */
  offer(): number {
    const index = this.seen++;
    if (index < this.size) {
      if (index === this.size - 1) {
        this.weight = Math.exp(Math.log(this.uniform()) / this.size);
        this.scheduleNext();
      }
      return index;
    }
    if (this.seen !== this.nextIndex) return -1;
    const slot = this.random.below(this.size);
    this.weight *= Math.exp(Math.log(this.uniform()) / this.size);
    this.scheduleNext();
    return slot;
  }

  /** How many items the sample holds now. */
  get length(): number {
    return Math.min(this.seen, this.size);
  }

  private scheduleNext(): void {
    this.nextIndex = this.seen + Math.floor(Math.log(this.uniform()) / Math.log(1 - this.weight)) + 1;
  }

  /** Uniform in (0, 1), never 0 or 1, so the logarithms stay finite. */
  private uniform(): number {
    return (this.random.next() + 0.5) / 2 ** 32;
  }
}
