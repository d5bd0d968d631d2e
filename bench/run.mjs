#!/usr/bin/env node
// Benchmarks of the committed bundles, each beside a reference run on the same input, printed
// as ratios. Figures, not assertions: run `npm run bench` and read the table.
//   1. validate-metrics, bundle start to outputs written, 1000-metric file (reference: `node -e 0`)
//   2. metrics from a 1M-row binary predictions CSV (reference: the same metrics in scikit-learn)
//   3. the paired bootstrap at 100k rows, 1000 resamples
//   4. the content store (bench/store.mjs: hashing, the stat cache, memory, bytes uploaded, git lfs);
//      heavy (gigabytes of temp files), BENCH_STORE=0 leaves it out
//   5. data profiles of a generated CSV and a real Parquet file (bench/profile.mjs; BENCH_PROFILE=0 skips)
//   6. rollback to the router confirming 100% (bench/rollback.mjs; BENCH_ROLLBACK=0 skips)
//   7. train around a no-op, a cache hit restoring 100 MiB, concurrent mcp-meta appends (bench/train.mjs)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBinaryPredictions } from './generate.mjs';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'dist', 'cli', 'index.js');
const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-'));
const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
const python = ['/usr/bin/python3', 'python3'].find((p) => {
  try {
    execFileSync(p, ['-c', 'import sklearn, pandas'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

/** Wall time (s) and peak RSS (MiB) of a command; peak RSS from /proc while it runs. */
function measure(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let peak = 0;
    let stderr = '';
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
      } catch {}
    }, 20);
    child.stdout.resume();
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0 && code !== 1)
        reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ seconds, peak });
    });
  });
}

async function best(times, command, args, env) {
  const runs = [];
  for (let i = 0; i < times; i++) runs.push(await measure(command, args, env));
  runs.sort((a, b) => a.seconds - b.seconds);
  return { seconds: runs[0].seconds, peak: Math.max(...runs.map((r) => r.peak)) };
}

const results = [];
function row(name, ours, reference, referenceName) {
  results.push({
    benchmark: name,
    'mcp s': ours.seconds.toFixed(3),
    'mcp MiB': ours.peak.toFixed(0),
    reference: referenceName,
    'ref s': reference ? reference.seconds.toFixed(3) : '—',
    'ref MiB': reference ? reference.peak.toFixed(0) : '—',
    'time ratio': reference ? (ours.seconds / reference.seconds).toFixed(2) : '—',
    'memory ratio': reference ? (ours.peak / reference.peak).toFixed(2) : '—',
  });
}

// 1. A 1000-metric file through the action bundle, as the runner starts it.
const metrics = {};
const baseline = {};
for (let i = 0; i < 1000; i++) {
  metrics[`group${i % 10}`] ??= {};
  baseline[`group${i % 10}`] ??= {};
  metrics[`group${i % 10}`][`metric_${i}`] = 0.5 + (i % 97) / 200;
  baseline[`group${i % 10}`][`metric_${i}`] = 0.5 + (i % 89) / 200;
}
writeFileSync(join(dir, 'metrics.json'), JSON.stringify(metrics));
writeFileSync(join(dir, 'baseline.json'), JSON.stringify(baseline));
const rules = Array.from({ length: 100 }, (_, i) => `group${i % 10}.metric_${i} >= baseline - 0.5`).join(
  '\n',
);
const actionEnv = {
  GITHUB_ACTIONS: 'true',
  GITHUB_WORKSPACE: dir,
  GITHUB_OUTPUT: join(dir, 'output.txt'),
  GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
  INPUT_METRICS: 'metrics.json',
  INPUT_BASELINE: 'baseline.json',
  INPUT_RULES: rules,
  INPUT_COMMENT: 'never',
  INPUT_TITLE: 'Metric gate',
  'INPUT_FAIL-ON': 'error',
  INPUT_DIRECTION: 'higher',
  'INPUT_REQUIRE-BASELINE': 'false',
  INPUT_CONFIDENCE: '0.95',
  INPUT_RESAMPLES: '1000',
};
const gate = await best(5, process.execPath, [join(root, 'dist', 'validate-metrics', 'index.js')], actionEnv);
const bare = await best(5, process.execPath, ['-e', '0']);
row('validate-metrics bundle, 1000 metrics, 100 rules', gate, bare, 'node -e 0 (bare start)');

// 2. Metrics from a 1M-row predictions CSV.
const predictions = join(dir, 'predictions.csv');
const baselinePredictions = join(dir, 'baseline.csv');
generateBinaryPredictions(predictions, rows, 1, 0.8);
generateBinaryPredictions(baselinePredictions, rows, 1, 0.75);
const fromPredictions = await best(3, process.execPath, [
  cli,
  'validate-metrics',
  '--predictions',
  predictions,
  '--json',
]);
let sklearn;
if (python) {
  writeFileSync(
    join(dir, 'sk.py'),
    `import sys, pandas as pd
from sklearn import metrics as m
d = pd.read_csv(sys.argv[1])
t, p, s = d.y_true, d.y_pred, d.y_score
r = dict(accuracy=m.accuracy_score(t, p), precision=m.precision_score(t, p), recall=m.recall_score(t, p),
         f1=m.f1_score(t, p), roc_auc=m.roc_auc_score(t, s), log_loss=m.log_loss(t, s),
         balanced_accuracy=m.balanced_accuracy_score(t, p), cm=m.confusion_matrix(t, p).tolist())
print(r)
`,
  );
  sklearn = await best(3, python, [join(dir, 'sk.py'), predictions], { OPENBLAS_NUM_THREADS: '1' });
}
row(
  `metrics from ${rows.toLocaleString('en')} predictions`,
  fromPredictions,
  sklearn,
  python ? 'pandas + scikit-learn' : 'scikit-learn not installed',
);

// 3. The paired bootstrap (1000 resamples) on 100k rows.
const small = join(dir, 'small.csv');
const smallBase = join(dir, 'small-base.csv');
generateBinaryPredictions(small, 100_000, 2, 0.8);
generateBinaryPredictions(smallBase, 100_000, 2, 0.78);
const bootstrap = await best(1, process.execPath, [
  cli,
  'validate-metrics',
  '--predictions',
  small,
  '--baseline-predictions',
  smallBase,
  '--rules',
  'f1 >= baseline if significant',
  '--json',
]);
const noBootstrap = await best(1, process.execPath, [
  cli,
  'validate-metrics',
  '--predictions',
  small,
  '--json',
]);
row('paired bootstrap, 100k rows × 1000 resamples', bootstrap, noBootstrap, 'same file without bootstrap');
if (process.env.BENCH_PROFILE !== '0')
  results.push(...(await (await import('./profile.mjs')).profileBenchmarks()));

console.table(results);
console.log(
  `node ${process.version}; ${existsSync('/proc/cpuinfo') ? (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '') : ''}`,
);
rmSync(dir, { recursive: true, force: true });

if (process.env.BENCH_STORE !== '0') {
  console.log('\ncontent store (bench/store.mjs):');
  execFileSync(process.execPath, [join(root, 'bench', 'store.mjs')], { stdio: 'inherit' });
}

if (process.env.BENCH_ROLLBACK !== '0') {
  console.log('\nrollback (bench/rollback.mjs):');
  execFileSync(process.execPath, [join(root, 'bench', 'rollback.mjs')], { stdio: 'inherit' });
}

if (process.env.BENCH_TRAIN !== '0') {
  console.log('\ntrain (bench/train.mjs):');
  execFileSync(process.execPath, [join(root, 'bench', 'train.mjs')], { stdio: 'inherit' });
}
