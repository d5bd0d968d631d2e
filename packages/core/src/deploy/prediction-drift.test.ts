import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PSI_EPSILON } from '../drift';
import { agreement, psi } from './prediction-drift';

describe('PSI', () => {
  it('bins at the stable deciles, with open outer bins', () => {
    const stable = Array.from({ length: 1000 }, (_, i) => i);
    expect(psi(stable, stable)).toBe(0);
    // Everything above the top decile edge: one bin holds all of the canary.
    const above = Array.from({ length: 100 }, () => 5000);
    const p = Math.log(1 / 0.1) * 0.9 + 9 * (PSI_EPSILON - 0.1) * Math.log(PSI_EPSILON / 0.1);
    expect(psi(above, stable)).toBeCloseTo(p, 9);
  });

  it('merges equal edges of a distribution with ties, and bins labels by value', () => {
    // Edges 0, 0.2 and 1 (deciles of eight zeros and two ones): the ones all fall in (0.2, 1].
    expect(psi([1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0, 1, 1])).toBeCloseTo(
      0.8 * Math.log(1 / 0.2) + (PSI_EPSILON - 0.8) * Math.log(PSI_EPSILON / 0.8),
      12,
    );
    expect(psi([1, 1, 0, 0], [1, 0, 1, 0])).toBe(0);
    expect(psi(['cat', 'cat'], ['cat', 'dog'])).toBeCloseTo(
      0.5 * Math.log(1 / 0.5) + (PSI_EPSILON - 0.5) * Math.log(PSI_EPSILON / 0.5),
      12,
    );
  });

  it('needs predictions on both sides', () => {
    expect(() => psi([], [1])).toThrow(RangeError);
  });

  const sample = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 200 });

  it('is never negative, and 0 for the same distribution', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        expect(psi(a, b)).toBeGreaterThanOrEqual(0);
        expect(psi(a, a)).toBeCloseTo(0, 12);
      }),
    );
  });

  it('does not depend on the order of predictions, nor on a doubling of every value', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const reversed = psi([...a].reverse(), [...b].reverse());
        expect(reversed).toBeCloseTo(psi(a, b), 9);
        expect(
          psi(
            a.map((x) => x * 2),
            b.map((x) => x * 2),
          ),
        ).toBeCloseTo(psi(a, b), 9);
      }),
    );
  });
});

describe('agreement', () => {
  it('pairs lists by position and records by request id', () => {
    expect(agreement([1, 0, 1, 1], [1, 0, 0, 1])).toBe(0.75);
    expect(agreement({ a: 'x', b: 'y', c: 'z' }, { b: 'y', c: 'q', d: 'w' })).toBe(0.5);
    expect(agreement([0.5, 0.61], [0.52, 0.6], 0.05)).toBe(1);
    expect(agreement([0.5, 0.61], [0.52, 0.6])).toBe(0);
    expect(() => agreement([1], [1, 2])).toThrow('canary has 1 and stable 2');
    expect(() => agreement({ a: 1 }, { b: 1 })).toThrow('no request has predictions from both sides');
  });

  const pair = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), {
      minLength: 1,
      maxLength: 100,
    })
    .map((pairs) => [pairs.map((p) => p[0]), pairs.map((p) => p[1])] as const);

  it('is a share, symmetric, 1 against itself, and grows with the tolerance', () => {
    fc.assert(
      fc.property(pair, fc.double({ min: 0, max: 3, noNaN: true }), ([a, b], tolerance) => {
        const value = agreement(a, b, tolerance);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
        expect(agreement(b, a, tolerance)).toBe(value);
        expect(agreement(a, a)).toBe(1);
        expect(agreement(a, b, tolerance + 1)).toBeGreaterThanOrEqual(value);
      }),
    );
  });
});
