import {
  type CategoricalDrift,
  type Correction,
  categoricalDrift,
  countValues,
  judgeColumns,
  type NumericDrift,
  numericDrift,
} from '../drift';
import type { ColumnProfile, ColumnType, DataProfile } from '../profile';

/** The tests a column's verdict can rest on. */
export const DRIFT_METHODS = ['ks', 'chi-square', 'psi', 'wasserstein'] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];

/**
 * With `method: psi` or `wasserstein` (scores without a p-value), a column drifts at these values
 * or above: PSI 0.2 (the usual reading: < 0.1 stable, 0.1–0.25 moderate, > 0.25 major) and the
 * Wasserstein distance over the reference's std 0.1 (Evidently's default for large numeric
 * samples). Every other verdict is the corrected p-value < alpha.
 */
export const SCORE_THRESHOLDS = { psi: 0.2, wasserstein: 0.1 } as const;

/** A string column with more distinct values than this is an identifier or free text: not tested. */
export const MAX_CATEGORIES = 100;

export interface CompareOptions {
  /** Columns to test; default every column both sides have, except datetimes. */
  columns?: readonly string[];
  /** `auto`, or the test for the columns it applies to (others keep their default). */
  method: 'auto' | DriftMethod;
  correction: Correction;
  alpha: number;
}

/** Proportions per bin, for the reference-vs-current chart. */
export interface Histogram {
  labels: string[];
  reference: number[];
  current: number[];
}

export interface ColumnResult {
  column: string;
  kind: 'numeric' | 'categorical';
  referenceType: ColumnType;
  currentType: ColumnType;
  /** The test the verdict rests on. */
  test: DriftMethod;
  /** That test's statistic: KS D, χ², PSI or the Wasserstein distance over the reference's std. */
  statistic: number;
  /** KS (numeric) or χ² (categorical), before and after the correction across the tested columns. */
  pValue: number;
  adjustedPValue: number;
  /** Every effect size the column's kind has: KS D, Cramér's V, PSI, Wasserstein/σ. */
  scores: Partial<Record<DriftMethod, number>>;
  drifted: boolean;
  missing: { reference: number; current: number };
  /** Values in each sample the tests saw (a profile keeps up to 10 000 per column). */
  samples: { reference: number; current: number };
  /** PSI's bin edges (numeric) or categories, and the empty-bin epsilon, as reported with its value. */
  psi: { edges?: number[]; categories?: string[]; epsilon: number };
  histogram: Histogram;
}

export interface Untested {
  column: string;
  reason: string;
}

export interface SchemaDiff {
  added: { column: string; type: ColumnType }[];
  removed: { column: string; type: ColumnType }[];
  retyped: { column: string; from: ColumnType; to: ColumnType }[];
}

export interface Comparison {
  reference: { rows: number; columns: ColumnProfile[] };
  current: { rows: number; columns: ColumnProfile[] };
  tested: ColumnResult[];
  untested: Untested[];
  schema: SchemaDiff;
  options: CompareOptions;
  drifted: string[];
  /** Drifted columns over tested columns (0 when none was tested). */
  driftedShare: number;
}

const NUMERIC: readonly ColumnType[] = ['integer', 'number', 'datetime'];

export function schemaDiff(reference: DataProfile, current: DataProfile): SchemaDiff {
  const before = new Map(reference.columns.map((c) => [c.name, c.type]));
  const after = new Map(current.columns.map((c) => [c.name, c.type]));
  return {
    added: current.columns.filter((c) => !before.has(c.name)).map((c) => ({ column: c.name, type: c.type })),
    removed: reference.columns
      .filter((c) => !after.has(c.name))
      .map((c) => ({ column: c.name, type: c.type })),
    retyped: current.columns
      .filter((c) => before.has(c.name) && before.get(c.name) !== c.type)
      .map((c) => ({ column: c.name, from: before.get(c.name) as ColumnType, to: c.type })),
  };
}

/** Columns removed or retyped: the default gate (no rules) fails on them; added ones it reports only. */
export function schemaBroken(schema: SchemaDiff): boolean {
  return schema.removed.length + schema.retyped.length > 0;
}

/**
 * Tests each chosen column of `current` against `reference` on the profiles' samples, corrects
 * the p-values for testing many columns at once, and gives each tested column its verdict.
 */
export function compareProfiles(
  reference: DataProfile,
  current: DataProfile,
  options: CompareOptions,
): Comparison {
  const before = new Map(reference.columns.map((c) => [c.name, c]));
  const after = new Map(current.columns.map((c) => [c.name, c]));
  const names =
    options.columns ??
    current.columns
      .filter((c) => before.has(c.name) && !isDatetimePair(before.get(c.name), c))
      .map((c) => c.name);
  const untested: Untested[] = [];
  if (!options.columns) {
    for (const c of current.columns) {
      if (isDatetimePair(before.get(c.name), c))
        untested.push({ column: c.name, reason: 'a datetime: time moves on; name it in columns to test it' });
    }
  }
  const pending: Omit<ColumnResult, 'adjustedPValue' | 'drifted'>[] = [];
  for (const name of names) {
    const ref = before.get(name);
    const cur = after.get(name);
    if (!ref || !cur) {
      untested.push({ column: name, reason: `only in the ${ref ? 'reference' : 'current'} data` });
      continue;
    }
    const result = testColumn(ref, cur, options.method);
    if (typeof result === 'string') untested.push({ column: name, reason: result });
    else pending.push(result);
  }
  const verdicts = judgeColumns(
    new Map(pending.map((r) => [r.column, r.pValue])),
    options.correction,
    options.alpha,
  );
  const tested = pending.map((result, i): ColumnResult => {
    const verdict = verdicts[i] as (typeof verdicts)[number];
    // A test with a p-value drifts at corrected p < alpha; PSI and Wasserstein/σ by their thresholds.
    const drifted =
      result.test === 'psi' || result.test === 'wasserstein'
        ? result.statistic >= SCORE_THRESHOLDS[result.test]
        : verdict.drifted;
    return { ...result, adjustedPValue: verdict.adjustedPValue, drifted };
  });
  const drifted = tested.filter((r) => r.drifted).map((r) => r.column);
  return {
    reference: { rows: reference.rows, columns: reference.columns },
    current: { rows: current.rows, columns: current.columns },
    tested,
    untested,
    schema: schemaDiff(reference, current),
    options,
    drifted,
    driftedShare: tested.length === 0 ? 0 : drifted.length / tested.length,
  };
}

