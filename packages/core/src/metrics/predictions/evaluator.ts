import { classificationEvaluator } from './classification';
import { regressionEvaluator } from './regression';
import type { PredictionSet } from './types';

/**
 * Every metric of a set under integer row weights: a bootstrap replicate is a vector of
 * multinomial counts, so one O(n) evaluation per replicate replaces materialising the resample.
 */
export interface Evaluator {
  readonly names: readonly string[];
  /** Writes metric `names[j]` to `out[j]`; NaN where a metric is undefined for these weights. */
  evaluate(weights: Uint32Array | undefined, out: Float64Array): void;
  confusion?(): { labels: string[]; matrix: number[][] };
}

export function evaluatorFor(set: PredictionSet): Evaluator {
  return set.task === 'regression' ? regressionEvaluator(set) : classificationEvaluator(set);
}

export interface ComputedMetrics {
  metrics: Record<string, number>;
  /** Classification: counts with rows = y_true, columns = y_pred, over the classes that occur. */
  confusion?: { labels: string[]; matrix: number[][] };
}

/**
 * scikit-learn's values for the set's task. A metric that is undefined for this data (roc_auc with
 * one class in y_true, r2 of a single row) is left out rather than reported as NaN.
 */
export function computeMetrics(set: PredictionSet): ComputedMetrics {
  const evaluator = evaluatorFor(set);
  const values = new Float64Array(evaluator.names.length);
  evaluator.evaluate(undefined, values);
  const metrics: Record<string, number> = {};
  evaluator.names.forEach((name, j) => {
    const value = values[j] ?? Number.NaN;
    if (!Number.isNaN(value)) metrics[name] = value;
  });
  return evaluator.confusion ? { metrics, confusion: evaluator.confusion() } : { metrics };
}
