#!/usr/bin/env node
// Trains the weather model as `mcp train` runs it: the data version's directory is in
// MCP_DATA_WEATHER, the params (merged by mcp) in MCP_PARAMS, and the model goes to
// MCP_OUTPUT_DIR. Writes metrics.json and predictions.csv (the test days) for the gate.
//   node train.mjs [--data dir] [--model-dir dir] [--metrics metrics.json] [--predictions predictions.csv]
// Without mcp: `MCP_DATA_WEATHER=data node train.mjs` (params default to DEFAULT_PARAMS).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readWeather, splitByDate } from './data.mjs';
import { evaluate, writeResults } from './evaluate.mjs';
import { DEFAULT_PARAMS, loadModel, trainForest } from './model.mjs';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: process.env.MCP_DATA_WEATHER ?? 'data' },
    'model-dir': { type: 'string', default: process.env.MCP_OUTPUT_DIR ?? 'model' },
    metrics: { type: 'string', default: 'metrics.json' },
    predictions: { type: 'string', default: 'predictions.csv' },
  },
});

const given = process.env.MCP_PARAMS ? JSON.parse(readFileSync(process.env.MCP_PARAMS, 'utf8')) : {};
const params = { ...DEFAULT_PARAMS, ...given };
for (const [key, value] of Object.entries(params)) {
  if (key in DEFAULT_PARAMS && typeof value !== 'number') {
    process.stderr.write(`error: param ${key} is ${JSON.stringify(value)}, expected a number\n`);
    process.exit(2);
  }
}

const started = performance.now();
const rows = readWeather(values.data);
const { train, test } = splitByDate(rows, params.test_fraction);
console.log(
  `training on ${train.length} days (${train[0].date} … ${train.at(-1).date}), testing on ${test.length} (… ${test.at(-1).date})`,
);
const model = trainForest(train, params);
const trainSeconds = (performance.now() - started) / 1000;

mkdirSync(values['model-dir'], { recursive: true });
writeFileSync(join(values['model-dir'], 'model.json'), JSON.stringify(model));

// Scored as it will be used: loaded back from the file.
const result = evaluate(loadModel(join(values['model-dir'], 'model.json')), rows, params.test_fraction);
result.metrics.train_seconds = Math.round(trainSeconds * 1000) / 1000;
result.metrics.train_rows = train.length;
writeResults(result, { metrics: values.metrics, predictions: values.predictions });
console.log(
  `accuracy ${result.metrics.accuracy.toFixed(3)}, macro-F1 ${result.metrics.f1_macro.toFixed(3)} (${trainSeconds.toFixed(1)} s)`,
);
