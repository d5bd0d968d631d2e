import { describe, expect, it } from 'vitest';
import { expectClose, scipyFixture } from '../../../../test/fixtures/drift/scipy';
import { categoricalDrift, countValues, numericDrift } from './column';

interface Sample {
  name: string;
  x: number[];
  y: number[];
  statistic: number;
  pvalue: number;
}

describe("a column's drift carries its effect size beside its p-value", () => {
  it('numeric: KS p-value, KS D as the effect size, PSI and normalised Wasserstein beside', () => {
    const { samples } = scipyFixture<{ samples: Sample[] }>('ks');
    const shifted = samples.find((s) => s.name.startsWith('p-value near 0 (exact)')) as Sample;
    const drift = numericDrift(shifted.x, shifted.y);
    expectClose(drift.pValue, shifted.pvalue, 'p-value');
    expectClose(drift.effectSize, shifted.statistic, 'KS D');
    expect(drift.psi.value).toBeGreaterThan(0.25); // a major shift by the usual reading
    expect(drift.wasserstein.normalized).toBeGreaterThan(0.5);
    const same = numericDrift(shifted.y, shifted.y);
    expect([same.pValue, same.effectSize, same.psi.value, same.wasserstein.distance]).toEqual([1, 0, 0, 0]);
  });

  it("categorical: chi-square p-value, Cramér's V as the effect size, PSI per category", () => {
    const reference = countValues(['sun', 'sun', 'rain', 'fog', 'sun', 'rain']);
    const current = countValues(['rain', 'rain', 'rain', 'snow', 'sun', 'rain']);
    const drift = categoricalDrift(reference, current);
    expect(drift.chiSquare.categories).toEqual(['sun', 'rain', 'fog', 'snow']);
    expect(drift.chiSquare.reference).toEqual([3, 2, 1, 0]);
    expect(drift.effectSize).toBe(drift.chiSquare.cramersV);
    expect(drift.pValue).toBe(drift.chiSquare.pValue);
    expect(drift.psi.categories).toEqual(drift.chiSquare.categories);
  });
});
