// version-data killed (SIGKILL) mid-run and run again, as a cancelled CI job and its retry do:
// the CLI bundle as a real child process, real clones of one bare remote, local stores.
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvRows, noise } from '../../packages/core/src/store/test-data';
import { git, repoWithRemote } from '../helpers/git';
import { repoRoot, runNode } from '../helpers/run';

const CLI = 'dist/cli/index.js';
const mcp = (cwd: string, ...args: string[]) => runNode(CLI, args, { cwd, env: {} });
const versionArgs = (name: string) => [
  'version-data',
  ...['--path', 'data', '--name', name, '--store', 'local:store', '--json'],
];

/** When to kill a run: from its age in ms and its pid, polled every few ms. */
type Due = (ms: number, pid: number) => boolean;

/** Starts version-data and SIGKILLs it once `due` says so. Resolves when it is gone. */
function killWhen(cwd: string, name: string, due: Due): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(repoRoot, CLI), ...versionArgs(name)], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: 'ignore',
    });
    const poll = setInterval(() => {
      if (due(performance.now() - started, child.pid as number)) child.kill('SIGKILL');
    }, 2);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      resolve({ killed: signal === 'SIGKILL' });
    });
  });
}

/** Command lines of a process's children (Linux /proc), each as its arguments. */
function children(pid: number): string[][] {
  try {
    const pids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    return pids.filter(Boolean).map((c) => readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0'));
  } catch {
    return []; // gone meanwhile
  }
}

const listed = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

function versions(origin: string, name: string): string[] {
  const names = git(origin, 'ls-tree', '--name-only', `mcp-meta:data/${name}`).split('\n');
  return names.sort((a, b) => Number(a.slice(1, -5)) - Number(b.slice(1, -5)));
}

/** Every pack index the store lists has its pack: a reader never meets chunks it cannot fetch. */
function expectIndexesComplete(store: string) {
  const names = listed(store);
  for (const name of names.filter((n) => /^pack-[0-9a-f]{64}\.idx$/.test(n))) {
    expect(names).toContain(name.replace(/\.idx$/, '.pack'));
  }
}

/** New content for the next version: a fresh 6 MiB file (hashed and uploaded) and appended rows. */
function changeData(work: string, round: number) {
  writeFileSync(join(work, 'data', `part-${round}.bin`), noise(6 << 20, 1000 + round));
  appendFileSync(join(work, 'data', 'rows.csv'), csvRows(1_000_000 + round * 1000, 1000));
}

/** What a run leaves behind at each of its steps, and kill points made of them. */
function steps(work: string) {
  const store = join(work, 'store');
  const temp = join(work, '.mcp', 'cache', 'tmp');
  let known = new Set<string>();
  const fresh = (test: (name: string) => boolean) => listed(store).some((n) => !known.has(n) && test(n));
  return {
    store,
    temp,
    /** Objects in the store now are not news to the next run's checks. */
    remember: () => {
      known = new Set(listed(store));
    },
    packing: () => listed(temp).some((n) => n.startsWith('pack-')),
    packStored: () => fresh((n) => n.endsWith('.pack')),
    // The chunk lists are the last upload before the record is written.
    listsStored: () => fresh((n) => n.startsWith('blob-')),
    // The record's commit goes to the remote with a `git push` the run starts.
    pushing: (_ms: number, pid: number) => children(pid).some((args) => args.includes('push')),
  };
}

/**
 * One clone and one dataset: a first version, a timed run, then for each kill point a run
 * killed there and a run that must finish with exactly one new version. Returns the kill
 * points whose run ended before the kill came.
 */
async function killAndRerun(
  root: string,
  origin: string,
  name: string,
  kills: (at: ReturnType<typeof steps>, hashed: number) => [string, Due][],
): Promise<string[]> {
  const work = join(root, name);
  git(root, 'clone', '-q', origin, work);
  mkdirSync(join(work, 'data'));
  writeFileSync(join(work, 'data', 'rows.csv'), `id,label,score,text\n${csvRows(0, 50_000)}`);
  changeData(work, 0);
  expect((await mcp(work, ...versionArgs(name))).code).toBe(0);
  const at = steps(work);

  // An uninterrupted run of a change like those below: when does hashing end?
  changeData(work, 1);
  at.remember();
  let packAt: number | undefined;
  const timed = await killWhen(work, name, (ms) => {
    if (packAt === undefined && at.packing()) packAt = ms;
    return false;
  });
  expect(timed.killed).toBe(false);
  expect(versions(origin, name)).toEqual(['v1.json', 'v2.json']);
  expect(packAt).toBeGreaterThan(0);

  const missed: string[] = [];
  for (const [i, [step, due]] of kills(at, packAt ?? 0).entries()) {
    const round = i + 2;
    changeData(work, round);
    const before = versions(origin, name);
    at.remember();
    if (!(await killWhen(work, name, due)).killed) missed.push(step);
    expectIndexesComplete(at.store);
    expect(versions(origin, name).length - before.length).toBeLessThanOrEqual(1);

    const again = await mcp(work, ...versionArgs(name));
    expect(again.code, again.stderr).toBe(0);
    const outputs = JSON.parse(again.stdout);
    expect(versions(origin, name)).toEqual([...before, `v${before.length + 1}.json`]);
    expect(outputs.version).toBe(String(before.length + 1));
    const record = JSON.parse(git(origin, 'show', `mcp-meta:data/${name}/v${outputs.version}.json`));
    expect(record.digest).toBe(outputs.digest);
    expect(record.files.map((f: { path: string }) => f.path)).toContain(`part-${round}.bin`);
    expectIndexesComplete(at.store);
  }

  // Every byte of the last version reads back from the store.
  const pulled = await mcp(work, 'pull-data', '--name', name, '--path', 'pulled', '--store', 'local:store');
  expect(pulled.code, pulled.stderr).toBe(0);
  for (const file of readdirSync(join(work, 'data'))) {
    expect(readFileSync(join(work, 'pulled', file)).equals(readFileSync(join(work, 'data', file)))).toBe(
      true,
    );
  }
  // Packs half-written by killed runs are gone: a run removes those of dead processes.
  expect(listed(at.temp)).toEqual([]);
  return missed;
}

describe('version-data killed at any point (CLI bundle, real git)', () => {
  it('finishes on the next run with exactly one new version, the store never half-written', async () => {
    const { root, origin, work } = repoWithRemote({ 'train.py': 'print(1)\n' });
    try {
      // Two datasets in two clones at once, so their runs also race each other to the remote.
      const [early, late] = await Promise.all([
        killAndRerun(root, origin, 'early', (at, hashed) => [
          ['starting or hashing', (ms) => ms >= hashed * 0.5],
          ['late in hashing', (ms) => ms >= hashed * 0.9],
          ['while a pack is written', at.packing],
        ]),
        killAndRerun(root, origin, 'late', (at) => [
          ['once a pack is stored', at.packStored],
          ['once the chunk lists are stored, before the record', at.listsStored],
          ['while the record is pushed', at.pushing],
        ]),
      ]);
      // A kill after the run had ended would test nothing: each point comes before the end.
      expect([...early, ...late]).toEqual([]);
      const audit = await mcp(work, 'audit', 'verify');
      expect(audit.code, audit.stderr).toBe(0);
    } finally {
      // Some hundreds of MiB of data and stores.
      rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);
});
