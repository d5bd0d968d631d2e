/**
 * The q-quantile (q in [0, 1]) with numpy's default "linear" method: sort, take the virtual index
 * q·(n − 1) and interpolate between its neighbours the way numpy's _lerp does, so the result is
 * bit-identical to `np.quantile(values, q)` (= `np.percentile(values, 100 q)`). NaN when any value
 * is NaN (a replicate where the metric was undefined), as numpy propagates it.
 */
export function percentile(values: Float64Array, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile: q must be a fraction in [0, 1], got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  if (Number.isNaN(sorted[sorted.length - 1])) return Number.NaN;
  const index = q * (sorted.length - 1);
  const below = Math.floor(index);
  const a = sorted[below] ?? Number.NaN;
  const b = sorted[Math.min(below + 1, sorted.length - 1)] ?? Number.NaN;
  const t = index - below;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
