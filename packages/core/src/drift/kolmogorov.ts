/**
 * Survival functions of the Kolmogorov–Smirnov statistics, ported from SciPy so that two-sample KS
 * p-values in the asymptotic regime equal `ks_2samp`'s:
 * - `kolmogorovSf(n, d)` = P(D_n ≥ d), the two-sided one-sample statistic: `scipy.stats.kstwo.sf`,
 *   i.e. scipy/stats/_ksstats.py, which picks per (n, d) between Ruben–Gambino's closed forms, the
 *   Durbin matrix (Marsaglia–Tsang–Wang), Pomeranz's recursion, Pelz–Good and 2·smirnov, as
 *   Simard & L'Ecuyer (2011) advise.
 * - `smirnovSf(n, d)` = P(D⁺_n ≥ d), the one-sided statistic: `scipy.special.smirnov` (Cephes
 *   kolmogorov.c), by the Birnbaum–Tingey sum.
 */

const E128 = 128;
const P128 = 2 ** 128;
const M128 = 2 ** -128;
const LOG_2PI = Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const SQRT3 = Math.sqrt(3);
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const MIN_LOG = -708;
/** ln 2^−1075: below it exp() is 0. */
const UNDERFLOW_LOG = -745.1332191019412;
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;

/** P(D_n ≥ d) as `scipy.stats.kstwo.sf(d, n)`, support (0.5/n, 1). */
export function kolmogorovSf(n: number, d: number): number {
  if (!(Number.isInteger(n) && n >= 1) || Number.isNaN(d)) return Number.NaN;
  if (d <= 0.5 / n) return 1;
  if (d >= 1) return 0;
  return clip(kolmognSf(n, d));
}

/** scipy's _kolmogn(n, x, cdf=False) for 0.5/n < x < 1. */
function kolmognSf(n: number, x: number): number {
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    const cdf = n <= 140 ? ruben(n, t) : Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    return 1 - cdf;
  }
  if (t >= n - 1) return 2 * (1 - x) ** n;
  if (x >= 0.5) return 2 * smirnovSf(n, x);
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return 1 - clip(durbinCdf(n, x));
    if (nxSquared <= 4) return 1 - clip(pomeranzCdf(n, x));
    return 2 * smirnovSf(n, x);
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return 2 * smirnovSf(n, x);
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? clip(durbinCdf(n, x)) : pelzGoodCdf(n, x);
  return 1 - cdf;
}

/** n!/nⁿ · (2t − 1)ⁿ, the product form scipy uses up to n = 140. */
function ruben(n: number, t: number): number {
  let product = 1;
  for (let i = 1; i <= n; i++) product *= i * (1 / n) * (2 * t - 1);
  return product;
}

/** ln(n!/nⁿ) by Stirling's series with n·ln n taken out first (scipy's _log_nfactorial_div_n_pow_n). */
function logFactorialOverPower(n: number): number {
  // B_2j / (2j (2j − 1)) for j = 8 … 1, B the Bernoulli numbers.
  const coefficients = [
    -3617 / 122400,
    1 / 156,
    -691 / 360360,
    1 / 1188,
    -1 / 1680,
    1 / 1260,
    -1 / 360,
    1 / 12,
  ];
  const rn = 1 / n;
  let polynomial = 0;
  for (const c of coefficients) polynomial = polynomial * (rn / n) + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * polynomial;
}

/**
 * P(D_n ≤ d) by Durbin's matrix: the k-th diagonal entry of n!/nⁿ · Hⁿ, H of order 2k − 1 with
 * d = (k − h)/n. Powers are rescaled by 2^128 with the exponent kept apart, as scipy does, since the
 * entries overflow long before n is large.
 */
function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  let matrix = durbinMatrix(m, h);
  let power = identity(m);
  let exponent = 0;
  let matrixExponent = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) {
    if (rest % 2) {
      power = multiply(power, matrix, m);
      exponent += matrixExponent;
    }
    matrix = multiply(matrix, matrix, m);
    matrixExponent *= 2;
    if (Math.abs(matrix[(k - 1) * m + (k - 1)] ?? 0) > P128) {
      for (let i = 0; i < matrix.length; i++) matrix[i] = (matrix[i] ?? 0) / P128;
      matrixExponent += E128;
    }
  }
  let p = power[(k - 1) * m + (k - 1)] ?? Number.NaN;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < M128) {
      p *= P128;
      exponent -= E128;
    }
  }
  return ldexp(p, exponent);
}

