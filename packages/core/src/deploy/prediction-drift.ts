import { categoricalPsi, countValues, psi as numericPsi } from '../drift';

export type Prediction = number | string | boolean;

/**
 * Population stability index of the canary's predictions (`actual`) against the stable
 * version's (`expected`), as the drift module computes it for data columns: numbers over ten
 * quantile bins of the stable distribution (open outer bins, equal edges merged, bins
 * (e[i−1], e[i]]), labels (strings, booleans) one bin per value; an empty bin counts
 * PSI_EPSILON (1e−4). Both lists must be non-empty (else a RangeError).
 */
export function psi(actual: readonly Prediction[], expected: readonly Prediction[]): number {
  const numbers = (list: readonly Prediction[]): list is readonly number[] =>
    list.every((v) => typeof v === 'number');
  if (numbers(actual) && numbers(expected)) return numericPsi(expected, actual).value;
  const labels = (list: readonly Prediction[]) =>
    countValues(list.map((v) => (typeof v === 'string' ? v : `${typeof v}:${v}`)));
  return categoricalPsi(labels(expected), labels(actual)).value;
}

/**
 * Share of requests on which the canary and the stable version predicted the same: lists are
 * paired by position (the same requests, mirrored or replayed, in the same order), records by
 * request id (only ids both sides answered). Numbers agree within `tolerance` (absolute);
 * anything else must be identical.
 */
export function agreement(
  canary: readonly Prediction[] | Readonly<Record<string, Prediction>>,
  stable: readonly Prediction[] | Readonly<Record<string, Prediction>>,
  tolerance = 0,
): number {
  if (!(tolerance >= 0)) throw new RangeError(`agreement: the tolerance must be ≥ 0, got ${tolerance}`);
  let pairs: [Prediction, Prediction][];
  if (Array.isArray(canary) && Array.isArray(stable)) {
    if (canary.length !== stable.length) {
      throw new RangeError(
        `agreement pairs predictions by position, but canary has ${canary.length} and stable ${stable.length}`,
      );
    }
    pairs = canary.map((c, i) => [c, stable[i] as Prediction]);
  } else if (!Array.isArray(canary) && !Array.isArray(stable)) {
    const s = stable as Readonly<Record<string, Prediction>>;
    pairs = Object.entries(canary as Readonly<Record<string, Prediction>>)
      .filter(([id]) => Object.hasOwn(s, id))
      .map(([id, c]) => [c, s[id] as Prediction]);
  } else {
    throw new RangeError(
      'agreement needs two lists (paired by position) or two records (paired by request id)',
    );
  }
  if (pairs.length === 0) throw new RangeError('agreement: no request has predictions from both sides');
  let same = 0;
  for (const [c, s] of pairs) {
    if (typeof c === 'number' && typeof s === 'number' ? Math.abs(c - s) <= tolerance : c === s) same++;
  }
  return same / pairs.length;
}
