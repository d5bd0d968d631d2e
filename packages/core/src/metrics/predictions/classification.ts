import { type AucPlan, aucPlan, weightedAuc } from './auc';
import type { Evaluator } from './evaluator';
import type { ClassificationSet } from './types';

// log_loss in scikit-learn 1.2.1 clips probabilities to [eps, 1 - eps] with float64's eps.
const EPS = 2 ** -52;

/**
 * Classification metrics under integer row weights (a bootstrap replicate's multinomial counts;
 * all ones for the plain metrics). A class counts in macro averages when it has weight in y_true
 * or y_pred, as sklearn's unique_labels over the resampled rows would find it.
 */
export function classificationEvaluator(set: ClassificationSet): Evaluator {
  const k = set.labels.length;
  const confusion = new Float64Array(k * k);
  const trueSum = new Float64Array(k);
  const predSum = new Float64Array(k);
  const losses = set.scores ? rowLosses(set) : undefined;
  const binary = set.task === 'binary';
  const pos = binary ? set.labels.indexOf(set.posLabel ?? '') : -1;
  // Binary: one plan for posLabel. Multiclass: one-vs-rest plans, one per class.
  const plans: AucPlan[] = [];
  const { scores, yTrue } = set;
  if (scores) {
    if (binary) plans.push(aucPlan(scores, yTrue, pos));
    else for (let c = 0; c < k; c++) plans.push(aucPlan(scores, yTrue, c, k, c));
  }
  const scored = plans.length > 0;
  const cells = yTrue.map((t, i) => t * k + (set.yPred[i] ?? 0));
  const names = binary
    ? [
        'accuracy',
        'precision',
        'recall',
        'f1',
        ...(scored ? ['roc_auc', 'log_loss'] : []),
        'balanced_accuracy',
      ]
    : ['accuracy', 'f1_macro', 'f1_weighted', 'precision_macro', 'recall_macro'].concat(
        scored ? ['roc_auc_ovr', 'log_loss'] : [],
      );

  let lossSum = 0;

  // One pass over the rows for the confusion counts and the log-loss sum (compensated, inline:
  // this loop runs once per row per replicate). Returns the total weight.
  function tally(weights: Uint32Array | undefined): number {
    // Locals, not closure variables: V8 reloads captured ones on every iteration.
    const [counts, rowCells, rowLoss] = [confusion, cells, losses];
    counts.fill(0);
    let sum = 0;
    let compensation = 0;
    for (let i = 0; i < rowCells.length; i++) {
      const w = weights ? (weights[i] ?? 0) : 1;
      const cell = rowCells[i] ?? 0;
      counts[cell] = (counts[cell] ?? 0) + w;
      if (rowLoss) {
        const x = w * (rowLoss[i] ?? 0);
        const t = sum + x;
        compensation += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
        sum = t;
      }
    }
    lossSum = sum + compensation;
    trueSum.fill(0);
    predSum.fill(0);
    let total = 0;
    for (let t = 0; t < k; t++) {
      for (let p = 0; p < k; p++) {
        const count = confusion[t * k + p] ?? 0;
        trueSum[t] = (trueSum[t] ?? 0) + count;
        predSum[p] = (predSum[p] ?? 0) + count;
        total += count;
      }
    }
    return total;
  }

  function evaluate(weights: Uint32Array | undefined, out: Float64Array): void {
    const total = tally(weights);
    let correct = 0;
    for (let c = 0; c < k; c++) correct += confusion[c * k + c] ?? 0;
    const values: number[] = [correct / total];
    const prf = (c: number) => precisionRecallF1(confusion[c * k + c] ?? 0, predSum[c] ?? 0, trueSum[c] ?? 0);
    if (binary) {
      const { precision, recall, f1 } = prf(pos);
      values.push(precision, recall, f1);
      if (plans[0]) values.push(weightedAuc(plans[0], weights), lossSum / total);
      values.push(balancedAccuracy());
    } else {
      let f1Sum = 0;
      let f1Weighted = 0;
      let precisionSum = 0;
      let recallSum = 0;
      let present = 0;
      for (let c = 0; c < k; c++) {
        if ((trueSum[c] ?? 0) === 0 && (predSum[c] ?? 0) === 0) continue;
        const { precision, recall, f1 } = prf(c);
        present++;
        f1Sum += f1;
        f1Weighted += f1 * (trueSum[c] ?? 0);
        precisionSum += precision;
        recallSum += recall;
      }
      values.push(f1Sum / present, f1Weighted / total, precisionSum / present, recallSum / present);
      if (scored) values.push(ovrAuc(weights), lossSum / total);
    }
    out.set(values);
  }

  // Mean recall over the classes that occur in y_true (sklearn drops the NaN rows of the rest).
  function balancedAccuracy(): number {
    let sum = 0;
    let classes = 0;
    for (let c = 0; c < k; c++) {
      const support = trueSum[c] ?? 0;
      if (support === 0) continue;
      sum += (confusion[c * k + c] ?? 0) / support;
      classes++;
    }
    return sum / classes;
  }

  // Macro mean of one-vs-rest AUCs over the classes that occur in y_true; needs two of them.
  function ovrAuc(weights: Uint32Array | undefined): number {
    let sum = 0;
    let classes = 0;
    for (let c = 0; c < k; c++) {
      const plan = plans[c];
      if ((trueSum[c] ?? 0) === 0 || !plan) continue;
      sum += weightedAuc(plan, weights);
      classes++;
    }
    return classes >= 2 ? sum / classes : Number.NaN;
  }

  function confusionMatrix(): { labels: string[]; matrix: number[][] } {
    tally(undefined);
    const shown = set.labels.flatMap((_, c) => ((trueSum[c] ?? 0) > 0 || (predSum[c] ?? 0) > 0 ? [c] : []));
    return {
      labels: shown.map((c) => set.labels[c] ?? ''),
      matrix: shown.map((t) => shown.map((p) => confusion[t * k + p] ?? 0)),
    };
  }

  return { names, evaluate, confusion: confusionMatrix };
}

/** sklearn's formulas: a 0/0 ratio is 0 (zero_division=0), f1 from the rounded precision and recall. */
function precisionRecallF1(tp: number, predicted: number, actual: number) {
  const precision = predicted === 0 ? 0 : tp / predicted;
  const recall = actual === 0 ? 0 : tp / actual;
  const denominator = precision + recall;
  return { precision, recall, f1: denominator === 0 ? 0 : (2 * precision * recall) / denominator };
}

/**
 * Each row's log loss as scikit-learn 1.2.1 computes it: clip to [eps, 1 - eps], renormalise the
 * row (binary rows are [1 - p, p]), take -log of the true class's share.
 */
function rowLosses(set: ClassificationSet): Float64Array {
  const scores = set.scores ?? new Float64Array(0);
  const losses = new Float64Array(set.n);
  const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);
  if (set.task === 'binary') {
    const pos = set.labels.indexOf(set.posLabel ?? '');
    for (let i = 0; i < set.n; i++) {
      const p = clip(scores[i] ?? 0);
      const q = 1 - p;
      losses[i] = -Math.log((set.yTrue[i] === pos ? p : q) / (q + p));
    }
    return losses;
  }
  const k = set.labels.length;
  for (let i = 0; i < set.n; i++) {
    let rowSum = 0;
    for (let c = 0; c < k; c++) rowSum += clip(scores[i * k + c] ?? 0);
    losses[i] = -Math.log(clip(scores[i * k + (set.yTrue[i] ?? 0)] ?? 0) / rowSum);
  }
  return losses;
}
