import { InputError } from '../../errors';
import { evaluatorFor } from './evaluator';
import { Xoshiro128 } from './random';
import type { PredictionSet } from './types';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 20240611;

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** PRNG seed, an unsigned 32-bit integer (default 20240611). */
  seed?: number;
  /** Input name for pairing errors (default `baseline-predictions`). */
  baselineInput?: string;
}

export interface BootstrapResult {
  resamples: number;
  seed: number;
  /**
   * Replicate j of every array is the metric on the same resampled rows, for candidate and baseline
   * alike; NaN where the metric is undefined on that resample (e.g. AUC with one class drawn).
   * `baseline` is absent without a baseline set or when the baseline lacks the metric.
   */
  metrics: Record<string, { candidate: Float64Array; baseline?: Float64Array }>;
}

/**
 * Paired bootstrap: each replicate draws n rows with replacement (as multinomial counts per row)
 * and evaluates every metric of both sets on those same rows, so Δ = candidate − baseline has the
 * row-to-row noise of the evaluation set cancelled out. O(n) per replicate and metric.
 */
export function pairedBootstrap(
  candidate: PredictionSet,
  baseline: PredictionSet | undefined,
  options: BootstrapOptions = {},
): BootstrapResult {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new InputError(`resamples: ${resamples} is not a positive integer`, 'resamples');
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InputError(`seed: ${seed} is not an integer in [0, 2^32)`, 'seed');
  }
  const baselineRowOf = baseline
    ? pairRows(candidate, baseline, options.baselineInput ?? 'baseline-predictions')
    : undefined;
  const n = candidate.n;
  const evaluators = [evaluatorFor(candidate), ...(baseline ? [evaluatorFor(baseline)] : [])];
  const replicates = evaluators.map((e) => e.names.map(() => new Float64Array(resamples)));
  const outs = evaluators.map((e) => new Float64Array(e.names.length));
  const counts = new Uint32Array(n);
  const baselineCounts = baselineRowOf ? new Uint32Array(n) : counts;
  const random = new Xoshiro128(seed);

  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    random.resample(counts);
    if (baselineRowOf) {
      for (let i = 0; i < n; i++) baselineCounts[baselineRowOf[i] ?? 0] = counts[i] ?? 0;
    }
    evaluators.forEach((evaluator, s) => {
      const out = outs[s] ?? new Float64Array(0);
      evaluator.evaluate(s === 0 ? counts : baselineCounts, out);
      replicates[s]?.forEach((values, j) => {
        values[r] = out[j] ?? Number.NaN;
      });
    });
  }

  const [candidateNames, baselineNames] = evaluators.map((e) => e.names);
  const metrics: BootstrapResult['metrics'] = {};
  candidateNames?.forEach((name, j) => {
    const b = baselineNames?.indexOf(name) ?? -1;
    const values = { candidate: replicates[0]?.[j] ?? new Float64Array(0) };
    metrics[name] = b >= 0 ? { ...values, baseline: replicates[1]?.[b] } : values;
  });
  return { resamples, seed, metrics };
}

/**
 * For each candidate row, the baseline row scored on the same evaluation example: matched by the
 * `id` column when both files have one, else by position. Either way y_true must agree.
 */
function pairRows(candidate: PredictionSet, baseline: PredictionSet, input: string): Int32Array | undefined {
  const there = `${input}: ${baseline.source}`;
  const fail = (message: string) => new InputError(`${there} ${message}`, input);
  if (candidate.task !== baseline.task) {
    throw fail(
      `is a ${baseline.task} task but ${candidate.input} (${candidate.source}) is ${candidate.task}`,
    );
  }
  if (candidate.posLabel !== baseline.posLabel) {
    throw fail(
      `scores class ${baseline.posLabel} as positive but ${candidate.input} scores ${candidate.posLabel}`,
    );
  }
  if (baseline.n !== candidate.n) {
    throw fail(
      `has ${baseline.n} rows but ${candidate.source} has ${candidate.n}; both must score the same evaluation rows`,
    );
  }
  const rowOf = candidate.ids && baseline.ids ? pairById(candidate, baseline, input) : undefined;
  const sameTarget = targetComparer(candidate, baseline);
  for (let i = 0; i < candidate.n; i++) {
    const j = rowOf ? (rowOf[i] ?? 0) : i;
    if (sameTarget(i, j)) continue;
    const [mine, theirs] = [targetText(candidate, i), targetText(baseline, j)];
    const paired = rowOf ? `id ${JSON.stringify(baseline.ids?.[j])}` : 'the same row';
    throw new InputError(
      `${there} line ${baseline.lineOf(j)}: y_true ${theirs} differs from ${candidate.source} line ${candidate.lineOf(i)} (${mine}), ${paired}; both must score the same evaluation rows`,
      input,
    );
  }
  return rowOf;
}

function pairById(candidate: PredictionSet, baseline: PredictionSet, input: string): Int32Array {
  const rowOfId = new Map<string, number>();
  baseline.ids?.forEach((id, j) => {
    const seen = rowOfId.get(id);
    if (seen !== undefined) {
      throw new InputError(
        `${input}: ${baseline.source} line ${baseline.lineOf(j)}: id ${JSON.stringify(id)} repeats line ${baseline.lineOf(seen)}`,
        input,
      );
    }
    rowOfId.set(id, j);
  });
  const rowOf = new Int32Array(candidate.n);
  candidate.ids?.forEach((id, i) => {
    const j = rowOfId.get(id);
    if (j === undefined) {
      throw new InputError(
        `${input}: ${baseline.source} has no row with id ${JSON.stringify(id)} (${candidate.source} line ${candidate.lineOf(i)})`,
        input,
      );
    }
    rowOf[i] = j;
  });
  // Equal counts and unique baseline ids: a repeated candidate id leaves some baseline id unmatched.
  const matched = new Set(rowOf);
  if (matched.size < candidate.n) {
    const missing = baseline.ids?.findIndex((_, j) => !matched.has(j)) ?? 0;
    throw new InputError(
      `${input}: ${baseline.source} line ${baseline.lineOf(missing)}: id ${JSON.stringify(baseline.ids?.[missing])} has no row in ${candidate.source} (which repeats an id)`,
      input,
    );
  }
  return rowOf;
}

function targetComparer(a: PredictionSet, b: PredictionSet): (i: number, j: number) => boolean {
  if (a.task === 'regression' || b.task === 'regression') {
    const [x, y] = [a.yTrue, b.yTrue];
    return (i, j) => x[i] === y[j];
  }
  // Label codes index each set's own label list; translate baseline codes into candidate codes.
  const translate = b.labels.map((label) => a.labels.indexOf(label));
  const [x, y] = [a.yTrue, b.yTrue];
  return (i, j) => x[i] === translate[y[j] ?? -1];
}

function targetText(set: PredictionSet, row: number): string {
  const value = set.task === 'regression' ? String(set.yTrue[row]) : (set.labels[set.yTrue[row] ?? -1] ?? '');
  return JSON.stringify(value);
}
