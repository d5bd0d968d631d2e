// The train action's bundle run as the GitHub runner runs it (INPUT_*, GITHUB_*, file commands),
// on real git with a bare remote, a local content store and real training processes.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { modelDigest } from '@mcp/core';
import { describe, expect, it } from 'vitest';
import { startGitHubEmulator } from '../emulators/github';
import { git, repoWithRemote } from '../helpers/git';
import { actionInputs, readGitHubOutputs, repoRoot, runNode } from '../helpers/run';

const BUNDLE = 'dist/train/index.js';
const CLI = 'dist/cli/index.js';
const weatherCsv = join(repoRoot, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv');
const trainWeather = join(repoRoot, 'test', 'fixtures', 'train', 'train-weather.mjs');

function project() {
  const { root, origin, work } = repoWithRemote({
    '.gitignore': '.mcp/\nmodel/\ndata/\nruns.log\npids\n',
    'train.md': 'Seattle weather, a CART tree.\n',
  });
  return { root, origin, work, store: `local:${join(root, 'store')}` };
}

/** The runner's environment for one step of the train action in `work`. */
function runnerEnv(work: string, inputs: Record<string, string>, step = 'step') {
  const files = join(work, '..', `${step}-files`);
  mkdirSync(files, { recursive: true });
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: work,
    GITHUB_REPOSITORY: 'org/weather',
    GITHUB_RUN_ID: '4242',
    GITHUB_SHA: git(work, 'rev-parse', 'HEAD'),
    GITHUB_ACTOR: 'octocat',
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STEP_SUMMARY: join(files, 'summary.md'),
    ...actionInputs('train', inputs),
  };
}

async function trainStep(work: string, inputs: Record<string, string>, step = 'step', path?: string) {
  const env = { ...runnerEnv(work, inputs, step), ...(path ? { PATH: path } : {}) };
  const run = await runNode(BUNDLE, [], { cwd: work, env });
  const outputs = existsSync(env.GITHUB_OUTPUT) ? readGitHubOutputs(env.GITHUB_OUTPUT) : {};
  const summary = existsSync(env.GITHUB_STEP_SUMMARY) ? readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8') : '';
  rmSync(join(work, '..', `${step}-files`), { recursive: true, force: true });
  return { ...run, outputs, summary };
}

