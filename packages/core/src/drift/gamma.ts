/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), as
 * `scipy.special.gammaincc`, and the chi-square survival function built on it.
 *
 * Numerical Recipes' split (§6.2): below x = a + 1 the series for P converges fast and Q = 1 − P
 * loses nothing (Q is not small there); above it the continued fraction (modified Lentz) gives Q
 * directly, so tiny tail probabilities keep their relative precision. The common factor
 * x^a e^(−x) / Γ(a) is formed in logs: its absolute error is about ε·(a·|ln x| + x), below 1e−11
 * relative for the a ≤ 5000 of any chi-square we run (a = dof / 2).
 */

const EPSILON = Number.EPSILON;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Q(a, x) for a > 0, x ≥ 0; NaN outside that domain. */
export function gammaincc(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x < a + 1) return 1 - lowerSeries(a, x);
  return upperContinuedFraction(a, x);
}

/** P(χ²_dof ≥ statistic), as `scipy.stats.chi2.sf(statistic, dof)`. */
export function chiSquareSf(statistic: number, dof: number): number {
  if (statistic < 0) return 1;
  return gammaincc(dof / 2, statistic / 2);
}

/** ln Γ(x) for x > 0: Stirling's series from 10 up (error below 1e−16), the recurrence below it. */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let shift = 0;
  let y = x;
  // Γ(x) = Γ(x + k) / (x (x+1) … (x+k−1)); the product stays far from overflow for k ≤ 10.
  let product = 1;
  while (y < 10) {
    product *= y;
    y += 1;
    shift++;
  }
  const inverse = 1 / y;
  const inverse2 = inverse * inverse;
  // Bernoulli terms B_2k / (2k (2k−1) y^(2k−1)), k = 1..7.
  const series =
    inverse *
    (1 / 12 +
      inverse2 *
        (-1 / 360 +
          inverse2 *
            (1 / 1260 +
              inverse2 * (-1 / 1680 + inverse2 * (1 / 1188 + inverse2 * (-691 / 360360 + inverse2 / 156))))));
  const stirling = (y - 0.5) * Math.log(y) - y + HALF_LOG_2PI + series;
  return shift === 0 ? stirling : stirling - Math.log(product);
}

/** ln(x^a e^(−x) / Γ(a)): the factor both expansions share. */
function logPrefactor(a: number, x: number): number {
  return a * Math.log(x) - x - logGamma(a);
}

/** P(a, x) = prefactor · Σ xⁿ / (a (a+1) … (a+n)). */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  let denominator = a;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    denominator += 1;
    term *= x / denominator;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
  }
  return sum * Math.exp(logPrefactor(a, x));
}

/** Q(a, x) = prefactor · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))), by modified Lentz. */
function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(logPrefactor(a, x)) * h;
}
