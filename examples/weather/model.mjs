// The weather model: a random forest over FEATURES, saved as one JSON file with what is needed
// to use it (feature names, classes, params).
import { readFileSync } from 'node:fs';
import { RandomForestClassifier } from 'ml-random-forest';
import { CLASSES, FEATURES } from './data.mjs';

export const MODEL_FORMAT = 'weather-random-forest/1';

export const DEFAULT_PARAMS = {
  n_estimators: 40,
  max_depth: 8,
  max_features: 0.75,
  min_samples_leaf: 3,
  seed: 42,
  test_fraction: 0.25,
};

/** Fits the forest on `rows` (from readWeather); labels are indices into CLASSES. */
export function trainForest(rows, params) {
  const forest = new RandomForestClassifier({
    nEstimators: params.n_estimators,
    maxFeatures: params.max_features,
    seed: params.seed,
    replacement: true,
    useSampleBagging: true,
    // Out-of-bag estimates cost a second pass over the data; the test split is the estimate here.
    noOOB: true,
    treeOptions: { maxDepth: params.max_depth, minNumSamples: params.min_samples_leaf },
  });
  forest.train(
    rows.map((r) => r.features),
    rows.map((r) => classIndex(r.weather)),
  );
  return { format: MODEL_FORMAT, features: FEATURES, classes: CLASSES, params, forest: forest.toJSON() };
}

function classIndex(label) {
  const i = CLASSES.indexOf(label);
  if (i === -1) throw new Error(`weather "${label}" is not one of ${CLASSES.join(', ')}`);
  return i;
}

/** A saved model, ready to predict. */
export function loadModel(file) {
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  if (saved.format !== MODEL_FORMAT) {
    throw new Error(`${file}: format ${JSON.stringify(saved.format)}, expected ${MODEL_FORMAT}`);
  }
  return { ...saved, forest: RandomForestClassifier.load(saved.forest) };
}

/**
 * Predictions for feature vectors: the label and each class's share of the trees' votes (the
 * library's predictProbability is per label; counting the votes once gives all of them).
 */
export function predict(model, featureRows) {
  if (featureRows.length === 0) return [];
  const votes = model.forest.predictionValues(featureRows);
  const out = [];
  for (let i = 0; i < featureRows.length; i++) {
    const row = votes.getRow(i);
    const counts = new Array(model.classes.length).fill(0);
    for (const v of row) counts[v]++;
    let best = 0;
    for (let c = 1; c < counts.length; c++) if (counts[c] > counts[best]) best = c;
    const proba = {};
    model.classes.forEach((name, c) => {
      proba[name] = counts[c] / row.length;
    });
    out.push({ label: model.classes[best], proba });
  }
  return out;
}
