/**
 * ROC AUC as one weighted sweep over the rows in descending score order. Sorting is the only
 * O(n log n) step and happens once per set; each bootstrap replicate then costs one O(n) pass.
 */

/** What a sweep needs, in descending score order: the row, its class, and where tie groups end. */
export interface AucPlan {
  readonly order: Int32Array;
  readonly positive: Uint8Array;
  readonly groupEnds: Uint8Array;
}

/**
 * Plans the AUC of `yTrue === positive` against column `column` of a row-major score matrix with
 * `stride` columns (a plain vector by default).
 */
export function aucPlan(
  scores: Float64Array,
  yTrue: Int32Array,
  positive: number,
  stride = 1,
  column = 0,
): AucPlan {
  const n = yTrue.length;
  const order = sortDescending(scores, n, stride, column);
  const positiveSorted = new Uint8Array(n);
  const groupEnds = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    const row = order[j] ?? 0;
    positiveSorted[j] = yTrue[row] === positive ? 1 : 0;
    const next = order[j + 1];
    // Equal doubles (read scores never hold -0 or NaN) form one tie group, as in sklearn's curve.
    groupEnds[j] =
      next === undefined || scores[next * stride + column] !== scores[row * stride + column] ? 1 : 0;
  }
  return { order, positive: positiveSorted, groupEnds };
}

/**
 * AUC with row i counted `weights[i]` times (once without weights). A tie group adds its negatives
 * times (positives ranked above + half its own positives): the trapezoid under sklearn's ROC curve.
 * NaN when either class has no weight.
 */
export function weightedAuc(plan: AucPlan, weights?: Uint32Array): number {
  const { order, positive, groupEnds } = plan;
  let p = 0;
  let q = 0;
  let above = 0;
  let negatives = 0;
  let area = 0;
  for (let j = 0; j < order.length; j++) {
    const w = weights ? (weights[order[j] ?? 0] ?? 0) : 1;
    // Branch-free: the class flips at random along the order, and mispredictions dominated the sweep.
    const wp = w * (positive[j] ?? 0);
    p += wp;
    q += w - wp;
    if (groupEnds[j]) {
      // Integer weights keep these sums of products exact far beyond a million rows.
      area += q * (above + p / 2);
      above += p;
      negatives += q;
      p = 0;
      q = 0;
    }
  }
  return above > 0 && negatives > 0 ? area / (above * negatives) : Number.NaN;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const RADIX = 1 << 16;

/**
 * Row indices by descending score: an LSD radix sort on the doubles' bits, four 16-bit passes.
 * A comparator sort of indices takes ~10× longer at a million rows.
 */
function sortDescending(scores: Float64Array, n: number, stride: number, column: number): Int32Array {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = scores[i * stride + column] ?? 0;
  const words = new Uint32Array(values.buffer);
  const [hiWord, loWord] = LITTLE_ENDIAN ? [1, 0] : [0, 1];
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + hiWord] ?? 0;
    const l = words[2 * i + loWord] ?? 0;
    // Map IEEE-754 order to unsigned order, then complement it so that ascending keys mean descending scores.
    const negative = h >>> 31 === 1;
    hi[i] = negative ? h : ~(h | 0x80000000) >>> 0;
    lo[i] = negative ? l : ~l >>> 0;
  }
  let rows = Int32Array.from({ length: n }, (_, i) => i);
  let hiNext = new Uint32Array(n);
  let loNext = new Uint32Array(n);
  let rowsNext = new Int32Array(n);
  const counts = new Uint32Array(RADIX);
  for (let pass = 0; pass < 4; pass++) {
    const source = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const digit = ((source[i] ?? 0) >>> shift) & 0xffff;
      counts[digit] = (counts[digit] ?? 0) + 1;
    }
    if ((counts[((source[0] ?? 0) >>> shift) & 0xffff] ?? 0) === n) continue; // one digit value: already in order
    let offset = 0;
    for (let d = 0; d < RADIX; d++) {
      const count = counts[d] ?? 0;
      counts[d] = offset;
      offset += count;
    }
    for (let i = 0; i < n; i++) {
      const digit = ((source[i] ?? 0) >>> shift) & 0xffff;
      const to = counts[digit] ?? 0;
      counts[digit] = to + 1;
      hiNext[to] = hi[i] ?? 0;
      loNext[to] = lo[i] ?? 0;
      rowsNext[to] = rows[i] ?? 0;
    }
    [hi, hiNext, lo, loNext, rows, rowsNext] = [hiNext, hi, loNext, lo, rowsNext, rows];
  }
  return rows;
}