function durbinMatrix(m: number, h: number): Float64Array {
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let factorial = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = factorial;
    factorial /= j;
    v[j - 1] = (1 - h ** j) * factorial;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * factorial;
  const matrix = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let row = i - 1; row < m; row++) matrix[row * m + i] = w[row - i + 1] ?? 0;
  }
  for (let row = 0; row < m; row++) matrix[row * m] = v[row] ?? 0;
  for (let column = 0; column < m; column++) matrix[(m - 1) * m + column] = v[m - 1 - column] ?? 0;
  return matrix;
}

function identity(m: number): Float64Array {
  const matrix = new Float64Array(m * m);
  for (let i = 0; i < m; i++) matrix[i * m + i] = 1;
  return matrix;
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const product = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l] ?? 0;
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) product[i * m + j] = (product[i * m + j] ?? 0) + ail * (b[l * m + j] ?? 0);
    }
  }
  return product;
}

/**
 * P(D_n ≤ d) by Pomeranz's recursion (1974): 2n + 1 convolutions of a row with truncated Poisson
 * weights, only a sliding window of each row being non-zero; n! times the last entry.
 */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const powers = 2 * (ll + 1);
  const gPower = poissonWeights(powers, g / n);
  const twoGPower = poissonWeights(powers, (2 * g) / n);
  const oneMinusTwoGPower = poissonWeights(powers, (1 - 2 * g) / n);
  let v0 = new Float64Array(powers);
  let v1 = new Float64Array(powers);
  v1[0] = 1;
  let v0Start = 0;
  let v1Start = 0;
  let exponent = 0;
  let [j1, j2] = pomeranzWindow(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [v0, v1] = [v1, v0];
    [v0Start, v1Start] = [v1Start, v0Start];
    v1.fill(0);
    [j1, j2] = pomeranzWindow(i, n, ll, ceilf, roundf);
    const weights = i === 1 || i === 2 * n + 1 ? gPower : i % 2 ? twoGPower : oneMinusTwoGPower;
    const length = j2 - k1 + 1;
    if (length > 0) {
      const row = v0.subarray(k1 - v0Start, Math.min(k1 - v0Start + length, powers));
      const convolution = convolve(row, weights.subarray(0, Math.min(length, powers)));
      const from = j1 - k1;
      const count = j2 - j1 + 1;
      for (let c = 0; c < count; c++) v1[c] = convolution[from + c] ?? 0;
      let largest = Number.NEGATIVE_INFINITY;
      for (const value of v1) largest = Math.max(largest, value);
      if (largest > 0 && largest < M128) {
        for (let c = 0; c < v1.length; c++) v1[c] = (v1[c] ?? 0) * P128;
        exponent -= E128;
      }
      v1Start = v0Start + j1 - k1;
    }
  }
  let answer = v1[n - v1Start] ?? Number.NaN;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(answer) > P128) {
      answer *= M128;
      exponent += E128;
    }
    answer *= m;
  }
  return ldexp(answer, exponent);
}

/** (rate)^m / m!, m = 0..count−1: Poisson probabilities without their e^(−rate). */
function poissonWeights(count: number, rate: number): Float64Array {
  const weights = new Float64Array(count);
  weights[0] = 1;
  for (let m = 1; m < count; m++) weights[m] = ((weights[m - 1] ?? 0) * rate) / m;
  return weights;
}

function pomeranzWindow(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** numpy.convolve(a, b) in full mode. */
function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i] ?? 0;
    for (let j = 0; j < b.length; j++) out[i + j] = (out[i + j] ?? 0) + ai * (b[j] ?? 0);
  }
  return out;
}

/**
 * Pelz & Good's (1976) approximation of P(D_n ≤ x), the Li-Chien/Korolyuk expansion
 * K0 + K1/√n + K2/n + K3/n^1.5 rewritten with Jacobi theta functions to suit small z = x√n.
 */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const sums = [0, 0, 0, 0];
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qPower = q ** (8 * k);
    const coefficients = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) sums[i] = (sums[i] ?? 0) * qPower + (coefficients[i] ?? 0);
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) sums[i] = ((sums[i] ?? 0) * q * SQRT_2PI) / (divisors[i] ?? 1);
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = SQRT3 * z;
  for (let k = maxK; k > 0; k--) {
    const k2 = k ** 2;
    const qPower = q ** k2;
    const kPi = Math.PI * k;
    k2extra += k2 * qPower;
    k3extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qPower;
  }
  sums[2] = (sums[2] ?? 0) + (k2extra * PI2 * SQRT_2PI) / (-36 * z3);
  sums[3] = (sums[3] ?? 0) + (k3extra * PI2 * SQRT_2PI) / (216 * z6);
  let total = 0;
  for (let i = 0; i < 4; i++) total += (sums[i] ?? 0) / n ** (i / 2);
  return total;
}

