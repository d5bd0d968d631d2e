// Scores a model on the test days of a table: the metrics and the predictions file. Used by
// train.mjs on its own model, and on its own (`node evaluate.mjs`) to score the production
// model on the same days as a candidate, for a paired comparison.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { CLASSES, predictionsCsv, readWeather, splitByDate } from './data.mjs';
import { DEFAULT_PARAMS, loadModel, predict } from './model.mjs';

/** accuracy and macro-F1 (over the classes present in y_true or y_pred, as scikit-learn does). */
export function score(rows, predictions) {
  let correct = 0;
  const tp = new Map();
  const fp = new Map();
  const fn = new Map();
  const bump = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
  rows.forEach((row, i) => {
    const predicted = predictions[i].label;
    if (predicted === row.weather) {
      correct++;
      bump(tp, predicted);
    } else {
      bump(fp, predicted);
      bump(fn, row.weather);
    }
  });
  const present = CLASSES.filter((c) => tp.has(c) || fp.has(c) || fn.has(c));
  const f1 = Object.fromEntries(
    present.map((c) => {
      const t = tp.get(c) ?? 0;
      const denominator = 2 * t + (fp.get(c) ?? 0) + (fn.get(c) ?? 0);
      return [c, denominator === 0 ? 0 : (2 * t) / denominator];
    }),
  );
  const values = Object.values(f1);
  return {
    accuracy: correct / rows.length,
    f1_macro: values.reduce((a, b) => a + b, 0) / values.length,
    class_f1: f1,
    test_rows: rows.length,
  };
}

/** The model's predictions and metrics on the test days of `rows`. */
export function evaluate(model, rows, testFraction) {
  const { test } = splitByDate(rows, testFraction);
  const predictions = predict(
    model,
    test.map((r) => r.features),
  );
  return { test, predictions, metrics: score(test, predictions) };
}

export function writeResults(result, files) {
  for (const file of Object.values(files)) if (file) mkdirSync(dirname(file), { recursive: true });
  if (files.metrics) writeFileSync(files.metrics, `${JSON.stringify(result.metrics, null, 2)}\n`);
  if (files.predictions) writeFileSync(files.predictions, predictionsCsv(result.test, result.predictions));
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      'test-fraction': { type: 'string', default: String(DEFAULT_PARAMS.test_fraction) },
      predictions: { type: 'string', default: 'baseline-predictions.csv' },
      metrics: { type: 'string' },
    },
  });
  if (!values.model || !values.data) {
    process.stderr.write(
      'usage: node evaluate.mjs --model model/model.json --data data/ [--predictions f.csv] [--metrics f.json]\n',
    );
    process.exit(2);
  }
  const result = evaluate(loadModel(values.model), readWeather(values.data), Number(values['test-fraction']));
  writeResults(result, { predictions: values.predictions, metrics: values.metrics });
  process.stdout.write(
    `${values.model} on ${result.test.length} test days: accuracy ${result.metrics.accuracy.toFixed(3)}, macro-F1 ${result.metrics.f1_macro.toFixed(3)}\n`,
  );
}
