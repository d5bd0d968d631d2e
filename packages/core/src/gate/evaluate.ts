import { InputError, nearNames } from '../errors';
import {
  compare,
  evaluateExpr,
  lookupMetric,
  type Metrics,
  percentile,
  type Rule,
  ruleDirection,
  usesBaseline,
} from '../metrics';

export type Direction = 'higher' | 'lower';

/** Per-metric bootstrap replicates: candidate (and baseline) value of each resample. */
export type Replicates = Record<string, { candidate: Float64Array; baseline?: Float64Array }>;

export interface Interval {
  low: number;
  high: number;
}

export interface RuleResult {
  rule: Rule;
  status: 'pass' | 'fail' | 'no-baseline';
  candidate: number;
  baseline?: number;
  /** The value the rule compares against (the expr evaluated). */
  bound?: number;
  /** For `if significant`: interval of the rule's slack (candidate − bound), and the decision. */
  significance?: { interval: Interval; significant: boolean } | { unavailable: string };
}

export interface MetricRow {
  name: string;
  candidate?: number;
  folds?: { std: number; n: number };
  baseline?: number;
  delta?: number;
  deltaInterval?: Interval;
  direction: Direction;
  results: RuleResult[];
}

export interface Verdict {
  passed: boolean;
  rows: MetricRow[];
  results: RuleResult[];
  baselineAvailable: boolean;
  confidence: number;
}

export interface EvaluateOptions {
  candidate: Metrics;
  baseline?: Metrics;
  rules: Rule[];
  requireBaseline: boolean;
  replicates?: Replicates;
  confidence: number;
}

// Names that by convention get better as they go down (loss, error, latency…).
const LOWER_IS_BETTER =
  /(loss|error|err\b|mse|mae|rmse|mape|latency|duration|time|_ms\b|_s\b|perplexity|\bwer\b|\bcer\b|brier|memory|size|cost|fpr|fnr|false_)/i;

export function metricDirection(name: string, rules: Rule[]): Direction {
  for (const rule of rules) {
    if (rule.metric === name) {
      const direction = ruleDirection(rule.op);
      if (direction) return direction;
    }
  }
  return LOWER_IS_BETTER.test(name) ? 'lower' : 'higher';
}

export function interval(values: Float64Array, confidence: number): Interval {
  const tail = (1 - confidence) / 2;
  return { low: percentile(values, tail), high: percentile(values, 1 - tail) };
}

/** Judges every rule; returns rows for every metric of candidate and baseline, failing first. */
export function evaluate(options: EvaluateOptions): Verdict {
  const { candidate, baseline, rules, replicates, confidence } = options;
  const results = rules.map((rule) => judgeRule(rule, options));
  const names = new Set<string>([...candidate.keys(), ...(baseline?.keys() ?? [])]);
  for (const rule of rules) names.add(rule.metric);
  const rows: MetricRow[] = [];
  for (const name of names) {
    const own = results.filter((r) => r.rule.metric === name);
    const value = lookupMetric(candidate, name);
    const base = baseline ? lookupMetric(baseline, name) : undefined;
    const folds = candidate.get(name)?.folds;
    const sample = replicates?.[name];
    const row: MetricRow = {
      name,
      candidate: value,
      folds: folds ? { std: folds.std, n: folds.values.length } : undefined,
      baseline: base,
      delta: value !== undefined && base !== undefined ? value - base : undefined,
      direction: metricDirection(name, rules),
      results: own,
    };
    if (sample?.baseline) {
      const deltas = sample.candidate.map((c, i) => c - (sample.baseline?.[i] ?? Number.NaN));
      row.deltaInterval = interval(deltas, confidence);
    }
    rows.push(row);
  }
  const rank = (row: MetricRow) =>
    row.results.some((r) => r.status === 'fail')
      ? 0
      : row.results.some((r) => r.status === 'no-baseline')
        ? 1
        : row.results.length
          ? 2
          : 3;
  rows.sort((a, b) => rank(a) - rank(b));
  const passed = results.every(
    (r) => r.status === 'pass' || (r.status === 'no-baseline' && !options.requireBaseline),
  );
  return { passed, rows, results, baselineAvailable: baseline !== undefined, confidence };
}

function judgeRule(rule: Rule, options: EvaluateOptions): RuleResult {
  const { candidate, baseline, replicates, confidence } = options;
  const value = lookupMetric(candidate, rule.metric);
  if (value === undefined) {
    const near = nearNames(rule.metric, candidate.keys());
    const hint = near.length
      ? `near: ${near.join(', ')}`
      : `it has: ${[...candidate.keys()].slice(0, 8).join(', ')}${candidate.size > 8 ? ', …' : ''}`;
    // Line 0 is the shorthand rule built from the `metric` input.
    const where = rule.line === 0 ? 'metric' : `rules line ${rule.line}`;
    throw new InputError(
      `${where}: metric "${rule.metric}" is not in the candidate's metrics (${hint})`,
      rule.line === 0 ? 'metric' : 'rules',
    );
  }
  const needsBaseline = usesBaseline(rule.expr);
  const base = baseline ? lookupMetric(baseline, rule.metric) : undefined;
  if (needsBaseline && base === undefined) {
    return { rule, status: options.requireBaseline ? 'fail' : 'no-baseline', candidate: value };
  }
  const bound = evaluateExpr(rule.expr, base);
  const holds = compare(rule.op, value, bound);
  const result: RuleResult = {
    rule,
    status: holds ? 'pass' : 'fail',
    candidate: value,
    baseline: base,
    bound,
  };
  if (!rule.significant) return result;
  const sample = replicates?.[rule.metric];
  if (!sample) {
    result.significance = { unavailable: 'no predictions to bootstrap; judged as a plain rule' };
    return result;
  }
  // The rule's slack on each resample: how far the candidate is on the good side of its bound.
  const slack = sample.candidate.map((c, i) => {
    const b = needsBaseline ? (sample.baseline?.[i] ?? (base as number)) : undefined;
    return c - evaluateExpr(rule.expr, b);
  });
  const ci = interval(slack, confidence);
  const significant =
    rule.op === '>=' || rule.op === '>'
      ? ci.high < 0 || (rule.op === '>' && ci.high <= 0)
      : rule.op === '<=' || rule.op === '<'
        ? ci.low > 0 || (rule.op === '<' && ci.low >= 0)
        : ci.low > 0 || ci.high < 0;
  result.significance = { interval: ci, significant };
  // A violation inside the noise is not a regression: the rule passes, and the report says why.
  if (!holds && !significant) result.status = 'pass';
  return result;
}
