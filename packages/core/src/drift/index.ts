/**
 * Drift statistics between a reference and a current sample of one column, equal to SciPy 1.10's to
 * 1e−9 (checked against fixtures that scripts/make-scipy-fixtures.py generates).
 *
 * ```ts
 * const drift = numericDrift(referenceSample, currentSample);
 * drift.pValue;                         // two-sample KS, exact or asymptotic as ks_2samp(method='auto')
 * drift.effectSize;                     // KS D
 * drift.psi.value, drift.psi.edges;     // PSI over the reference's deciles, with the edges used
 * drift.wasserstein.normalized;         // Wasserstein distance / reference std
 * const cat = categoricalDrift(countValues(refLabels), countValues(curLabels)); // chi-square, Cramér's V
 * judgeColumns(new Map([['temp', drift.pValue], ['weather', cat.pValue]]), 'benjamini-hochberg');
 * ```
 *
 * - `ks2samp`: `scipy.stats.ks_2samp(x, y, method='auto')`, two-sided; exact while max(n1, n2) ≤
 *   10000, else `kstwo.sf(D, round(n1·n2/(n1+n2)))`.
 * - `chiSquareTest`: `scipy.stats.chi2_contingency([ref, cur], correction=False)` on the union of
 *   categories, with Cramér's V; `gammaincc` is the regularized upper incomplete gamma behind it.
 * - `psi`: ten quantile bins of the reference (numpy's linear quantiles), duplicate edges merged,
 *   open outer edges, bins (e[i−1], e[i]], empty bins at `PSI_EPSILON` = 1e−4; `categoricalPsi`: one
 *   bin per category.
 * - `wasserstein`: `scipy.stats.wasserstein_distance`, and over `np.std(reference)`.
 * - `adjustPValues`: Bonferroni, or Benjamini–Hochberg as `scipy.stats.false_discovery_control`.
 *
 * Inputs are finite samples (NaN is a RangeError; so is an empty sample).
 */
export { type ChiSquareResult, chiSquareTest } from './chi-square';
export {
  type CategoricalDrift,
  type ColumnDrift,
  type CorrectedVerdict,
  categoricalDrift,
  countValues,
  judgeColumns,
  type NumericDrift,
  numericDrift,
} from './column';
export { chiSquareSf, gammaincc } from './gamma';
export { KS_EXACT_MAX_N, type KsResult, ks2samp } from './ks';
export { adjustPValues, benjaminiHochberg, bonferroni, type Correction } from './multiple-testing';
export { type CategoricalPsiResult, categoricalPsi, PSI_EPSILON, type PsiResult, psi } from './psi';
export { type WassersteinResult, wasserstein } from './wasserstein';
