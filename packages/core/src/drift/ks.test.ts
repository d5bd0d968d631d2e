import { describe, expect, it } from 'vitest';
import { expectClose, scipyFixture } from '../../../../test/fixtures/drift/scipy';
import { kolmogorovSf, smirnovSf } from './kolmogorov';
import { KS_EXACT_MAX_N, ks2samp, outerProbInside, probOutsideSquare, roundHalfEven } from './ks';

interface KsFixture {
  samples: { name: string; x: number[]; y: number[]; statistic: number; pvalue: number; mode: string }[];
  kstwoSf: { n: number; x: number; sf: number }[];
  smirnov: { n: number; x: number; sf: number }[];
  probOutsideSquare: { n: number; h: number; p: number }[];
  outerProbInside: { m: number; n: number; g: number; h: number; p: number }[];
}

const fixture = scipyFixture<KsFixture>('ks');

describe('two-sample KS equals scipy.stats.ks_2samp(method="auto")', () => {
  for (const c of fixture.samples) {
    it(`${c.name} (${c.x.length} vs ${c.y.length}, ${c.mode})`, () => {
      const result = ks2samp(c.x, c.y);
      expectClose(result.statistic, c.statistic, 'statistic');
      expectClose(result.pValue, c.pvalue, 'p-value');
      expect(result.method).toBe(c.mode === 'exact' ? 'exact' : 'asymptotic');
      // The test is symmetric: swapping the samples changes nothing scipy reports.
      const swapped = ks2samp(c.y, c.x);
      expectClose(swapped.pValue, c.pvalue, 'p-value, samples swapped');
    });
  }

  it('covers both regimes, the 10000 boundary on both sides, and p-values below 1e-90', () => {
    const sizes = fixture.samples.map((c) => Math.max(c.x.length, c.y.length));
    expect(sizes).toContain(KS_EXACT_MAX_N);
    expect(sizes).toContain(KS_EXACT_MAX_N + 1);
    expect(fixture.samples.filter((c) => c.mode === 'asymp').length).toBeGreaterThan(4);
    expect(Math.min(...fixture.samples.filter((c) => c.pvalue > 0).map((c) => c.pvalue))).toBeLessThan(1e-90);
  });

  it('refuses an empty sample and NaN', () => {
    expect(() => ks2samp([], [1])).toThrow(/first sample is empty/);
    expect(() => ks2samp([1, Number.NaN], [1])).toThrow(/NaN/);
  });
});

describe('the KS kernels equal scipy on grids that reach every branch', () => {
  it('kstwo.sf(d, n): Ruben-Gambino, Durbin, Pomeranz, Pelz-Good and 2·smirnov', () => {
    for (const { n, x, sf } of fixture.kstwoSf) expectClose(kolmogorovSf(n, x), sf, `kstwo.sf(${x}, ${n})`);
  });

  it('scipy.special.smirnov(n, d)', () => {
    for (const { n, x, sf } of fixture.smirnov) expectClose(smirnovSf(n, x), sf, `smirnov(${n}, ${x})`);
  });

  it('the exact path counts: the square and the inside method', () => {
    for (const { n, h, p } of fixture.probOutsideSquare) {
      expectClose(probOutsideSquare(n, h), p, `square(${n}, ${h})`);
    }
    for (const { m, n, g, h, p } of fixture.outerProbInside) {
      expectClose(outerProbInside(m, n, g, h), p, `inside(${m}, ${n}, ${h})`);
    }
  });

  it('rounds halves to even, as numpy does for round(n1 n2 / (n1 + n2))', () => {
    expect([0.5, 1.5, 2.5, 5000.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, 5000, 2, 3]);
  });
});
