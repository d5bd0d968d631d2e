export type Correction = 'bonferroni' | 'benjamini-hochberg';

/** Adjusted p-values, in the input's order, to compare with the unadjusted level (e.g. 0.05). */
export function adjustPValues(pValues: readonly number[], correction: Correction): number[] {
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`adjustPValues: ${p} is not a p-value`);
  }
  return correction === 'bonferroni' ? bonferroni(pValues) : benjaminiHochberg(pValues);
}

/** min(1, m·p): controls the family-wise error rate. */
export function bonferroni(pValues: readonly number[]): number[] {
  const m = pValues.length;
  return pValues.map((p) => Math.min(p * m, 1));
}

/**
 * Benjamini–Hochberg step-up adjustment, as `scipy.stats.false_discovery_control(ps, method='bh')`:
 * the i-th smallest p times m/i, then the running minimum from the largest down, clipped to 1.
 * Controls the false discovery rate among the columns flagged.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => (pValues[a] ?? 0) - (pValues[b] ?? 0) || a - b);
  const adjusted = new Array<number>(m);
  let runningMin = Number.POSITIVE_INFINITY;
  for (let rank = m; rank >= 1; rank--) {
    const index = order[rank - 1] ?? 0;
    runningMin = Math.min(runningMin, (pValues[index] ?? 0) * (m / rank));
    adjusted[index] = Math.min(Math.max(runningMin, 0), 1);
  }
  return adjusted;
}
