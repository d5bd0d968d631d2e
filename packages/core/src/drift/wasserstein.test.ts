import { describe, expect, it } from 'vitest';
import { expectClose, scipyFixture } from '../../../../test/fixtures/drift/scipy';
import { wasserstein } from './wasserstein';

interface WassersteinFixture {
  cases: {
    name: string;
    reference: number[];
    current: number[];
    distance: number;
    referenceStd: number;
    normalized: number | null;
  }[];
}

describe('Wasserstein equals scipy.stats.wasserstein_distance, normalised by np.std(reference)', () => {
  for (const c of scipyFixture<WassersteinFixture>('wasserstein').cases) {
    it(c.name, () => {
      const result = wasserstein(c.reference, c.current);
      expectClose(result.distance, c.distance, 'distance');
      expectClose(result.referenceStd, c.referenceStd, 'reference std');
      expectClose(result.normalized, c.normalized, 'normalized');
    });
  }

  it('is symmetric in distance and zero for a sample against itself', () => {
    expect(wasserstein([1, 5, 2], [0, 3]).distance).toBe(wasserstein([0, 3], [1, 5, 2]).distance);
    expect(wasserstein([3, 1, 2], [1, 2, 3]).distance).toBe(0);
  });
});
