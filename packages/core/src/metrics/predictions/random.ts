/**
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32. Pure 32-bit integer arithmetic, so a
 * seed draws the same resamples on every Node version and machine; Math.random cannot be seeded.
 */
export class Xoshiro128 {
  private readonly s = new Uint32Array(4);
  private bound = 0;
  private threshold = 0;

  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** A generator in a given raw state (for checking against the reference implementation). */
  static fromState(state: readonly [number, number, number, number]): Xoshiro128 {
    const generator = new Xoshiro128(0);
    generator.s.set(state);
    return generator;
  }

  /** The next uniform 32-bit unsigned integer. */
  next(): number {
    const s = this.s;
    const s0 = s[0] ?? 0;
    const s1 = s[1] ?? 0;
    const s2 = s[2] ?? 0;
    const s3 = s[3] ?? 0;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    const n2 = (s2 ^ s0) >>> 0;
    const n3 = (s3 ^ s1) >>> 0;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = rotl(n3, 11);
    return result;
  }

  /**
   * Adds one bootstrap resample to `counts`: counts.length draws of a row, uniform with replacement;
   * the same draws as calling `below(counts.length)` repeatedly. The generator step is inlined on
   * local variables because this loop is most of a bootstrap's cost (n draws per replicate).
   */
  resample(counts: Uint32Array): void {
    const n = counts.length;
    if (n > 2 ** 21) {
      for (let i = 0; i < n; i++) {
        const row = this.below(n);
        counts[row] = (counts[row] ?? 0) + 1;
      }
      return;
    }
    const threshold = (2 ** 32 - n) % n;
    const state = this.s;
    let s0 = state[0] ?? 0;
    let s1 = state[1] ?? 0;
    let s2 = state[2] ?? 0;
    let s3 = state[3] ?? 0;
    for (let drawn = 0; drawn < n; ) {
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      const product = result * n;
      const row = Math.floor(product * 2 ** -32);
      if (product - row * 2 ** 32 < threshold) continue;
      counts[row] = (counts[row] ?? 0) + 1;
      drawn++;
    }
    state.set([s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0]);
  }

  /** A uniform integer in [0, bound), without modulo bias (Lemire's multiply-and-reject). */
  below(bound: number): number {
    if (bound !== this.bound) {
      if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32)
        throw new RangeError(`below: bad bound ${bound}`);
      this.bound = bound;
      this.threshold = (2 ** 32 - bound) % bound;
    }
    // Up to 2^21 the product r·bound is exact in a double; beyond, reject and take a remainder.
    if (bound > 2 ** 21) {
      const limit = 2 ** 32 - this.threshold;
      for (;;) {
        const r = this.next();
        if (r < limit) return r % bound;
      }
    }
    for (;;) {
      const product = this.next() * bound;
      const high = Math.floor(product * 2 ** -32);
      if (product - high * 2 ** 32 >= this.threshold) return high;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
