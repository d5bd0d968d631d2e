import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ActionsArtifactsEmulator,
  startActionsArtifactsEmulator,
} from '../../../../test/emulators/actions-artifacts';
import { GitHubArtifacts } from './github-artifacts';

// @actions/artifact reads the runner's variables from the process environment: each test file
// runs in a process of its own, and these are put back after every test.
const RUNNER_VARIABLES = [
  'ACTIONS_RESULTS_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'GITHUB_SERVER_URL',
  'GITHUB_WORKSPACE',
];
let saved: Record<string, string | undefined>;
let results: ActionsArtifactsEmulator;
let dir: string;
let log: string[];

beforeEach(async () => {
  saved = Object.fromEntries(RUNNER_VARIABLES.map((name) => [name, process.env[name]]));
  results = await startActionsArtifactsEmulator();
  dir = await mkdtemp(join(tmpdir(), 'mcp-artifacts-'));
  log = [];
  process.env.ACTIONS_RESULTS_URL = results.url;
  process.env.GITHUB_SERVER_URL = 'https://github.com';
  process.env.GITHUB_WORKSPACE = dir;
});

afterEach(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await results.close();
  await rm(dir, { recursive: true, force: true });
  expect(results.violations).toEqual([]);
});

/** What a step of job `job` in workflow run `run` sees. */
function inJob(run: string, job: string): GitHubArtifacts {
  process.env.ACTIONS_RUNTIME_TOKEN = results.runtimeToken(run, job);
  return new GitHubArtifacts((line) => log.push(line));
}

async function files(names: Record<string, Buffer>): Promise<{ root: string; paths: string[] }> {
  const root = join(dir, `up-${randomBytes(3).toString('hex')}`);
  await mkdir(root, { recursive: true });
  const paths: string[] = [];
  for (const [name, bytes] of Object.entries(names)) {
    await writeFile(join(root, name), bytes);
    paths.push(join(root, name));
  }
  return { root, paths };
}

describe('GitHubArtifacts (the results service emulator)', () => {
  it('hands files from one job to a later job of the same run, byte for byte', async () => {
    const big = randomBytes(9 * 1024 * 1024 + 17);
    const { root, paths } = await files({ a: big, b: Buffer.from('small') });
    const uploaded = await inJob('run-1', 'prepare').upload('hand-off', paths, root);
    expect(uploaded.id).toBeGreaterThan(0);
    // Zipped at level 1: random bytes do not shrink, and the zip adds its headers.
    expect(uploaded.size).toBeGreaterThan(big.length);
    expect(results.artifacts).toEqual([
      expect.objectContaining({ name: 'hand-off', finalized: true, mimeType: 'application/zip' }),
    ]);
    // More than one block: the 8 MiB blocks of the upload were committed in order.
    expect(results.requests.filter((r) => r.operation === 'blob:block')).toHaveLength(2);

    const into = join(dir, 'down');
    expect(await inJob('run-1', 'train').download('hand-off', into)).toBe(true);
    expect((await readdir(into)).sort()).toEqual(['a', 'b']);
    expect((await readFile(join(into, 'a'))).equals(big)).toBe(true);
    expect(await readFile(join(into, 'b'), 'utf8')).toBe('small');
    // The library's progress lines reach the platform's log, not stdout (the CLI's is for --json).
    expect(log).toEqual(
      expect.arrayContaining([
        'Artifact hand-off successfully finalized. Artifact ID 9001',
        'Artifact download completed successfully.',
      ]),
    );
  });

  it('finds nothing in another run, and refuses a second artifact of the same name in one run', async () => {
    const { root, paths } = await files({ x: Buffer.from('x') });
    await inJob('run-1', 'prepare').upload('once', paths, root);
    expect(await inJob('run-2', 'train').download('once', join(dir, 'other'))).toBe(false);
    await expect(inJob('run-1', 'again').upload('once', paths, root)).rejects.toThrow(/409/);
    expect(results.artifacts.filter((a) => a.finalized)).toHaveLength(1);
  });
});
