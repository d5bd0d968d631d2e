const MIN_SLOTS = 64;
/** The slot find() gives NaN, which is counted apart. */
const NAN_SLOT = 0x7fffffff;
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

  /**
   * Where the value is counted: its slot (≥ 0), or, when it has no count, ~slot of the empty slot
   * it would take (valid until the table next changes). One probe serves a lookup and an insert.
   */
  find(value: number): number {
    if (Number.isNaN(value)) return this.nan > 0 ? NAN_SLOT : ~NAN_SLOT;
    const table = this.table;
    const mask = table.length - 2;
    for (let at = slotOf(value, mask); ; at = (at + 2) & mask) {
      if ((table[at + 1] as number) === 0) return ~at;
      if (table[at] === value) return at;
    }
  }

  /** Adds 1 to the count in a slot find() returned. */
  increment(at: number): void {
    if (at === NAN_SLOT) this.nan++;
    else this.table[at + 1] = (this.table[at + 1] as number) + 1;
  }

  /** Counts a value find() did not find, in the empty slot it returned (~ undone). */
  insert(at: number, value: number, count: number): void {
    this.size++;
    if (at === NAN_SLOT) this.nan = count;
    else if (this.size * 8 > this.table.length * 3) {
      this.grow();
      this.place(value === 0 ? 0 : value, count);
    } else {
      this.table[at] = value === 0 ? 0 : value;
      this.table[at + 1] = count;
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
    if (this.size * 8 > table.length * 3) this.grow();
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
    // Sized for as many values as there were, not as are left: Misra–Gries refills it to its
    // capacity right away. On a column of unique values this runs once per `capacity` values:
    // two tables take turns rather than a new one each time.
    const length = tableLength(this.size);
    const spare = this.spare;
    this.table = spare?.length === length ? spare.fill(0) : new Float64Array(length);
    this.spare = old.length === length ? old : undefined;
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

  /** Doubles the table: at most three quarters of its slots are ever full. */
  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    for (let at = 0; at < old.length; at += 2) {
      const count = old[at + 1] as number;
      if (count > 0) this.place(old[at] as number, count);
    }
  }
}

/** The length of a table for `size` values: at most three quarters of its slots full. */
function tableLength(size: number): number {
  let slots = MIN_SLOTS;
  while (slots * 3 < size * 4) slots *= 2;
  return 2 * slots;
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
