import { describe, expect, it } from 'vitest';
import { expectClose, scipyFixture } from '../../../../test/fixtures/drift/scipy';
import { categoricalPsi, PSI_EPSILON, psi } from './psi';

interface PsiFixture {
  epsilon: number;
  cases: {
    name: string;
    reference: number[];
    current: number[];
    edges: number[];
    referenceCounts: number[];
    currentCounts: number[];
    value: number;
  }[];
  categorical: {
    name: string;
    categories: string[];
    reference: number[];
    current: number[];
    value: number;
  }[];
}

const fixture = scipyFixture<PsiFixture>('psi');

describe('PSI over the reference deciles equals the numpy computation by hand', () => {
  it('uses the epsilon the fixtures were made with', () => {
    expect(PSI_EPSILON).toBe(fixture.epsilon);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const result = psi(c.reference, c.current);
      expect(result.edges.length).toBe(c.edges.length);
      result.edges.forEach((edge, i) => {
        expectClose(edge, c.edges[i] ?? Number.NaN, `edge ${i}`);
      });
      expect(result.referenceCounts).toEqual(c.referenceCounts);
      expect(result.currentCounts).toEqual(c.currentCounts);
      expectClose(result.value, c.value, 'psi');
      expect(result.epsilon).toBe(PSI_EPSILON);
    });
  }

  it('merges the edges of tied deciles and keeps values outside the range in the open outer bins', () => {
    const ties = psi([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], [-5, 0, 9]);
    // Sorted, the deciles sit at positions 0.9, 1.8, …, 8.1: five of them fall on the zeros.
    [0, 0.4, 1.3, 2.2, 3.1].forEach((edge, i) => {
      expect(ties.edges[i]).toBeCloseTo(edge, 12);
    });
    expect(ties.edges.length).toBe(5);
    expect(ties.currentCounts).toEqual([2, 0, 0, 0, 0, 1]);
  });

  it('is 0 for identical samples', () => {
    expect(psi([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]).value).toBe(0);
  });
});

describe('categorical PSI, one bin per category', () => {
  for (const c of fixture.categorical) {
    it(c.name, () => {
      const map = (values: number[]) => new Map(c.categories.map((k, i) => [k, values[i] ?? 0]));
      expectClose(categoricalPsi(map(c.reference), map(c.current)).value, c.value, 'psi');
    });
  }
});
