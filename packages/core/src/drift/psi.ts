import { percentile } from '../metrics';

/** The proportion an empty bin is given, on either side, so that ln(current / reference) stays finite. */
export const PSI_EPSILON = 1e-4;

export interface PsiResult {
  /** Σ (c − r) · ln(c / r) over the bins, c and r the current's and reference's proportions. */
  value: number;
  /**
   * Inner bin edges: the reference's deciles (numpy's linear quantiles), duplicates merged. Bin i
   * holds edges[i−1] < v ≤ edges[i]; the first and last bins are open (−∞ and +∞), so values outside
   * the reference's range still count.
   */
  edges: number[];
  referenceCounts: number[];
  currentCounts: number[];
  epsilon: number;
}

/**
 * Population stability index of a numeric column over ten quantile bins of the reference. Ties
 * merge edges (a column that is half zeros has fewer, wider bins); a constant reference leaves one
 * edge and two bins. Bins empty on either side count as PSI_EPSILON. Rules of thumb: < 0.1 stable,
 * 0.1–0.25 moderate shift, > 0.25 major shift.
 */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>): PsiResult {
  const referenceValues = checked(reference, 'reference');
  const currentValues = checked(current, 'current');
  const edges = decileEdges(referenceValues);
  const referenceCounts = binCounts(referenceValues, edges);
  const currentCounts = binCounts(currentValues, edges);
  const value = stabilityIndex(referenceCounts, currentCounts);
  return { value, edges, referenceCounts, currentCounts, epsilon: PSI_EPSILON };
}

export interface CategoricalPsiResult {
  value: number;
  categories: string[];
  referenceCounts: number[];
  currentCounts: number[];
  epsilon: number;
}

/** PSI with one bin per category of the union (reference's order first), empty bins at PSI_EPSILON. */
export function categoricalPsi(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): CategoricalPsiResult {
  const categories = [...reference.keys()];
  for (const category of current.keys()) if (!reference.has(category)) categories.push(category);
  const referenceCounts = categories.map((c) => reference.get(c) ?? 0);
  const currentCounts = categories.map((c) => current.get(c) ?? 0);
  if (total(referenceCounts) === 0 || total(currentCounts) === 0) {
    throw new RangeError('psi: both samples need at least one counted value');
  }
  const value = stabilityIndex(referenceCounts, currentCounts);
  return { value, categories, referenceCounts, currentCounts, epsilon: PSI_EPSILON };
}

function checked(values: ArrayLike<number>, which: string): Float64Array {
  if (values.length === 0) throw new RangeError(`psi: the ${which} sample is empty`);
  const array = Float64Array.from(values);
  for (const v of array) if (Number.isNaN(v)) throw new RangeError(`psi: the ${which} sample has NaN`);
  return array;
}

function decileEdges(reference: Float64Array): number[] {
  const edges: number[] = [];
  for (let i = 1; i <= 9; i++) {
    const edge = percentile(reference, i / 10);
    if (edges[edges.length - 1] !== edge) edges.push(edge);
  }
  return edges;
}

/** Counts per bin: a value's bin is the number of edges strictly below it (searchsorted 'left'). */
function binCounts(values: Float64Array, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    let low = 0;
    let high = edges.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((edges[middle] ?? 0) < v) low = middle + 1;
      else high = middle;
    }
    counts[low] = (counts[low] ?? 0) + 1;
  }
  return counts;
}

function stabilityIndex(referenceCounts: readonly number[], currentCounts: readonly number[]): number {
  const referenceTotal = total(referenceCounts);
  const currentTotal = total(currentCounts);
  let value = 0;
  referenceCounts.forEach((count, i) => {
    const r = count / referenceTotal || PSI_EPSILON;
    const c = (currentCounts[i] ?? 0) / currentTotal || PSI_EPSILON;
    value += (c - r) * Math.log(c / r);
  });
  return value;
}

function total(counts: readonly number[]): number {
  let sum = 0;
  for (const count of counts) sum += count;
  return sum;
}
