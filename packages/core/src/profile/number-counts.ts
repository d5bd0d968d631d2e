const MIN_SLOTS = 64;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/**
 * Counts of numbers in an open-addressing table over one typed array of (value, count) pairs. A
 * Map keyed by numbers boxes every non-integer key and takes two lookups to increment; this one
 * takes one, without allocating, and finds a value and its count in one cache line: it is the
 * inner loop of every numeric column. Numbers are equal as in a Map (SameValueZero: 0 and −0 are
 * one value, NaN is one value); a count of 0 marks an empty slot.
 */
export class NumberCounts {
  /** Slot s holds its value at 2s and its count at 2s + 1. */
  private table = new Float64Array(2 * MIN_SLOTS);
  /** The table before the last subtract, reused by the next. */
  private spare: Float64Array<ArrayBuffer> | undefined;
  private nan = 0;
  size = 0;

  /** Adds 1 to the value's count if it has one; false if it has none. */
  increment(value: number): boolean {
    if (Number.isNaN(value)) {
      if (this.nan === 0) return false;
      this.nan++;
      return true;
    }
    const table = this.table;
    const mask = table.length - 2;
    for (let at = slotOf(value, mask); ; at = (at + 2) & mask) {
      const count = table[at + 1] as number;
      if (count === 0) return false;
      if (table[at] === value) {
        table[at + 1] = count + 1;
        return true;
      }
    }
  }

  /** Adds `count` (≥ 1) to the value's count, or gives it that count. */
  add(value: number, count: number): void {
    if (Number.isNaN(value)) {
      if (this.nan === 0) this.size++;
      this.nan += count;
      return;
    }
    const table = this.table;
    const mask = table.length - 2;
    for (let at = slotOf(value, mask); ; at = (at + 2) & mask) {
      const had = table[at + 1] as number;
      if (had === 0) break;
      if (table[at] === value) {
        table[at + 1] = had + count;
        return;
      }
    }
    this.size++;
    if (this.size * 4 > table.length) this.grow();
    this.place(value === 0 ? 0 : value, count);
  }

  /** Every value with a count, and the count. */
  entries(): [number, number][] {
    const all: [number, number][] = this.nan > 0 ? [[Number.NaN, this.nan]] : [];
    const table = this.table;
    for (let at = 0; at < table.length; at += 2) {
      const count = table[at + 1] as number;
      if (count > 0) all.push([table[at] as number, count]);
    }
    return all;
  }

  /** Takes `amount` off every count and drops those left at 0 or below. */
  subtract(amount: number): void {
    if (this.size === 0) return;
    const old = this.table;
    // As large as before, not as needed by what is left: Misra–Gries refills it to its capacity
    // right away. On a column of unique values this runs once per `capacity` values: the two
    // tables take turns rather than a new one each time.
    const spare = this.spare;
    this.table = spare && spare.length === old.length ? spare.fill(0) : new Float64Array(old.length);
    this.spare = old;
    this.size = 0;
    if (this.nan > amount) {
      this.nan -= amount;
      this.size++;
    } else this.nan = 0;
    for (let at = 0; at < old.length; at += 2) {
      const count = old[at + 1] as number;
      if (count > amount) {
        this.place(old[at] as number, count - amount);
        this.size++;
      }
    }
  }

  /** Puts a value not in the table into an empty slot. */
  private place(value: number, count: number): void {
    const table = this.table;
    const mask = table.length - 2;
    let at = slotOf(value, mask);
    while ((table[at + 1] as number) !== 0) at = (at + 2) & mask;
    table[at] = value;
    table[at + 1] = count;
  }

  /** Doubles the table: at most half its slots are ever full. */
  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    for (let at = 0; at < old.length; at += 2) {
      const count = old[at + 1] as number;
      if (count > 0) this.place(old[at] as number, count);
    }
  }
}

/**
 * Where the home slot of a number other than NaN starts in the table; −0 goes where 0 does. A
 * multiplicative hash of its bits: the slots need spread, not the avalanche of a finalizer.
 */
function slotOf(value: number, mask: number): number {
  bits[0] = value === 0 ? 0 : value;
  const mixed = Math.imul((words[0] as number) ^ Math.imul(words[1] as number, 0x85ebca6b), 0x9e3779b1);
  return ((mixed ^ (mixed >>> 15)) << 1) & mask;
}
