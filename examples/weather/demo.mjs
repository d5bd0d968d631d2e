#!/usr/bin/env node
// `npm run demo`: the whole MCP loop on this laptop, with the local platform (records on the
// mcp-meta branch of a local git repository with a bare remote, blobs in the local content store),
// driving the mcp CLI as a user would:
//   data v1 → train → gate → register + promote → serve → new data → drift flagged → retrain →
//   gate against production (paired bootstrap) → register → canary rollout → a bad version
//   rolled back on its own → a manual rollback → audit chain verified, lineage printed.
// Options: --fast (half the days, a smaller forest, short bake times: for tests), --every <n>
// (keep every n-th day), --workdir <dir> (default: a new temp dir, kept), --summary <file> (the
// steps and their outputs as JSON), --verbose (show every command's log).
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Progress } from './progress.mjs';
import { startTraffic } from './traffic.mjs';

const here = import.meta.dirname;
const repoRoot = join(here, '..', '..');
const cli = join(repoRoot, 'dist', 'cli', 'index.js');

const { values: options } = parseArgs({
  options: {
    fast: { type: 'boolean', default: false },
    every: { type: 'string' },
    workdir: { type: 'string' },
    summary: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const every = Number(options.every ?? (options.fast ? 2 : 1));
const scale = options.fast
  ? { trees: 12, interval: '1s', count: 1, steps: '25,100', window: 1500 }
  : { trees: 40, interval: '2s', count: 2, steps: '10,50,100', window: 3000 };

const root = options.workdir ?? mkdtempSync(join(tmpdir(), 'mcp-demo-'));
if (existsSync(join(root, 'weather'))) {
  process.stderr.write(`error: --workdir ${root} already holds a demo; give a new or empty directory\n`);
  process.exit(2);
}
const project = join(root, 'weather');
const origin = join(root, 'origin.git');
const logs = join(root, 'logs');
const serving = join(root, 'serving');
mkdirSync(logs, { recursive: true });

// The local platform: none of a CI's variables may leak in when the demo itself runs in CI.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(GITHUB_|GITLAB_|CI_|INPUT_|RUNNER_)/.test(k) && k !== 'CI'),
);
Object.assign(env, {
  GIT_AUTHOR_NAME: 'Demo User',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Demo User',
  GIT_COMMITTER_EMAIL: 'demo@example.com',
  USER: env.USER ?? 'demo',
});

const progress = new Progress({ total: 17, verbose: options.verbose });
const summary = { workdir: root, project, steps: [] };
const processes = [];

/** Runs `mcp <args>` in the project; outputs parsed from --json (actions) or stdout as text. */
function mcp(args, { json = true, log } = {}) {
  return run(process.execPath, [cli, ...args, ...(json ? ['--json'] : [])], { cwd: project, log }).then(
    (r) => {
      let outputs = {};
      if (json) {
        try {
          outputs = JSON.parse(r.stdout.trim().split('\n').at(-1) || '{}');
        } catch {
          outputs = {};
        }
      }
      return { ...r, outputs };
    },
  );
}

function run(command, args, { cwd = project, log } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      progress.output(String(d));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (log)
        writeFileSync(join(logs, `${log}.log`), `$ ${[command, ...args].join(' ')}\n${stderr}${stdout}`);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** One step of the loop: shown with the progress display, recorded in the summary. */
async function step(id, title, body) {
  progress.start(title);
  const started = performance.now();
  try {
    const result = (await body()) ?? {};
    const seconds = (performance.now() - started) / 1000;
    progress.done(result.line ?? '', seconds);
    summary.steps.push({ id, title, status: 'done', seconds, ...result.record });
    return result;
  } catch (error) {
    progress.fail(error.message);
    summary.steps.push({ id, title, status: 'failed', error: error.message });
    throw error;
  }
}

function expectCode(result, codes, what) {
  if (!codes.includes(result.code)) {
    const tail = result.stderr.trim().split('\n').slice(-6).join('\n');
    throw new Error(`${what} exited with ${result.code}:\n${tail}`);
  }
}

async function git(...args) {
  const r = await run('git', args, { cwd: project });
  expectCode(r, [0], `git ${args[0]}`);
  return r.stdout.trim();
}

async function startProcess(script, args, name) {
  const child = spawn(process.execPath, [join(project, script), ...args], {
    cwd: project,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.push(child);
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).port);
    });
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}: ${err}`)));
  });
  return `http://127.0.0.1:${port}`;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

function stopAll() {
  for (const child of processes) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});

