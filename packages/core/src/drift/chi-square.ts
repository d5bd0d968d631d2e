import { chiSquareSf } from './gamma';

export interface ChiSquareResult {
  /** Pearson's statistic Σ (observed − expected)² / expected over the 2 × k table. */
  statistic: number;
  /** Degrees of freedom, k − 1 for k categories. */
  dof: number;
  pValue: number;
  /** Cramér's V, √(χ² / n) for two rows: the effect size, in [0, 1], that does not grow with n. */
  cramersV: number;
  /** The union of categories, in the order the table uses (reference's first, then current's new ones). */
  categories: string[];
  reference: number[];
  current: number[];
}

/**
 * Chi-square test of homogeneity between two samples of a categorical column, as
 * `scipy.stats.chi2_contingency([reference, current], correction=False)` on the union of their
 * categories, with Cramér's V as `scipy.stats.contingency.association(method='cramer')`.
 * Counts come as category → count maps; a category one side lacks counts 0 there.
 * One category only: statistic 0, dof 0, p-value 1 (scipy's answer); an empty side is an error,
 * since its expected frequencies would all be 0.
 */
export function chiSquareTest(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): ChiSquareResult {
  const categories = unionOfCategories(reference, current);
  const referenceCounts = categories.map((c) => reference.get(c) ?? 0);
  const currentCounts = categories.map((c) => current.get(c) ?? 0);
  for (const count of [...referenceCounts, ...currentCounts]) {
    if (!(Number.isFinite(count) && count >= 0)) throw new RangeError(`chi-square: bad count ${count}`);
  }
  const referenceTotal = sum(referenceCounts);
  const currentTotal = sum(currentCounts);
  if (referenceTotal === 0 || currentTotal === 0) {
    throw new RangeError('chi-square: both samples need at least one counted value');
  }
  const total = referenceTotal + currentTotal;
  const dof = categories.length - 1;
  const result = { dof, categories, reference: referenceCounts, current: currentCounts };
  if (dof === 0) return { statistic: 0, pValue: 1, cramersV: 0, ...result };
  let statistic = 0;
  categories.forEach((_, j) => {
    const column = (referenceCounts[j] ?? 0) + (currentCounts[j] ?? 0);
    // scipy's expected_freq multiplies the margins first, then divides by the total.
    statistic += pearsonTerm(referenceCounts[j] ?? 0, (referenceTotal * column) / total);
    statistic += pearsonTerm(currentCounts[j] ?? 0, (currentTotal * column) / total);
  });
  return {
    statistic,
    pValue: chiSquareSf(statistic, dof),
    cramersV: Math.sqrt(statistic / total),
    ...result,
  };
}

function pearsonTerm(observed: number, expected: number): number {
  const difference = observed - expected;
  return (difference * difference) / expected;
}

function unionOfCategories(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): string[] {
  const categories = [...reference.keys()];
  for (const category of current.keys()) if (!reference.has(category)) categories.push(category);
  return categories;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
