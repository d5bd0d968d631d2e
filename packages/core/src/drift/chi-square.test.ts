import { describe, expect, it } from 'vitest';
import { expectClose, scipyFixture } from '../../../../test/fixtures/drift/scipy';
import { chiSquareTest } from './chi-square';
import { gammaincc, logGamma } from './gamma';

interface ChiFixture {
  tables: {
    name: string;
    categories: string[];
    reference: number[];
    current: number[];
    statistic: number;
    dof: number;
    pvalue: number;
    cramersV: number;
  }[];
  gammaincc: { a: number; x: number; q: number }[];
}

const fixture = scipyFixture<ChiFixture>('chi2');

function counts(categories: string[], values: number[]): Map<string, number> {
  // A zero count is left out, as a category a sample never showed would be.
  return new Map(categories.flatMap((c, i) => ((values[i] ?? 0) > 0 ? [[c, values[i] ?? 0]] : [])));
}

describe('chi-square equals scipy.stats.chi2_contingency(correction=False) on the union of categories', () => {
  for (const t of fixture.tables) {
    it(t.name, () => {
      const result = chiSquareTest(counts(t.categories, t.reference), counts(t.categories, t.current));
      expect(result.dof).toBe(t.dof);
      expectClose(result.statistic, t.statistic, 'statistic');
      expectClose(result.pValue, t.pvalue, 'p-value');
      expectClose(result.cramersV, t.cramersV, "Cramér's V");
      expect([...result.categories].sort()).toEqual([...t.categories].sort());
    });
  }

  it('refuses an empty side, whose expected frequencies would be 0', () => {
    expect(() => chiSquareTest(new Map([['a', 3]]), new Map())).toThrow(/at least one/);
  });
});

describe('gammaincc equals scipy.special.gammaincc', () => {
  it('on a grid of a from 0.5 to 2500 and x from 1e-8 to 10a, around a = x too', () => {
    for (const { a, x, q } of fixture.gammaincc) expectClose(gammaincc(a, x), q, `gammaincc(${a}, ${x})`);
  });

  it('logGamma matches ln((n-1)!) and ln Γ(1/2) = ln √π', () => {
    let logFactorial = 0;
    for (let n = 1; n <= 170; n++) {
      if (n > 1) logFactorial += Math.log(n - 1);
      expect(Math.abs(logGamma(n) - logFactorial)).toBeLessThan(1e-12 * Math.max(1, logFactorial));
    }
    expect(Math.abs(logGamma(0.5) - Math.log(Math.sqrt(Math.PI)))).toBeLessThan(4e-15);
  });
});
