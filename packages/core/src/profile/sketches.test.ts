import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chiSquareTest } from '../drift';
import { FrequentValues } from './frequent';
import { HLL_PRECISION, HyperLogLog } from './hyperloglog';
import { KLL_K, KLL_RANK_ERROR, KllSketch } from './kll';
import { Moments } from './moments';
import { Reservoir } from './reservoir';

// Fixed seeds: the properties run on the same generated cases every time, so a pass is a pass.
const runs = { seed: 20260711, numRuns: 60 };
const PROBABILITIES = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1];

/** How far q lies from the range of ranks the value truly holds in the stream. */
function rankError(sorted: Float64Array, value: number, q: number): number {
  let below = 0;
  let atOrBelow = 0;
  for (const x of sorted) {
    if (x < value) below++;
    if (x <= value) atOrBelow++;
  }
  const n = sorted.length;
  if (q * n < below) return (below - q * n) / n;
  if (q * n > atOrBelow) return (q * n - atOrBelow) / n;
  return 0;
}

const streams = fc.oneof(
  fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), {
    minLength: 1,
    maxLength: 30_000,
  }),
  fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30_000 }), // heavy ties
  fc.integer({ min: 1, max: 60_000 }).map((n) => Array.from({ length: n }, (_, i) => i)), // sorted input
);

describe('KLL quantiles stay within the stated rank error', () => {
  it(`one stream: every reported quantile within ${KLL_RANK_ERROR} of its rank`, () => {
    fc.assert(
      fc.property(streams, fc.integer(), (stream, seed) => {
        const sketch = new KllSketch(seed);
        for (const x of stream) sketch.add(x);
        const sorted = Float64Array.from(stream).sort();
        sketch.quantiles(PROBABILITIES).forEach((value, i) => {
          expect(rankError(sorted, value, PROBABILITIES[i] ?? 0)).toBeLessThanOrEqual(KLL_RANK_ERROR);
        });
        expect(sketch.count).toBe(stream.length);
      }),
      runs,
    );
  });

  it('merged sketches of the pieces of a stream answer as one', () => {
    fc.assert(
      fc.property(streams, fc.integer({ min: 2, max: 8 }), (stream, pieces) => {
        const merged = new KllSketch(1);
        const size = Math.ceil(stream.length / pieces);
        for (let p = 0; p < pieces; p++) {
          const part = new KllSketch(100 + p);
          for (const x of stream.slice(p * size, (p + 1) * size)) part.add(x);
          merged.merge(part);
        }
        const sorted = Float64Array.from(stream).sort();
        expect(merged.count).toBe(stream.length);
        merged.quantiles(PROBABILITIES).forEach((value, i) => {
          expect(rankError(sorted, value, PROBABILITIES[i] ?? 0)).toBeLessThanOrEqual(KLL_RANK_ERROR);
        });
      }),
      runs,
    );
  });

  it('keeps memory flat: about 3k values for a million', () => {
    const sketch = new KllSketch(7);
    for (let i = 0; i < 1_000_000; i++) sketch.add((i * 7919) % 1_000_003);
    expect(sketch.size).toBeLessThan(3 * KLL_K + 64);
    expect(sketch.quantiles([0, 1])).toEqual([0, 1_000_002]);
  });

  it('is deterministic: the same stream and seed give the same quantiles', () => {
    const build = () => {
      const sketch = new KllSketch(42);
      for (let i = 0; i < 100_000; i++) sketch.add(Math.sin(i) * 1000);
      return sketch.quantiles(PROBABILITIES);
    };
    expect(build()).toEqual(build());
  });
});

describe('HyperLogLog distinct counts', () => {
  const sigma = 1.04 / Math.sqrt(2 ** HLL_PRECISION);

  it('estimates within 4 standard errors, from a handful of values to a million', () => {
    for (const n of [1, 10, 1000, 20_000, 100_000, 1_000_000]) {
      const sketch = new HyperLogLog();
      for (let i = 0; i < n; i++) sketch.add(i % 2 ? `value-${i}` : i * 0.5);
      const error = Math.abs(sketch.estimate() - n) / n;
      expect(error, `n = ${n}`).toBeLessThanOrEqual(4 * sigma);
    }
  });

  it('a merge is the sketch of the union, register for register', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 500 }),
        fc.array(fc.string(), { maxLength: 500 }),
        (a, b) => {
          const left = new HyperLogLog();
          const right = new HyperLogLog();
          const union = new HyperLogLog();
          for (const x of a) left.add(x);
          for (const x of b) right.add(x);
          for (const x of [...b, ...a, ...a]) union.add(x);
          left.merge(right);
          expect(Buffer.from(left.registers).equals(Buffer.from(union.registers))).toBe(true);
        },
      ),
      runs,
    );
  });
});

