import { type ChiSquareResult, chiSquareTest } from './chi-square';
import { type KsResult, ks2samp } from './ks';
import { adjustPValues, type Correction } from './multiple-testing';
import { type CategoricalPsiResult, categoricalPsi, type PsiResult, psi } from './psi';
import { type WassersteinResult, wasserstein } from './wasserstein';

/**
 * A numeric column's drift: the KS test for the p-value, and three effect sizes that do not shrink
 * to "significant" on large samples — KS D, PSI over the reference's deciles, and the Wasserstein
 * distance over the reference's std.
 */
export interface NumericDrift {
  kind: 'numeric';
  test: 'ks';
  pValue: number;
  /** KS D, in [0, 1]. */
  effectSize: number;
  ks: KsResult;
  psi: PsiResult;
  wasserstein: WassersteinResult;
}

/** A categorical column's drift: chi-square for the p-value, Cramér's V and PSI as effect sizes. */
export interface CategoricalDrift {
  kind: 'categorical';
  test: 'chi-square';
  pValue: number;
  /** Cramér's V, in [0, 1]. */
  effectSize: number;
  chiSquare: ChiSquareResult;
  psi: CategoricalPsiResult;
}

export type ColumnDrift = NumericDrift | CategoricalDrift;

export function numericDrift(reference: ArrayLike<number>, current: ArrayLike<number>): NumericDrift {
  const ks = ks2samp(reference, current);
  return {
    kind: 'numeric',
    test: 'ks',
    pValue: ks.pValue,
    effectSize: ks.statistic,
    ks,
    psi: psi(reference, current),
    wasserstein: wasserstein(reference, current),
  };
}

export function categoricalDrift(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): CategoricalDrift {
  const chiSquare = chiSquareTest(reference, current);
  return {
    kind: 'categorical',
    test: 'chi-square',
    pValue: chiSquare.pValue,
    effectSize: chiSquare.cramersV,
    chiSquare,
    psi: categoricalPsi(reference, current),
  };
}

/** Counts of each distinct value, in first-seen order: the input categoricalDrift takes. */
export function countValues(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

export interface CorrectedVerdict {
  column: string;
  pValue: number;
  adjustedPValue: number;
  drifted: boolean;
}

/**
 * Which columns drift at `level` once their p-values are corrected for testing many columns at
 * once: Bonferroni (family-wise error) or Benjamini–Hochberg (false discovery rate).
 */
export function judgeColumns(
  pValues: ReadonlyMap<string, number>,
  correction: Correction,
  level = 0.05,
): CorrectedVerdict[] {
  const columns = [...pValues.keys()];
  const raw = columns.map((c) => pValues.get(c) ?? 1);
  const adjusted = adjustPValues(raw, correction);
  return columns.map((column, i) => {
    const adjustedPValue = adjusted[i] ?? 1;
    return { column, pValue: raw[i] ?? 1, adjustedPValue, drifted: adjustedPValue < level };
  });
}