// ─── the loop ───────────────────────────────────────────────────────────────────────────────
const train = (data, extra = []) =>
  mcp(
    [
      'train',
      '--name',
      'weather',
      '--command',
      'node train.mjs --model-dir model',
      '--data',
      data,
      '--outputs',
      'model/',
      '--outputs',
      'predictions.csv',
      '--metrics',
      'metrics.json',
      '--params',
      `n_estimators=${scale.trees}`,
      ...extra,
    ],
    { log: `train-${data.replace('@', '-v')}${extra.length ? '-b' : ''}` },
  );

const state = { versions: {}, router: null, servers: {} };
let traffic;

try {
  await step('setup', 'A git repository with a bare remote, and the example project in it', async () => {
    await run('git', ['init', '-q', '--bare', '-b', 'main', origin], { cwd: root });
    mkdirSync(project, { recursive: true });
    for (const file of [
      'data.mjs',
      'model.mjs',
      'train.mjs',
      'evaluate.mjs',
      'prepare.mjs',
      'serve.mjs',
      'router.mjs',
      'traffic.mjs',
      'README.md',
    ]) {
      copyFileSync(join(here, file), join(project, file));
    }
    cpSync(join(here, '.github'), join(project, '.github'), { recursive: true });
    // The example's dependencies (ml-random-forest, papaparse, vega-datasets) from this checkout.
    symlinkSync(join(repoRoot, 'node_modules'), join(project, 'node_modules'), 'dir');
    writeFileSync(join(project, '.gitignore'), 'node_modules\n.mcp/\ndata/\nmodel/\n*.csv\nmetrics.json\n');
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'Weather example');
    await git('remote', 'add', 'origin', origin);
    await git('push', '-q', 'origin', 'main');
    return { line: project };
  });

  const versionData = async (years, message) => {
    const prepared = await run(process.execPath, [
      'prepare.mjs',
      '--years',
      years,
      '--out',
      'data/weather.csv',
      '--every',
      String(every),
    ]);
    expectCode(prepared, [0], 'prepare.mjs');
    const r = await mcp(['version-data', '--path', 'data/', '--name', 'weather', '--message', message], {
      log: `version-data-${years}`,
    });
    expectCode(r, [0], 'mcp version-data');
    await git('add', 'weather.data.json');
    await git('commit', '-q', '-m', `Data: weather v${r.outputs.version} (${years})`);
    await git('push', '-q', 'origin', 'main');
    return r.outputs;
  };

  await step('data-v1', 'Version the data: 2012–2013 as weather v1', async () => {
    const out = await versionData('2012-2013', 'Seattle weather 2012–2013');
    state.data1 = out.version;
    return { line: `weather v${out.version}, digest ${out.digest.slice(0, 12)}…`, record: { outputs: out } };
  });

  await step('train-v1', 'Train on weather v1', async () => {
    const r = await train(`weather@${state.data1}`);
    expectCode(r, [0], 'mcp train');
    state.run1 = r.outputs['run-id'];
    keepModel('run1');
    const m = JSON.parse(r.outputs.metrics);
    return {
      line: `run ${state.run1}: accuracy ${m.accuracy.toFixed(3)}, macro-F1 ${m.f1_macro.toFixed(3)}`,
      record: { outputs: r.outputs },
    };
  });

  await step('gate-v1', 'Gate: the first model must clear the bar', async () => {
    const r = await mcp(
      [
        'validate-metrics',
        '--title',
        'Weather model',
        '--predictions',
        'predictions.csv',
        '--rules',
        'f1_macro >= 0.30',
        '--rules',
        'accuracy >= 0.60',
      ],
      { log: 'gate-v1' },
    );
    expectCode(r, [0, 1], 'mcp validate-metrics');
    return { line: verdict(r), record: { code: r.code, outputs: r.outputs } };
  });

  await step('register-v1', 'Register the model and promote it to production', async () => {
    const r = await mcp(['register-model', '--name', 'weather', '--run-id', state.run1, '--bump', 'patch'], {
      log: 'register-v1',
    });
    expectCode(r, [0], 'mcp register-model');
    state.versions.first = r.outputs.version.replace(/^v/, '');
    const p = await mcp(['promote', `weather@${state.versions.first}`, '--stage', 'production'], {
      json: false,
      log: 'promote-v1',
    });
    expectCode(p, [0], 'mcp promote');
    cpSync(join(serving, 'run1'), join(serving, state.versions.first), { recursive: true });
    return { line: `${r.outputs.tag} → production`, record: { outputs: r.outputs } };
  });

  await step('serve', 'Serve it: a model server and the weighted router in front', async () => {
    const v = state.versions.first;
    // Every version answers the same replay days, so the canary can compare their predictions.
    copyFileSync(join(project, 'data', 'weather.csv'), join(serving, 'replay.csv'));
    state.servers[v] = await startProcess(
      'serve.mjs',
      ['--model', join(serving, v, 'model.json'), '--version', v, '--replay', join(serving, 'replay.csv')],
      `server ${v}`,
    );
    state.router = await startProcess(
      'router.mjs',
      ['--backend', `${v}=${state.servers[v]}`, '--stable', v],
      'router',
    );
    traffic = startTraffic(state.router, join(project, 'data', 'weather.csv'), { rps: 40 });
    return { line: `router ${state.router} → ${v} (100%), traffic 40 req/s` };
  });

  await step('data-v2', 'New data arrives: 2014–2015 as weather v2', async () => {
    const out = await versionData('2014-2015', 'Seattle weather 2014–2015');
    state.data2 = out.version;
    const diff = JSON.parse(out.diff ?? '{}');
    return {
      line: `weather v${out.version}: +${diff.rowsAdded} −${diff.rowsRemoved} rows against v${diff.against}`,
      record: { outputs: out },
    };
  });

  await step('drift', 'Drift check: weather v2 against v1, the production model’s data', async () => {
    const r = await mcp(
      [
        'validate-data',
        '--reference',
        `weather@${state.data1}`,
        '--current',
        `weather@${state.data2}`,
        // No rules: the gate fails when any column drifted (after the multiple-testing correction).
        '--trigger',
        'release.yml',
      ],
      { log: 'validate-data' },
    );
    expectCode(r, [0, 1], 'mcp validate-data');
    return {
      line: `${r.code === 1 ? 'drift found' : 'no drift'}: ${r.outputs['drifted-columns'] ?? '[]'} → retrain`,
      record: { code: r.code, outputs: r.outputs },
    };
  });

  await step('train-v2', 'Retrain on weather v2', async () => {
    const r = await train(`weather@${state.data2}`);
    expectCode(r, [0], 'mcp train');
    state.run2 = r.outputs['run-id'];
    keepModel('run2');
    const m = JSON.parse(r.outputs.metrics);
    return {
      line: `run ${state.run2}: accuracy ${m.accuracy.toFixed(3)}, macro-F1 ${m.f1_macro.toFixed(3)}`,
      record: { outputs: r.outputs },
    };
  });

  await step('gate-v2', 'Gate against production on the same test days (paired bootstrap)', async () => {
    // The production model scored on the candidate's test days: the pairs the bootstrap resamples.
    const production = join(serving, state.versions.first);
    const e = await run(process.execPath, [
      'evaluate.mjs',
      '--model',
      join(production, 'model.json'),
      '--data',
      'data',
      '--predictions',
      'production-predictions.csv',
    ]);
    expectCode(e, [0], 'evaluate.mjs');
    state.productionScore = e.stdout.trim().replace(/^.*?: /, '');
    const r = await mcp(
      [
        'validate-metrics',
        '--title',
        'Weather model vs production',
        '--predictions',
        'predictions.csv',
        '--baseline-predictions',
        'production-predictions.csv',
        '--rules',
        'f1_macro >= 0.30',
        '--rules',
        'f1_macro >= baseline - 0.01 if significant',
        '--rules',
        'accuracy >= baseline - 0.01 if significant',
      ],
      { log: 'gate-v2' },
    );
    expectCode(r, [0, 1], 'mcp validate-metrics');
    const m = JSON.parse(r.outputs.metrics ?? '{}');
    return {
      line: `${verdict(r)}: accuracy ${m.accuracy?.toFixed(3)}, macro-F1 ${m.f1_macro?.toFixed(3)}; production ${state.productionScore}\n        report: ${join(project, r.outputs.report ?? '')}`,
      record: { code: r.code, outputs: r.outputs },
    };
  });

  await step('register-v2', 'Register the retrained model', async () => {
    state.versions.second = await register(state.run2, 'run2');
    return {
      line: `weather v${state.versions.second} → staging`,
      record: { version: state.versions.second },
    };
  });

  await step('canary-v2', 'Canary rollout of the retrained model', async () => {
    const v = state.versions.second;
    await addServer(v, []);
    const r = await canary(v, 'canary-v2');
    return {
      line: `${r.outputs.outcome}: serving ${r.outputs['stable-version']}`,
      record: { code: r.code, outputs: r.outputs },
    };
  });

  await step('bad', 'A bad build: trained, gated, registered, served with 30% errors', async () => {
    const r = await train(`weather@${state.data2}`, ['--params', 'seed=7']);
    expectCode(r, [0], 'mcp train');
    keepModel('run3');
    const gate = await mcp(
      [
        'validate-metrics',
        '--title',
        'Weather model',
        '--metrics',
        'metrics.json',
        '--rules',
        'f1_macro >= 0.30',
      ],
      { log: 'gate-bad' },
    );
    expectCode(gate, [0], 'mcp validate-metrics');
    state.versions.bad = await register(r.outputs['run-id'], 'run3');
    await addServer(state.versions.bad, ['--error-rate', '0.3']);
    return {
      line: `weather v${state.versions.bad} passes the offline gate; its server fails 30% of requests`,
      record: { version: state.versions.bad },
    };
  });

  await step('canary-bad', 'Canary rollout of the bad build: rolled back on its own', async () => {
    const r = await canary(state.versions.bad, 'canary-bad');
    return {
      line: `${r.outputs.outcome}: serving ${r.outputs['stable-version']}`,
      record: { code: r.code, outputs: r.outputs },
    };
  });

  await step('rollback', 'Manual rollback to the previous good version', async () => {
    const r = await mcp(
      ['rollback', '--environment', 'production', '--reason', 'demo: back to the first model'],
      { log: 'rollback' },
    );
    expectCode(r, [0], 'mcp rollback');
    const split = await (await fetch(`${state.router}/admin/traffic`)).json();
    return {
      line: `${r.outputs.outcome}: serving ${r.outputs['stable-version']} (router: ${split.stable})`,
      record: { outputs: r.outputs, router: split },
    };
  });

  await step('audit', 'Audit: the hash chain of every write verifies', async () => {
    const r = await mcp(['audit', 'verify'], { json: false, log: 'audit-verify' });
    expectCode(r, [0], 'mcp audit verify');
    return { line: (r.stdout || r.stderr).trim().split('\n').at(-1), record: { code: r.code } };
  });

  await step('lineage', 'Lineage: data → run → model', async () => {
    const target = `weather@v${state.versions.second}`;
    const r = await mcp(['lineage', target], { json: false, log: 'lineage' });
    expectCode(r, [0], 'mcp lineage');
    return { line: target, record: { lineage: r.stdout }, lineage: r.stdout };
  }).then((result) => {
    if (result?.lineage) progress.block(result.lineage);
  });
} catch {
  process.exitCode = 1;
} finally {
  if (traffic) summary.traffic = await traffic.stop();
  // Every weight change the router received, for whoever checks what users were served when.
  if (state.router) summary.routerHistory = await (await fetch(`${state.router}/admin/history`)).json();
  stopAll();
  progress.end([
    `Reports: ${join(project, '.mcp', 'reports')} (markdown, as in a PR comment), ${join(project, '.mcp', 'summary.md')} (the job summary)`,
    `Records: the mcp-meta branch of ${origin} (git log mcp-meta), command logs in ${logs}`,
  ]);
  if (options.summary) writeFileSync(options.summary, `${JSON.stringify(summary, null, 2)}\n`);
}

