/**
 * Metrics from a predictions CSV, equal to scikit-learn 1.2.1's to 1e-9, and a paired bootstrap
 * for noise-aware comparisons against a baseline.
 *
 * ```ts
 * const set = await readPredictions('preds.csv', { input: 'predictions' });
 * const { metrics, confusion } = computeMetrics(set);            // { accuracy: 0.91, f1: …, roc_auc: … }
 * const base = await readPredictions('base.csv', { input: 'baseline-predictions', task: set.task });
 * const boot = pairedBootstrap(set, base);                        // 1000 resamples, fixed seed
 * const { candidate, baseline } = boot.metrics.f1;
 * const delta = candidate.map((c, j) => c - (baseline?.[j] ?? Number.NaN));
 * const ci = [percentile(delta, 0.025), percentile(delta, 0.975)];
 * ```
 *
 * The CSV has `y_true`, and `y_pred` and/or scores: `y_score` (binary, P(positive class)) or one
 * `proba_<class>` column per class; an optional `id` column pairs rows with a baseline's.
 * - Task, when not given: score columns or non-numeric labels → classification (binary with ≤ 2
 *   classes); a non-integer y_true or y_pred → regression; integers → classification when y_true has
 *   ≤ 20 distinct values, else regression.
 * - Metrics: binary `accuracy precision recall f1 roc_auc log_loss balanced_accuracy` (+ confusion
 *   matrix); multiclass `accuracy f1_macro f1_weighted precision_macro recall_macro roc_auc_ovr
 *   log_loss`; regression `mae mse rmse r2`. The score-based ones need scores. Averages use
 *   zero_division=0; roc_auc_ovr is the macro mean over the classes present in y_true.
 * - Positive class: `posLabel`, else the greater label in np.unique order (roc_auc_score's choice).
 *   Without y_pred: binary predicts posLabel when score >= 0.5; multiclass takes the first argmax.
 * - Bootstrap: `resamples` (1000) multinomial resamples drawn with xoshiro128** from `seed`
 *   (fixed default), identical on every machine; both sets are evaluated on the same draws. Rows
 *   pair by position, or by the `id` column when both files have one; y_true must agree.
 * - `percentile(values, q)`: q is a fraction in [0, 1]; numpy's default linear interpolation,
 *   bit-identical to `np.quantile(values, q)`; NaN if any value is NaN.
 * - Memory: rows stream through csv-parse into columnar typed arrays, never held as records: a
 *   binary file keeps 16 bytes per row (two label codes, one score); computing its metrics adds
 *   18 (the AUC order, per-row log losses and confusion cells).
 *
 * Every bad cell, column or pairing is an `InputError` naming the input, file and line.
 */
export { type BootstrapOptions, type BootstrapResult, pairedBootstrap } from './bootstrap';
export { type ComputedMetrics, computeMetrics } from './evaluator';
export { percentile } from './percentile';
export { type PredictionSource, type ReadPredictionsOptions, readPredictions } from './read';
export type { ClassificationSet, PredictionSet, RegressionSet, Task } from './types';
