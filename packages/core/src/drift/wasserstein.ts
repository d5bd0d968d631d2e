export interface WassersteinResult {
  /** ∫ |F_ref − F_cur| dx, in the column's unit, as `scipy.stats.wasserstein_distance`. */
  distance: number;
  /** The reference's standard deviation (ddof = 0, as np.std). */
  referenceStd: number;
  /**
   * distance / referenceStd: unitless, comparable across columns. null when the reference is
   * constant and the current is not (no scale to divide by); 0 when both are the same constant.
   */
  normalized: number | null;
}

/** First Wasserstein (earth mover's) distance between two samples, and its std-normalised form. */
export function wasserstein(reference: ArrayLike<number>, current: ArrayLike<number>): WassersteinResult {
  const u = sortedSample(reference, 'reference');
  const v = sortedSample(current, 'current');
  const distance = cdfDistance(u, v);
  const referenceStd = populationStd(u);
  const normalized = referenceStd > 0 ? distance / referenceStd : distance === 0 ? 0 : null;
  return { distance, referenceStd, normalized };
}

function sortedSample(values: ArrayLike<number>, which: string): Float64Array {
  if (values.length === 0) throw new RangeError(`wasserstein: the ${which} sample is empty`);
  const sorted = Float64Array.from(values).sort();
  if (Number.isNaN(sorted[sorted.length - 1]))
    throw new RangeError(`wasserstein: the ${which} sample has NaN`);
  return sorted;
}

/**
 * Σ over consecutive pooled values of |F_u − F_v| · (next − this), both CDFs right-continuous
 * (scipy's _cdf_distance with p = 1), by one merge walk; Neumaier summation keeps it to a few ulps.
 */
function cdfDistance(u: Float64Array, v: Float64Array): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  let compensation = 0;
  let previous = Math.min(u[0] ?? 0, v[0] ?? 0);
  while (i < u.length || j < v.length) {
    const value = Math.min(u[i] ?? Number.POSITIVE_INFINITY, v[j] ?? Number.POSITIVE_INFINITY);
    const term = Math.abs(i / u.length - j / v.length) * (value - previous);
    const next = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - next + term : term - next + sum;
    sum = next;
    while (i < u.length && u[i] === value) i++;
    while (j < v.length && v[j] === value) j++;
    previous = value;
  }
  return sum + compensation;
}

/** np.std: √(mean of squared deviations), two passes for accuracy. */
function populationStd(sorted: Float64Array): number {
  let mean = 0;
  for (const x of sorted) mean += x;
  mean /= sorted.length;
  let squares = 0;
  for (const x of sorted) squares += (x - mean) ** 2;
  return Math.sqrt(squares / sorted.length);
}