/** Exact counts of a stream, for checking the summary against. */
function truth(stream: readonly (string | number)[]): Map<string | number, number> {
  const counts = new Map<string | number, number>();
  for (const x of stream) counts.set(x, (counts.get(x) ?? 0) + 1);
  return counts;
}

function expectMisraGriesGuarantee(summary: FrequentValues, stream: readonly (string | number)[]): void {
  const counts = truth(stream);
  const error = summary.maxError();
  const reported = new Map(summary.top(Number.MAX_SAFE_INTEGER).map((v) => [v.value, v.count]));
  for (const [value, count] of reported) {
    const actual = counts.get(value) ?? 0;
    expect(count).toBeLessThanOrEqual(actual);
    expect(actual).toBeLessThanOrEqual(count + error);
  }
  for (const [value, actual] of counts) {
    if (actual > stream.length / (summary.capacity + 1))
      expect(reported.has(value), String(value)).toBe(true);
  }
  if (summary.exact) {
    expect(error).toBe(0);
    expect(summary.distinct()).toBe(counts.size);
  }
}

describe('value frequencies: exact below the bound, Misra-Gries above', () => {
  const skewed = fc.array(
    fc.oneof(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 0, max: 400 }),
      fc.constantFrom('a', 'b', 'c'),
    ),
    { maxLength: 5_000 },
  );

  it('counts are exact while the distinct values fit, and short by at most maxError after', () => {
    fc.assert(
      fc.property(skewed, (stream) => {
        const summary = new FrequentValues(60, 12);
        for (const x of stream) summary.add(x);
        expectMisraGriesGuarantee(summary, stream);
      }),
      runs,
    );
  });

  it('keeps the guarantee when summaries of pieces are merged', () => {
    fc.assert(
      fc.property(skewed, skewed, (a, b) => {
        const left = new FrequentValues(60, 12);
        const right = new FrequentValues(60, 12);
        for (const x of a) left.add(x);
        for (const x of b) right.add(x);
        left.merge(right);
        expectMisraGriesGuarantee(left, [...a, ...b]);
      }),
      runs,
    );
  });

  it('past the exact bound, the distinct count comes from the sketch', () => {
    const summary = new FrequentValues(100, 10);
    for (let i = 0; i < 50_000; i++) summary.add(i % 20_000);
    expect(summary.exact).toBe(false);
    expect(Math.abs(summary.distinct() - 20_000) / 20_000).toBeLessThan(0.033);
  });
});

describe('Welford moments', () => {
  it('equal the two-pass mean and sample std, and merge as one stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), { minLength: 2 }),
        fc.nat(),
        (xs, cut) => {
          const whole = new Moments();
          for (const x of xs) whole.add(x);
          const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
          const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
          const scale = Math.max(1, ...xs.map(Math.abs));
          expect(Math.abs(whole.mean - mean)).toBeLessThanOrEqual(1e-9 * scale);
          expect(Math.abs((whole.std ?? 0) - Math.sqrt(variance))).toBeLessThanOrEqual(1e-9 * scale);
          const left = new Moments();
          const right = new Moments();
          const at = cut % xs.length;
          for (const x of xs.slice(0, at)) left.add(x);
          for (const x of xs.slice(at)) right.add(x);
          left.merge(right);
          expect(left.count).toBe(xs.length);
          expect(Math.abs(left.mean - mean)).toBeLessThanOrEqual(1e-9 * scale);
          expect(Math.abs((left.std ?? 0) - Math.sqrt(variance))).toBeLessThanOrEqual(1e-9 * scale);
        },
      ),
      runs,
    );
  });
});

describe('the reservoir sample', () => {
  function sample(seed: number, length: number, size: number): number[] {
    const reservoir = new Reservoir(seed, size);
    const kept: number[] = [];
    for (let i = 0; i < length; i++) {
      const slot = reservoir.offer();
      if (slot >= 0) kept[slot] = i;
    }
    return kept;
  }

  it('holds min(n, size) distinct items of the stream, the same ones for the same seed', () => {
    expect(sample(1, 5, 10)).toEqual([0, 1, 2, 3, 4]);
    const kept = sample(3, 100_000, 1000);
    expect(kept.length).toBe(1000);
    expect(new Set(kept).size).toBe(1000);
    expect(sample(3, 100_000, 1000)).toEqual(kept);
    expect(sample(4, 100_000, 1000)).not.toEqual(kept);
  });

  it('keeps every item with the same probability (chi-square over 3000 seeds)', () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 3000; seed++) {
      for (const i of sample(seed, 50, 5)) counts.set(`item ${i}`, (counts.get(`item ${i}`) ?? 0) + 1);
    }
    // Each of the 50 items is kept 3000 · 5/50 = 300 times on average; against a flat reference
    // of the same total, no item may stand out.
    const flat = new Map([...counts.keys()].map((k) => [k, 300]));
    expect(counts.size).toBe(50);
    expect(chiSquareTest(flat, counts).pValue).toBeGreaterThan(0.01);
  });
});
