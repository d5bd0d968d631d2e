import type { Evaluator } from './evaluator';
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
  const shift = compensatedSum(yTrue) / n;
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
    const [xa, xb, xc, xd] = [absolute, squared, shifted, shiftedSquared];
    let total = 0;
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    let ca = 0;
    let cb = 0;
    let cc = 0;
    let cd = 0;
    for (let i = 0; i < xa.length; i++) {
      const w = weights ? (weights[i] ?? 0) : 1;
      total += w;
      const ya = w * (xa[i] ?? 0) - ca;
      const ta = a + ya;
      ca = ta - a - ya;
      a = ta;
      const yb = w * (xb[i] ?? 0) - cb;
      const tb = b + yb;
      cb = tb - b - yb;
      b = tb;
      const yc = w * (xc[i] ?? 0) - cc;
      const tc = c + yc;
      cc = tc - c - yc;
      c = tc;
      const yd = w * (xd[i] ?? 0) - cd;
      const td = d + yd;
      cd = td - d - yd;
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

/** Neumaier's sum: numpy sums pairwise, and a plain running sum drifts further from it than 1e-9. */
function compensatedSum(values: Float64Array): number {
  let sum = 0;
  let compensation = 0;
  for (const x of values) {
    const t = sum + x;
    compensation += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  return sum + compensation;
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
