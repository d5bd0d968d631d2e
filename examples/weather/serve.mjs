#!/usr/bin/env node
// The model server: `node serve.mjs --model model/model.json --version 0.0.1 [--port 0]
// [--replay data/weather.csv] [--error-rate 0.3] [--latency-ms 0]`. Listens on 127.0.0.1 and
// prints one JSON line {"port", "version"} once it does.
//   GET  /health                  {"status": "ok", "version", "classes"}
//   GET  /predict?precipitation=&temp_max=&temp_min=&wind=   {"version", "weather", "proba"}
//   POST /predict                 {"instances": [{precipitation, temp_max, temp_min, wind}, ...]}
//   GET  /metrics[?window=ms]     JSON counters: requests and errors (total and in the window),
//                                 error_rate, p50/p95 latency, the predicted classes' distribution,
//                                 and the predictions on a fixed replay set (`replay`), so two
//                                 versions can be compared on the same inputs.
// `--error-rate` makes that share of /predict requests fail with 500 (evenly spread): a bad
// build, for trying a rollback.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { FEATURES, readWeather } from './data.mjs';
import { loadModel, predict } from './model.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'model/model.json' },
    version: { type: 'string', default: 'dev' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    replay: { type: 'string' },
    'error-rate': { type: 'string', default: '0' },
    'latency-ms': { type: 'string', default: '0' },
  },
});
const model = loadModel(values.model);
const version = values.version;
const errorRate = Number(values['error-rate']);
const latencyMs = Number(values['latency-ms']);
if (!(errorRate >= 0 && errorRate <= 1))
  fail(`--error-rate: "${values['error-rate']}" is not between 0 and 1`);

// At most 200 replay days, spread over the file: enough for agreement and PSI, cheap to score.
const replayRows = values.replay ? spread(readWeather(values.replay), 200) : [];
const replay = predict(
  model,
  replayRows.map((r) => r.features),
).map((p) => p.label);

let requests = 0;
let errors = 0;
/** Recent /predict requests: [time, ms, failed, label]. */
const recent = [];

function metrics(windowMs) {
  const since = Date.now() - windowMs;
  while (recent.length > 0 && recent[0][0] < Date.now() - 60_000) recent.shift();
  const inWindow = recent.filter((r) => r[0] >= since);
  const failed = inWindow.filter((r) => r[2]).length;
  const times = inWindow.map((r) => r[1]).sort((a, b) => a - b);
  const quantile = (q) =>
    times.length ? times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] : null;
  const predictions = inWindow.filter((r) => !r[2]).map((r) => r[3]);
  const distribution = Object.fromEntries(model.classes.map((c) => [c, 0]));
  for (const label of predictions) distribution[label]++;
  return {
    version,
    requests_total: requests,
    errors_total: errors,
    window_ms: windowMs,
    requests: inWindow.length,
    errors: failed,
    error_rate: inWindow.length ? failed / inWindow.length : null,
    p50_ms: quantile(0.5),
    p95_ms: quantile(0.95),
    distribution,
    predictions,
    replay,
  };
}

function parseInstance(source) {
  const features = FEATURES.map((name) => Number(source[name]));
  const bad = FEATURES.find(
    (name, i) => source[name] === undefined || source[name] === '' || !Number.isFinite(features[i]),
  );
  if (bad) throw new Error(`${bad} is ${JSON.stringify(source[bad] ?? null)}, expected a number`);
  return features;
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === '/health') return send(200, { status: 'ok', version, classes: model.classes });
  if (url.pathname === '/metrics') return send(200, metrics(Number(url.searchParams.get('window') ?? 5000)));
  if (url.pathname !== '/predict') return send(404, { error: `no route ${url.pathname}` });

  const started = performance.now();
  requests++;
  let instances;
  try {
    if (req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      instances = (JSON.parse(body).instances ?? []).map(parseInstance);
    } else {
      instances = [parseInstance(Object.fromEntries(url.searchParams))];
    }
  } catch (error) {
    errors++;
    return send(400, { error: error.message, version });
  }
  if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
  // Exactly `errorRate` of the requests fail, evenly spread.
  const failed = Math.floor(requests * errorRate) !== Math.floor((requests - 1) * errorRate);
  const answers = failed ? [] : predict(model, instances);
  recent.push([Date.now(), performance.now() - started, failed, answers[0]?.label]);
  if (failed) {
    errors++;
    return send(500, { error: 'injected failure (--error-rate)', version });
  }
  if (req.method === 'POST')
    return send(200, { version, predictions: answers.map((a) => ({ weather: a.label, proba: a.proba })) });
  send(200, { version, weather: answers[0].label, proba: answers[0].proba });
});

server.listen(Number(values.port), values.host, () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port, version })}\n`);
});
process.on('SIGTERM', () => process.exit(0));

function spread(rows, n) {
  if (rows.length <= n) return rows;
  return Array.from({ length: n }, (_, i) => rows[Math.floor((i * rows.length) / n)]);
}

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}