function isDatetimePair(reference: ColumnProfile | undefined, current: ColumnProfile): boolean {
  return current.type === 'datetime' && (reference === undefined || reference.type === 'datetime');
}

type Pending = Omit<ColumnResult, 'adjustedPValue' | 'drifted'>;

/** The column's tests, or why it cannot be tested. */
function testColumn(
  reference: ColumnProfile,
  current: ColumnProfile,
  method: CompareOptions['method'],
): Pending | string {
  const bothNumeric = NUMERIC.includes(reference.type) && NUMERIC.includes(current.type);
  if (
    reference.type !== current.type &&
    !(bothNumeric && reference.type !== 'datetime' && current.type !== 'datetime')
  ) {
    return `retyped from ${reference.type} to ${current.type}`;
  }
  const refValues = reference.sample.values;
  const curValues = current.sample.values;
  if (refValues.length === 0 || curValues.length === 0) {
    return `no values in the ${refValues.length === 0 ? 'reference' : 'current'} data`;
  }
  const base = {
    column: current.name,
    referenceType: reference.type,
    currentType: current.type,
    missing: { reference: reference.missingShare, current: current.missingShare },
    samples: { reference: refValues.length, current: curValues.length },
  };
  if (bothNumeric) {
    const drift = numericDrift(refValues as number[], curValues as number[]);
    // `auto` is KS at any sample size: on large samples gate on an effect size with a rule instead.
    const test: DriftMethod = method === 'psi' || method === 'wasserstein' ? method : 'ks';
    return {
      ...base,
      kind: 'numeric',
      test,
      statistic: numericStatistic(drift, test),
      ...numericParts(drift, refValues as number[], curValues as number[]),
    };
  }
  if (reference.distinct.count > MAX_CATEGORIES) {
    return `${reference.distinct.count} distinct values: an identifier or free text, not categories`;
  }
  const drift = categoricalDrift(countValues(refValues.map(String)), countValues(curValues.map(String)));
  const test: DriftMethod = method === 'psi' ? 'psi' : 'chi-square';
  return {
    ...base,
    kind: 'categorical',
    test,
    statistic: test === 'psi' ? drift.psi.value : drift.chiSquare.statistic,
    ...categoricalParts(drift),
  };
}

function numericStatistic(drift: NumericDrift, test: DriftMethod): number {
  if (test === 'psi') return drift.psi.value;
  if (test === 'wasserstein') return normalizedWasserstein(drift);
  return drift.ks.statistic;
}

/** A constant reference has no scale: any move away from it is infinitely far. */
function normalizedWasserstein(drift: NumericDrift): number {
  return drift.wasserstein.normalized ?? Number.POSITIVE_INFINITY;
}

function numericParts(drift: NumericDrift, reference: number[], current: number[]) {
  return {
    pValue: drift.pValue,
    scores: { ks: drift.ks.statistic, psi: drift.psi.value, wasserstein: normalizedWasserstein(drift) },
    psi: { edges: drift.psi.edges, epsilon: drift.psi.epsilon },
    histogram: numericHistogram(reference, current),
  };
}

function categoricalParts(drift: CategoricalDrift) {
  const { categories, referenceCounts, currentCounts } = drift.psi;
  const refTotal = sum(referenceCounts);
  const curTotal = sum(currentCounts);
  // The ten most common categories over both samples, in that order.
  const order = categories
    .map((_, i) => i)
    .sort(
      (a, b) =>
        (referenceCounts[b] ?? 0) / refTotal +
          (currentCounts[b] ?? 0) / curTotal -
          ((referenceCounts[a] ?? 0) / refTotal + (currentCounts[a] ?? 0) / curTotal) || a - b,
    )
    .slice(0, 10);
  return {
    pValue: drift.pValue,
    scores: { 'chi-square': drift.chiSquare.cramersV, psi: drift.psi.value },
    psi: { categories, epsilon: drift.psi.epsilon },
    histogram: {
      labels: order.map((i) => categories[i] as string),
      reference: order.map((i) => (referenceCounts[i] ?? 0) / refTotal),
      current: order.map((i) => (currentCounts[i] ?? 0) / curTotal),
    },
  };
}

/** Ten equal-width bins over the range of both samples. */
export function numericHistogram(
  reference: readonly number[],
  current: readonly number[],
  bins = 10,
): Histogram {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const v of reference) [low, high] = [Math.min(low, v), Math.max(high, v)];
  for (const v of current) [low, high] = [Math.min(low, v), Math.max(high, v)];
  const width = (high - low) / bins || 1;
  const count = (values: readonly number[]) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of values) {
      const bin = Math.min(bins - 1, Math.floor((v - low) / width));
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
    return counts.map((c) => c / values.length);
  };
  return {
    labels: Array.from({ length: bins }, (_, i) => formatEdge(low + i * width)),
    reference: count(reference),
    current: count(current),
  };
}

function formatEdge(value: number): string {
  return String(Number(value.toPrecision(3)));
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