/**
 * P(D⁺_n ≥ x) = x Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) (1 − x − v/n)^(n−v) (x + v/n)^(v−1) (Birnbaum & Tingey).
 * Cephes sums in double-double; here each term is formed in logs from quantities exact or exact to
 * one rounding — n·x splits exactly into ⌊nx⌋ + α (Dekker's product), so 1 − x − v/n is
 * ((n − ⌊nx⌋ − v) − α)/n without cancellation — which keeps a term's relative error near
 * ε·|its exponent|, below 1e−11 for the n ≤ 10⁶ this sum serves. The terms are positive, so the sum
 * keeps that precision, and it stops where Cephes does (when the rest cannot reach ε of the sum).
 */
export function smirnovSf(n: number, x: number): number {
  if (!(Number.isInteger(n) && n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const { floor, alpha } = splitProduct(n, x);
  if (floor === 0 || (floor === 1 && alpha === 0)) {
    return clip(1 - x * Math.exp((n - 1) * Math.log1p(x)));
  }
  if (-2 * n * x * x < UNDERFLOW_LOG) return 0;
  if (floor >= n - 1) return clip(Math.exp(n * Math.log1p(-x)));
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logP = -((6 * n * x + 1) ** 2) / 18 / n;
    return clip(logP < -Math.LN2 ? Math.exp(logP) : 1 + Math.expm1(logP));
  }
  return clip(birnbaumTingeySum(n, x, floor, alpha));
}

function birnbaumTingeySum(n: number, x: number, floor: number, alpha: number): number {
  const terms = n - floor; // v = 0 .. n − ⌊nx⌋ − 1: 1 − x − v/n stays positive
  const middle = Math.floor(n / 2);
  // ln C(n, v) grows to ~n ln 2 while the largest terms' exponents are a few hundred: the
  // running sum and each exponent are carried compensated, or rounding at that magnitude
  // (ulp(7e5) ≈ 1e−10, half a million times) would cost the p-value its 1e−9.
  const logBinomial = new CompensatedSum();
  let sum = 0;
  for (let v = 0; v < terms; v++) {
    const below = n - floor - v - alpha; // n (1 − x − v/n)
    const above = floor + v + alpha; // n (x + v/n)
    const exponent = new CompensatedSum();
    exponent.add(logBinomial.high);
    exponent.add(logBinomial.low);
    exponent.addProduct(n - v, logRatio(below, above, n));
    exponent.addProduct(v - 1, Math.log(above / n));
    const term = v === 0 ? Math.exp(n * Math.log1p(-x)) : x * Math.exp(exponent.value());
    sum += term;
    if (term !== 0) {
      if (4 * (terms - v) * term < Number.EPSILON * sum && v !== terms - 1) break;
    } else if (v > middle) break;
    logBinomial.add(Math.log((n - v) / (v + 1)));
  }
  return sum;
}

/** Neumaier's compensated sum, with error-free products: exact to the rounding of the inputs. */
class CompensatedSum {
  high = 0;
  low = 0;

  add(term: number): void {
    const next = this.high + term;
    this.low += Math.abs(this.high) >= Math.abs(term) ? this.high - next + term : term - next + this.high;
    this.high = next;
  }

  addProduct(a: number, b: number): void {
    const product = a * b;
    this.add(product);
    this.add(twoProductError(a, b, product));
  }

  value(): number {
    return this.high + this.low;
  }
}

/** ln(below / n) where below = n − above: log1p when the ratio is near 1, so no digits cancel. */
function logRatio(below: number, above: number, n: number): number {
  return above < n / 2 ? Math.log1p(-above / n) : Math.log(below / n);
}

/** n·x = floor + alpha exactly (to one rounding of alpha), 0 ≤ alpha < 1, by Dekker's two-product. */
function splitProduct(n: number, x: number): { floor: number; alpha: number } {
  const product = n * x;
  const error = twoProductError(n, x, product);
  let floor = Math.floor(product);
  if (product === floor && error < 0) floor -= 1;
  let alpha = product - floor + error;
  if (alpha >= 1) {
    floor += 1;
    alpha = 0;
  }
  return { floor, alpha: Math.max(alpha, 0) };
}

function twoProductError(a: number, b: number, product: number): number {
  const [aHigh, aLow] = veltkampSplit(a);
  const [bHigh, bLow] = veltkampSplit(b);
  return aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
}

function veltkampSplit(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const high = c - (c - a);
  return [high, a - high];
}

/** value · 2^exponent without overflow in 2^exponent itself. */
function ldexp(value: number, exponent: number): number {
  let result = value;
  let rest = exponent;
  while (rest > 1000) {
    result *= 2 ** 1000;
    rest -= 1000;
  }
  while (rest < -1000) {
    result *= 2 ** -1000;
    rest += 1000;
  }
  return result * 2 ** rest;
}

function clip(p: number): number {
  return Math.min(Math.max(p, 0), 1);
}