function runFiles(origin: string, name: string): string[] {
  try {
    return git(origin, 'ls-tree', '--name-only', `mcp-meta:runs/${name}`).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

describe('train action bundle (GitHub runner environment, local store)', () => {
  it('trains on a pulled data version, records the run, then restores it from the run cache', async () => {
    const { origin, work, store } = project();
    mkdirSync(join(work, 'data'));
    copyFileSync(weatherCsv, join(work, 'data', 'seattle-weather.csv'));
    const versioned = await runNode(
      CLI,
      ['version-data', '--path', 'data', '--name', 'weather', '--store', store],
      {
        cwd: work,
        env: {},
      },
    );
    expect(versioned.code, versioned.stderr).toBe(0);
    rmSync(join(work, 'data'), { recursive: true });

    const inputs = {
      command: `node ${trainWeather} model/tree.json metrics.json`,
      name: 'weather',
      data: 'weather@1',
      params: 'max_depth=5\nseed=3',
      outputs: 'model/tree.json',
      metrics: 'metrics.json',
      store,
    };
    const first = await trainStep(work, inputs);
    expect(first.code, first.stdout).toBe(0);
    expect(first.stdout).toContain('::group::Training command (weather)');
    expect(first.stdout).toMatch(/trained on 1096 days, tested on 365: accuracy 0\.\d+\n::endgroup::/);
    expect(first.outputs['cache-hit']).toBe('false');
    const metrics = JSON.parse(first.outputs.metrics ?? '');
    expect(metrics.accuracy).toBeGreaterThan(0.6);
    const outputs = JSON.parse(first.outputs.outputs ?? '');
    expect(outputs.map((o: { path: string }) => o.path)).toEqual(['metrics.json', 'model/tree.json']);
    // The registry's identity of the model file, so register-model --run-id finds the same digest.
    expect(first.outputs['model-digest']).toBe(modelDigest([outputs[1]]));
    expect(first.summary).toContain(
      `### Training run weather <code>${first.outputs['run-id']}</code>: succeeded`,
    );

    const record = JSON.parse(git(origin, 'show', `mcp-meta:runs/weather/${first.outputs['run-id']}.json`));
    expect(record).toMatchObject({
      actor: 'octocat',
      runUrl: 'https://github.com/org/weather/actions/runs/4242',
      params: { max_depth: 5, seed: 3 },
      data: [{ name: 'weather', number: 1, path: 'data' }],
      modelDigest: first.outputs['model-digest'],
    });

    rmSync(join(work, 'model'), { recursive: true });
    const second = await trainStep(work, inputs);
    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs['cache-hit']).toBe('true');
    expect(second.outputs.metrics).toBe(first.outputs.metrics);
    expect(second.stdout).not.toContain('trained on');
    expect(second.summary).toContain('(cache hit): the command did not run');
    expect(readFileSync(join(work, 'model', 'tree.json')).length).toBe(outputs[1].size);

    const verify = await runNode(CLI, ['audit', 'verify'], { cwd: work, env: {} });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/audit log intact: 3 events/);
  }, 120_000);

  it('fails the step with the exit code of a failing command, and exits 2 on bad input', async () => {
    const { origin, work, store } = project();
    const failed = await trainStep(work, {
      command: 'echo "out of memory" >&2; exit 3',
      name: 'broken',
      store,
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('out of memory');
    expect(failed.stdout).toMatch(/::error::train: the command failed with exit code 3; run \S+ recorded/);
    expect(runFiles(origin, 'broken')).toHaveLength(1);

    const bad = await trainStep(work, { command: 'true', timeout: '5 minutes', store });
    expect(bad.code).toBe(2);
    // The job token is masked first, as every action with a token input does.
    expect(bad.stdout.trim().split('\n')).toEqual([
      '::add-mask::ghs_jobtoken000000000000',
      '::error::timeout: "5 minutes" is not a duration (e.g. 90s, 30m, 1h30m, or seconds; more than 0, at most 24 days)',
    ]);
  }, 60_000);

  it('SIGTERM to the action (the job cancelled) stops the command and its children, and nothing is recorded', async () => {
    const { origin, work, store } = project();
    const env = runnerEnv(work, { command: 'sleep 60 & echo $$ $! > pids; wait', name: 'cancelled', store });
    const child = spawn(process.execPath, [join(repoRoot, BUNDLE)], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stdout += d;
    });
    const exited = new Promise<string>((resolve) =>
      child.on('close', (code, signal) => resolve(`${code ?? signal}`)),
    );
    const pidsFile = join(work, 'pids');
    const until = Date.now() + 30_000;
    while (!existsSync(pidsFile) || readFileSync(pidsFile, 'utf8').trim().split(' ').length < 2) {
      if (Date.now() > until) throw new Error(`the command never started:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const pids = readFileSync(pidsFile, 'utf8').trim().split(' ').map(Number);
    expect(pids.every(alive)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited, stdout).toBe('1');
    expect(stdout).toContain('::error::cancelled by SIGTERM');
    for (const pid of pids) expect(alive(pid), `process ${pid} survived`).toBe(false);
    expect(runFiles(origin, 'cancelled')).toEqual([]);
  }, 60_000);

  it('sixteen concurrent train jobs against one bare remote record sixteen runs, one commit each', async () => {
    const { root, origin, store } = project();
    const clones = Array.from({ length: 16 }, (_, i) => {
      const dir = join(root, `job${i}`);
      git(root, 'clone', '-q', origin, dir);
      return dir;
    });
    const results = await Promise.all(
      clones.map((dir, i) =>
        trainStep(
          dir,
          {
            command: 'echo "$MCP_RUN_ID" > "$MCP_OUTPUT_DIR/model.txt"',
            name: 'sweep',
            params: `seed=${i}`,
            store,
          },
          `job${i}`,
          // Node and the system's tools only: sixteen pyenv shims at once would time themselves.
          `${dirname(process.execPath)}:/usr/bin:/bin`,
        ),
      ),
    );
    for (const result of results) expect(result.code, result.stdout).toBe(0);
    const ids = results.map((r) => r.outputs['run-id']);
    expect(new Set(ids).size).toBe(16);
    expect(runFiles(origin, 'sweep').sort()).toEqual(ids.map((id) => `${id}.json`).sort());
    // One commit per run (the branch's first commit included), never a force-push.
    expect(Number(git(origin, 'rev-list', '--count', 'mcp-meta'))).toBe(16);
    expect(git(origin, 'rev-list', '--merges', 'mcp-meta')).toBe('');
    const verify = await runNode(CLI, ['audit', 'verify'], { cwd: clones[0] as string, env: {} });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/audit log intact: 16 events/);
  }, 300_000);

  it('stores the outputs as release assets on GitHub; a cache hit in a fresh clone restores them through the API', async () => {
    const { root, origin, work } = project();
    const api = await startGitHubEmulator({ tokens: { ghs_jobtoken000000000000: 'write' } });
    try {
      const hosted = { GITHUB_API_URL: api.url, GITHUB_TOKEN: 'ghs_jobtoken000000000000' };
      const inputs = {
        // 3 MiB of model: more than one content-defined chunk.
        command: `node -e "const fs=require('fs');fs.mkdirSync('model',{recursive:true});const b=Buffer.alloc(3<<20);for(let i=0;i<b.length;i++)b[i]=(i*2654435761>>>13)&255;fs.writeFileSync('model/weights.bin',b);fs.writeFileSync('metrics.json',JSON.stringify({loss:0.25}))"`,
        name: 'hosted',
        params: 'lr=0.1',
        outputs: 'model/weights.bin',
        metrics: 'metrics.json',
        store: 'release',
      };
      const env = { ...runnerEnv(work, inputs), ...hosted };
      const first = await runNode(BUNDLE, [], { cwd: work, env });
      expect(first.code, first.stdout).toBe(0);
      expect(first.stdout).toContain('::add-mask::ghs_jobtoken000000000000');
      const outputs = readGitHubOutputs(env.GITHUB_OUTPUT);
      expect(outputs['cache-hit']).toBe('false');
      const uploads = api.requests.filter((r) => r.operationId === 'repos/upload-release-asset');
      expect(uploads.length).toBeGreaterThan(0);
      expect(api.state.releases.map((r) => [r.tagName, r.draft])).toEqual([['mcp-store', true]]);

      // Another runner: a fresh clone, nothing on disk, the same inputs → restored from the release.
      const fresh = join(root, 'fresh');
      git(root, 'clone', '-q', origin, fresh);
      const again = { ...runnerEnv(fresh, inputs, 'again'), ...hosted };
      const second = await runNode(BUNDLE, [], { cwd: fresh, env: again });
      expect(second.code, second.stdout).toBe(0);
      const restored = readGitHubOutputs(again.GITHUB_OUTPUT);
      expect(restored['cache-hit']).toBe('true');
      expect(restored['run-id']).not.toBe(outputs['run-id']);
      expect(
        readFileSync(join(fresh, 'model', 'weights.bin')).equals(
          readFileSync(join(work, 'model', 'weights.bin')),
        ),
      ).toBe(true);
      expect(JSON.parse(restored.metrics ?? '')).toEqual({ loss: 0.25 });
      expect(api.requests.filter((r) => r.url.startsWith('/_release-assets/')).length).toBeGreaterThan(0);
      // The token shows once, in the mask command that hides it from the log.
      for (const log of [first.stdout, second.stdout])
        expect(log.split('ghs_jobtoken000000000000').length).toBe(2);
      expect(api.violations).toEqual([]);
    } finally {
      await api.close();
    }
  }, 120_000);
});
