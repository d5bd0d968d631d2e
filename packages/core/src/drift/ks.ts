import { kolmogorovSf } from './kolmogorov';

export interface KsResult {
  /** D = sup |F₁ − F₂| of the two empirical CDFs: the effect size, in [0, 1]. */
  statistic: number;
  pValue: number;
  /** How the p-value was computed: exact path counting, or Smirnov's asymptotic distribution. */
  method: 'exact' | 'asymptotic';
  n1: number;
  n2: number;
}

/** scipy's `ks_2samp(method='auto')` is exact while the larger sample has at most this many values. */
export const KS_EXACT_MAX_N = 10_000;

/**
 * Two-sample, two-sided Kolmogorov–Smirnov test, equal to `scipy.stats.ks_2samp(x, y,
 * method='auto')` (SciPy 1.10): exact when max(n1, n2) ≤ 10000 (the statistic then snapped to the
 * lattice h / lcm(n1, n2), as scipy returns it), else — or when the exact count fails — the
 * asymptotic p-value `kstwo.sf(D, round(n1 n2 / (n1 + n2)))`. Ties are allowed; NaN is not.
 */
export function ks2samp(x: ArrayLike<number>, y: ArrayLike<number>): KsResult {
  const a = sortedSample(x, 'first');
  const b = sortedSample(y, 'second');
  const n1 = a.length;
  const n2 = b.length;
  let d = largestGap(a, b);
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const exact = exactPValue(n1, n2, d);
    d = exact.d;
    if (exact.pValue !== undefined) return { statistic: d, pValue: exact.pValue, method: 'exact', n1, n2 };
  }
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: clip(kolmogorovSf(roundHalfEven(en), d)), method: 'asymptotic', n1, n2 };
}

function sortedSample(values: ArrayLike<number>, which: string): Float64Array {
  if (values.length === 0) throw new RangeError(`ks2samp: the ${which} sample is empty`);
  const sorted = Float64Array.from(values).sort();
  if (Number.isNaN(sorted[sorted.length - 1])) throw new RangeError(`ks2samp: the ${which} sample has NaN`);
  return sorted;
}

/**
 * max over the pooled values v of |i/n1 − j/n2|, i and j the counts ≤ v (scipy's searchsorted
 * 'right'): the larger of the two one-sided gaps, scipy's d (min side wins only when strictly larger).
 */
function largestGap(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let above = 0; // max of F1 − F2
  let below = 0; // max of F2 − F1
  while (i < n1 || j < n2) {
    const v = Math.min(a[i] ?? Number.POSITIVE_INFINITY, b[j] ?? Number.POSITIVE_INFINITY);
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    const difference = i / n1 - j / n2;
    if (difference > above) above = difference;
    if (-difference > below) below = -difference;
  }
  return Math.max(Math.min(below, 1), above);
}

/** scipy's _attempt_exact_2kssamp (two-sided): undefined p-value when the count is not a probability. */
function exactPValue(n1: number, n2: number, d: number): { d: number; pValue?: number } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const snapped = h / lcm;
  if (h === 0) return { d: snapped, pValue: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  return 0 <= p && p <= 1 ? { d: snapped, pValue: p } : { d: snapped };
}

/**
 * P(D_{n,n} ≥ h/n) = 2 Σ_k (−1)^(k+1) C(2n, n − kh) / C(2n, n), each ratio a product of h factors,
 * summed Horner-style from the smallest term (scipy's _compute_prob_outside_square).
 */
export function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * The share of lattice paths from (0, 0) to (m, n) that leave the band |x/m − y/n| < h / lcm(m, n),
 * by Hodges' inside method with Viehmann's (2021) recursion for 1 − p, one sliding column at a time
 * (scipy's _compute_outer_prob_inside_method, a pythran kernel, ported operation for operation).
 */
export function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const column = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1);
  column.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let value = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      value = ((column[jj + minj - lastminj] ?? Number.NaN) * i + value * j) / (i + j);
      column[jj] = value;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) column.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return column[maxj - minj - 1] ?? Number.NaN;
}

/** numpy's round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction < 0.5) return floor;
  if (fraction > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

function clip(p: number): number {
  return Math.min(Math.max(p, 0), 1);
}