// ─── helpers of the loop ────────────────────────────────────────────────────────────────────
function keepModel(name) {
  // What a deployment would download from the release: the model file, kept per version.
  mkdirSync(join(serving, name), { recursive: true });
  copyFileSync(join(project, 'model', 'model.json'), join(serving, name, 'model.json'));
}

async function register(runId, kept) {
  const r = await mcp(
    ['register-model', '--name', 'weather', '--run-id', runId, '--bump', 'patch', '--stage', 'staging'],
    { log: `register-${kept}` },
  );
  expectCode(r, [0], 'mcp register-model');
  const version = r.outputs.version.replace(/^v/, '');
  cpSync(join(serving, kept), join(serving, version), { recursive: true });
  return version;
}

async function addServer(version, extra) {
  state.servers[version] = await startProcess(
    'serve.mjs',
    [
      '--model',
      join(serving, version, 'model.json'),
      '--version',
      version,
      '--replay',
      join(serving, 'replay.csv'),
      ...extra,
    ],
    `server ${version}`,
  );
  await post(`${state.router}/admin/backends`, { version, url: state.servers[version] });
}

async function canary(version, log) {
  const r = await mcp(
    [
      'deploy-canary',
      '--model',
      'weather',
      '--version',
      version,
      '--environment',
      'production',
      '--steps',
      scale.steps,
      '--interval',
      scale.interval,
      '--count',
      String(scale.count),
      '--provider',
      'http',
      '--router-url',
      `${state.router}/admin/traffic`,
      '--analysis',
      'http',
      '--canary-url',
      `${state.router}/backends/{version}/metrics?window=${scale.window}`,
      '--stable-url',
      `${state.router}/backends/{stable_version}/metrics?window=${scale.window}`,
      '--success',
      'canary.error_rate < 0.05',
      '--success',
      'canary.p95_ms <= stable.p95_ms * 3 + 50',
      '--success',
      'agreement(canary.replay, stable.replay) >= 0.75',
      '--promote-stage',
      'production',
      '--wait',
      '0s',
    ],
    { log },
  );
  expectCode(r, [0, 1], 'mcp deploy-canary');
  return r;
}

function verdict(r) {
  const failed = JSON.parse(r.outputs['failed-rules'] ?? '[]');
  return r.code === 0 ? 'passed' : `failed: ${failed.join('; ')}`;
}
