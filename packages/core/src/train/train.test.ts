// The train action on real git repositories with a bare remote, the local content store and
// real child processes, through runAction as the entries call it.
import { EventEmitter } from 'node:events';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repoWithRemote } from '../../../../test/helpers/git';
import { type Action, defineAction, runAction } from '../action';
import { auditEventPath } from '../audit';
import { versionDataAction } from '../data';
import { LocalPlatform } from '../platform';
import { modelDigest } from '../registry/record';
import type { Cancel } from './command';
import { RunRecord } from './record';
import { trainSpec } from './spec';
import { type TrainProcess, train } from './train';

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');
const weatherCsv = join(repoRoot, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv');
const trainWeather = join(repoRoot, 'test', 'fixtures', 'train', 'train-weather.mjs');

async function platformIn(work: string, inputs: Record<string, string>, lines: string[]) {
  return LocalPlatform.create({
    env: { USER: 'tester' },
    cwd: work,
    inputs,
    log: (line) => lines.push(line),
  });
}

async function runTrain(work: string, inputs: Record<string, string>, proc: Partial<TrainProcess> = {}) {
  const lines: string[] = [];
  const action = defineAction({
    spec: trainSpec,
    run: (platform, given) => train(platform, given, { env: process.env, graceMs: 500, ...proc }),
  });
  const platform = await platformIn(work, inputs, lines);
  const code = await runAction(action as unknown as Action, platform);
  return { code, lines, text: lines.join('\n'), outputs: platform.outputs() };
}

async function versionData(work: string, inputs: Record<string, string>) {
  const lines: string[] = [];
  const code = await runAction(versionDataAction as unknown as Action, await platformIn(work, inputs, lines));
  expect(code, lines.join('\n')).toBe(0);
}

function records(origin: string, name: string): RunRecord[] {
  const listed = git(origin, 'ls-tree', '--name-only', `mcp-meta:runs/${name}`);
  return listed
    .split('\n')
    .filter(Boolean)
    .map((file) => RunRecord.parse(JSON.parse(git(origin, 'show', `mcp-meta:runs/${name}/${file}`))));
}

function cacheEntries(origin: string): string[] {
  try {
    return git(origin, 'ls-tree', '--name-only', 'mcp-meta:runs-cache').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** A project as a CI checkout has it: code, a lock file, `.mcp/` ignored. */
function project(files: Record<string, string> = {}) {
  return repoWithRemote({
    '.gitignore': '.mcp/\nmodel/\nruns.log\n',
    'config.txt': 'layers: 2\n',
    'package-lock.json': '{"lockfileVersion": 3}\n',
    ...files,
  });
}

describe('train (real git, local store, real processes)', () => {
  it('trains a decision tree on versioned Seattle weather, records the run, and restores it on a cache hit', async () => {
    const { origin, work } = project({ 'params.yaml': 'max_depth: 3\nseed: 7\n' });
    mkdirSync(join(work, 'data'));
    copyFileSync(weatherCsv, join(work, 'data', 'seattle-weather.csv'));
    await versionData(work, { path: 'data', name: 'weather' });
    rmSync(join(work, 'data'), { recursive: true });

    const inputs = {
      command: `node ${trainWeather} model/tree.json metrics.json && echo ran >> runs.log`,
      name: 'weather',
      data: 'weather@latest',
      params: 'params.yaml\nmax_depth=4',
      outputs: 'model/tree.json',
      metrics: 'metrics.json',
    };
    const first = await runTrain(work, inputs);
    expect(first.code, first.text).toBe(0);
    expect(first.text).toContain('cache miss');
    expect(first.text).toMatch(/trained on 1096 days, tested on 365: accuracy 0\.\d+/);
    expect(readFileSync(join(work, 'data', 'seattle-weather.csv'))).toEqual(readFileSync(weatherCsv));

    const [run] = records(origin, 'weather');
    expect(run).toMatchObject({
      name: 'weather',
      commit: git(work, 'rev-parse', 'HEAD'),
      dirty: false,
      exitCode: 0,
      cachedFrom: null,
      params: { max_depth: 4, seed: 7 },
      data: [{ name: 'weather', number: 1, path: 'data' }],
      store: 'local:.mcp/store',
    });
    const model = readFileSync(join(work, 'model', 'tree.json'));
    expect(JSON.parse(model.toString()).params).toMatchObject({ max_depth: 4, seed: 7 });
    expect(run?.metrics.accuracy).toBeGreaterThan(0.6);
    expect(run?.metrics['rows.test']).toBe(365);
    expect(run?.outputs.map((o) => o.path)).toEqual(['metrics.json', 'model/tree.json']);
    expect(run?.peakMemoryBytes).toBeGreaterThan(10 * 1048576);
    expect(run?.environment.locks).toHaveProperty('package-lock.json');
    expect(run?.environment.versions.node).toBe(process.versions.node);
    expect(run?.environment.cpuCount).toBeGreaterThan(0);
    // The record, the cache entry and the audit event are one commit.
    expect(git(origin, 'show', '--name-only', '--format=', 'mcp-meta').split('\n').sort()).toEqual(
      [`runs/weather/${run?.id}.json`, `runs-cache/${run?.cacheKey}.json`, auditEventPath(2)].sort(),
    );

    rmSync(join(work, 'model'), { recursive: true });
    rmSync(join(work, 'metrics.json'));
    const second = await runTrain(work, inputs);
    expect(second.code, second.text).toBe(0);
    expect(second.text).toMatch(/cache hit: 2 outputs .* restored from run/);
    expect(readFileSync(join(work, 'runs.log'), 'utf8')).toBe('ran\n');
    expect(readFileSync(join(work, 'model', 'tree.json'))).toEqual(model);
    expect(existsSync(join(work, 'metrics.json'))).toBe(true);
    const hit = records(origin, 'weather').find((r) => r.id !== run?.id);
    expect(hit).toMatchObject({
      cachedFrom: run?.id,
      metrics: run?.metrics,
      outputs: run?.outputs,
      exitCode: 0,
    });
    const modelFiles = run?.outputs.filter((o) => o.path === 'model/tree.json') ?? [];
    expect(modelFiles).toHaveLength(1);
    expect(hit?.modelDigest).toBe(modelDigest(modelFiles));
    const summary = readFileSync(join(work, '.mcp', 'summary.md'), 'utf8');
    expect(summary).toContain('cache hit');
    expect(summary).toMatch(/\| model\/tree\.json \| \d\.\d KiB \| <code>[0-9a-f]{12}<\/code> \|/);
    expect(summary).toContain('| max\\_depth | <code>4</code> |');
  }, 120_000);

  it('misses when the command, params, data, a tracked file or a lock file changes, and hits when it all comes back', async () => {
    const { origin, work } = project();
    writeFileSync(join(work, 'rows.csv'), 'x\n1\n');
    await versionData(work, { path: 'rows.csv', name: 'rows' });
    const base = {
      command:
        'cat config.txt "$MCP_DATA_ROWS/rows.csv" > "$MCP_OUTPUT_DIR/result.txt"; echo "$MCP_RUN_ID" >> runs.log',
      name: 'sweep',
      data: 'rows',
      params: 'lr=0.1',
    };
    const ran = () => readFileSync(join(work, 'runs.log'), 'utf8').trim().split('\n').length;
    const hitOrMiss = async (inputs: Record<string, string>) => {
      const before = existsSync(join(work, 'runs.log')) ? ran() : 0;
      const result = await runTrain(work, inputs);
      expect(result.code, result.text).toBe(0);
      return ran() > before ? 'miss' : 'hit';
    };

    expect(await hitOrMiss(base)).toBe('miss');
    expect(await hitOrMiss(base)).toBe('hit');
    expect(await hitOrMiss({ ...base, command: `${base.command} # v2` })).toBe('miss');
    expect(await hitOrMiss({ ...base, params: 'lr=0.2' })).toBe('miss');
    // 0.1 written as 1e-1 is the same param.
    expect(await hitOrMiss({ ...base, params: 'lr=1e-1' })).toBe('hit');

    writeFileSync(join(work, 'config.txt'), 'layers: 3\n');
    const tracked = await runTrain(work, base);
    expect(tracked.text).toContain('cache miss');
    expect(tracked.text).toContain('the code changed since run');
    expect(records(origin, 'sweep').at(-1)?.dirty).toBe(true);
    // The same change committed is the same code.
    git(work, 'commit', '-qam', 'three layers');
    expect(await hitOrMiss(base)).toBe('hit');
    expect(records(origin, 'sweep').at(-1)?.dirty).toBe(false);

    appendFileSync(join(work, 'package-lock.json'), '\n');
    const lock = await runTrain(work, base);
    expect(lock.text).toContain('the code, the lock files changed since run');

    appendFileSync(join(work, 'rows.csv'), '2\n');
    await versionData(work, { path: 'rows.csv', name: 'rows' });
    const data = await runTrain(work, base);
    expect(data.text).toContain('the data changed since run');
    expect(records(origin, 'sweep').at(-1)?.data[0]?.number).toBe(2);
    // Back to v1: the run before the data changed had this very key.
    expect(await hitOrMiss({ ...base, data: 'rows@1' })).toBe('hit');
    expect(await hitOrMiss({ ...base, data: 'rows@2' })).toBe('hit');
    expect(await hitOrMiss({ ...base, data: 'rows@2', cache: 'false' })).toBe('miss');

    const runs = records(origin, 'sweep');
    expect(runs.filter((r) => r.cachedFrom === null)).toHaveLength(ran());
    // One cache entry per distinct key that succeeded.
    expect(cacheEntries(origin)).toHaveLength(new Set(runs.map((r) => r.cacheKey)).size);
  }, 180_000);

  it('with deps, only those files decide the code part of the key; tracked outputs never do', async () => {
    const { work } = project({
      'src/train.sh': 'echo v1\n',
      'README.md': 'hello\n',
      'metrics.json': '{"f1": 0}\n',
    });
    const inputs = {
      command: 'sh src/train.sh > model.txt; echo \'{"f1": 0.9}\' > metrics.json; echo x >> runs.log',
      name: 'deps',
      deps: 'src/**',
      outputs: 'model.txt',
      metrics: 'metrics.json',
    };
    const count = () => readFileSync(join(work, 'runs.log'), 'utf8').length / 2;
    expect((await runTrain(work, inputs)).code).toBe(0);
    // The run rewrote the tracked metrics.json: still the same key.
    expect((await runTrain(work, inputs)).outputs['cache-hit']).toBe('true');
    expect(count()).toBe(1);
    writeFileSync(join(work, 'README.md'), 'changed\n');
    await runTrain(work, inputs);
    expect(count()).toBe(1);
    writeFileSync(join(work, 'src', 'train.sh'), 'echo v2\n');
    await runTrain(work, inputs);
    expect(count()).toBe(2);
    expect(readFileSync(join(work, 'model.txt'), 'utf8')).toBe('v2\n');
  }, 120_000);

  it('a failing command fails the step with its exit code recorded, and is never a cache hit', async () => {
    const { origin, work } = project();
    const inputs = { command: 'echo trying >> runs.log; echo "bad things" >&2; exit 3', name: 'fails' };
    const first = await runTrain(work, inputs);
    expect(first.code).toBe(1);
    expect(first.text).toContain('bad things');
    expect(first.text).toMatch(/error: train: the command failed with exit code 3; run \S+ recorded/);
    await runTrain(work, inputs);
    expect(readFileSync(join(work, 'runs.log'), 'utf8')).toBe('trying\ntrying\n');
    expect(records(origin, 'fails').map((r) => r.exitCode)).toEqual([3, 3]);
    expect(cacheEntries(origin)).toEqual([]);

    const missing = await runTrain(work, { command: 'true', name: 'lost', outputs: 'model.bin' });
    expect(missing.code).toBe(1);
    expect(missing.text).toContain('outputs: "model.bin" matches no file after the command');
    expect(records(origin, 'lost')[0]).toMatchObject({
      exitCode: 0,
      problems: [expect.stringContaining('model.bin')],
    });
  }, 60_000);

  it('a timeout stops the command and everything it started, and the run is recorded as timed out', async () => {
    const { origin, work } = project();
    const started = Date.now();
    const result = await runTrain(work, {
      command: 'sleep 30 & echo $$ $! > pids; wait',
      name: 'slow',
      timeout: '1s',
    });
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.text).toContain('the command ran past the 1s timeout and was stopped');
    expect(records(origin, 'slow')[0]).toMatchObject({ timedOut: true, exitCode: 143 });
    for (const pid of readFileSync(join(work, 'pids'), 'utf8').trim().split(' ').map(Number)) {
      expect(alive(pid)).toBe(false);
    }
  }, 60_000);

  it('a cancelling signal stops the command and its children and records nothing', async () => {
    const { origin, work } = project();
    const signals = new EventEmitter<Record<Cancel, [Cancel]>>();
    const running = runTrain(
      work,
      { command: 'sleep 30 & echo $$ $! > pids; wait', name: 'cancel' },
      { signals },
    );
    const until = Date.now() + 20_000;
    while (
      !existsSync(join(work, 'pids')) ||
      readFileSync(join(work, 'pids'), 'utf8').split(' ').length < 2
    ) {
      if (Date.now() > until) throw new Error('the command never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    signals.emit('SIGTERM', 'SIGTERM');
    const result = await running;
    expect(result.code).toBe(1);
    expect(result.text).toContain('cancelled by SIGTERM');
    for (const pid of readFileSync(join(work, 'pids'), 'utf8').trim().split(' ').map(Number)) {
      expect(alive(pid)).toBe(false);
    }
    expect(() => git(origin, 'rev-parse', '--verify', '-q', 'mcp-meta:runs/cancel')).toThrow();
  }, 60_000);

  it('concurrent identical runs each record a run; the cache entry is written once', async () => {
    const { origin, root } = project();
    const clones = Array.from({ length: 4 }, (_, i) => {
      const dir = join(root, `clone${i}`);
      git(root, 'clone', '-q', origin, dir);
      return dir;
    });
    const results = await Promise.all(
      clones.map((dir) =>
        runTrain(dir, { command: 'echo same > out.txt', name: 'race', outputs: 'out.txt' }),
      ),
    );
    for (const result of results) expect(result.code, result.text).toBe(0);
    const runs = records(origin, 'race');
    expect(runs).toHaveLength(4);
    expect(new Set(runs.map((r) => r.cacheKey)).size).toBe(1);
    expect(cacheEntries(origin)).toEqual([`${runs[0]?.cacheKey}.json`]);
  }, 120_000);

  it.each([
    [
      { timeout: 'soon' },
      'error: timeout: "soon" is not a duration (e.g. 90s, 30m, 1h30m, or seconds; more than 0, at most 24 days)',
    ],
    [
      { params: 'learning rate' },
      'error: params: "learning rate" is neither key=value nor a .json/.yaml params file',
    ],
    [{ params: 'missing.yaml' }, 'error: params: cannot read the params file "missing.yaml"'],
    [{ data: 'weather@3' }, 'error: data: "weather@3": no versions of dataset "weather" on mcp-meta'],
    [
      { data: 'bad name@1' },
      'error: data: "bad name" is not a dataset name (letters, digits, ., _ and -, at most 100)',
    ],
    [{ outputs: '../model.bin' }, 'error: outputs: "../model.bin" is outside the workspace'],
    [{ deps: 'src/*.py' }, 'error: deps: "src/*.py" matches no file'],
    [
      { name: 'my model' },
      'error: name: "my model" is not a run name (letters, digits, ., _ and -, at most 100)',
    ],
    [{ cache: 'yes' }, 'error: cache: "yes" is not one of true, false'],
    [{ command: '' }, 'error: command: required by train but not given'],
  ])('bad input %j exits 2 with one line and writes nothing', async (bad, line) => {
    const { origin, work } = project();
    const result = await runTrain(work, { command: 'echo ran > ran.txt', ...bad });
    expect(result.code).toBe(2);
    expect(result.lines).toEqual([line]);
    expect(existsSync(join(work, 'ran.txt'))).toBe(false);
    expect(() => git(origin, 'rev-parse', '--verify', '-q', 'mcp-meta')).toThrow();
  });

  it('refuses to record a command holding a token, and escapes user text in the summary', async () => {
    const { origin, work } = project();
    const token = `ghp_${'a1'.repeat(18)}`;
    const secret = await runTrain(work, { command: `echo ${token} > /dev/null`, name: 'secret' });
    expect(secret.code).toBe(1);
    expect(secret.text).not.toContain(token);
    expect(() => git(origin, 'rev-parse', '--verify', '-q', 'mcp-meta:runs/secret')).toThrow();

    const shouting = await runTrain(work, {
      command: `echo '{"<img src=x>": 1, "a|b": 2}' > m.json`,
      name: 'escape',
      metrics: 'm.json',
    });
    expect(shouting.code, shouting.text).toBe(0);
    const summary = readFileSync(join(work, '.mcp', 'summary.md'), 'utf8');
    expect(summary).toContain('&lt;img src=x&gt;');
    expect(summary).toContain('a\\|b');
    expect(summary).not.toContain('<img');
  }, 60_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}
