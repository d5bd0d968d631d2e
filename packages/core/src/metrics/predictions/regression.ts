import type { Evaluator } from './evaluator';
import { CompensatedSum } from './summation';
import type { RegressionSet } from './types';

/**
 * mae, mse, rmse and r2 under integer row weights (all ones for the plain metrics), in one pass per
 * evaluation over per-row terms computed once.
 */
export function regressionEvaluator(set: RegressionSet): Evaluator {
  const { yTrue, yPred, n } = set;
  const absolute = new Float64Array(n);
  const squared = new Float64Array(n);
  // Targets shifted by their full-data mean: Σw·d² − (Σw·d)²/Σw is then the weighted spread without
  // the cancellation that Σw·y² − (Σw·y)²/Σw suffers, since a resample's mean stays near the shift.
  const shifted = new Float64Array(n);
  const shiftedSquared = new Float64Array(n);
  const mean = new CompensatedSum();
  for (let i = 0; i < n; i++) mean.add(yTrue[i] ?? 0);
  const shift = mean.value / n;
  let constant = true;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i] ?? 0;
    const error = y - (yPred[i] ?? 0);
    absolute[i] = Math.abs(error);
    squared[i] = error * error;
    shifted[i] = y - shift;
    shiftedSquared[i] = (y - shift) * (y - shift);
    if (y !== yTrue[0]) constant = false;
  }

  function evaluate(weights: Uint32Array | undefined, out: Float64Array): void {
    const [total, absoluteSum, residual, deviation, deviationSquared] = weightedSums(weights);
    const mse = residual / total;
    out[0] = absoluteSum / total;
    out[1] = mse;
    out[2] = Math.sqrt(mse);
    let spread = deviationSquared - (deviation * deviation) / total;
    // A resample of a varying target can still draw one value only; sklearn then sees exactly 0.
    if (constant || spread <= 1e-12 * deviationSquared) spread = drawsOneValue(weights) ? 0 : spread;
    out[3] = r2(residual, spread, total);
  }

  /**
   * Σw and Σw·term for the four per-row terms in one pass, Kahan-compensated: branch-free, as this
   * loop runs per row per replicate, and as good as Neumaier for the non-negative terms that matter.
   */
  function weightedSums(weights: Uint32Array | undefined): [number, number, number, number, number] {
    let total = 0;
    let [a, b, c, d] = [0, 0, 0, 0];
    let [ca, cb, cc, cd] = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const w = weights ? (weights[i] ?? 0) : 1;
      total += w;
      const xa = w * (absolute[i] ?? 0) - ca;
      const ta = a + xa;
      ca = ta - a - xa;
      a = ta;
      const xb = w * (squared[i] ?? 0) - cb;
      const tb = b + xb;
      cb = tb - b - xb;
      b = tb;
      const xc = w * (shifted[i] ?? 0) - cc;
      const tc = c + xc;
      cc = tc - c - xc;
      c = tc;
      const xd = w * (shiftedSquared[i] ?? 0) - cd;
      const td = d + xd;
      cd = td - d - xd;
      d = td;
    }
    return [total, a, b, c, d];
  }

  function drawsOneValue(weights: Uint32Array | undefined): boolean {
    let first: number | undefined;
    for (let i = 0; i < n; i++) {
      if (weights && weights[i] === 0) continue;
      first ??= yTrue[i];
      if (yTrue[i] !== first) return false;
    }
    return true;
  }

  return { names: ['mae', 'mse', 'rmse', 'r2'], evaluate };
}

/**
 * sklearn's force_finite rules: perfect predictions score 1 even on a constant target, imperfect
 * ones on a constant target score 0; fewer than two rows leave r2 undefined.
 */
function r2(residual: number, spread: number, weight: number): number {
  if (weight < 2) return Number.NaN;
  if (residual === 0) return 1;
  if (spread === 0) return 0;
  return 1 - residual / spread;
}
