// `npm run demo` in its reduced form (--fast: every other day, a smaller forest, short bake
// times), run as a user runs it, then checked the way a user would check it: from the records on
// the remote, the CLI's own answers and the router's traffic split — not only from what the demo
// printed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, tempDir } from '../helpers/git';
import { repoRoot, runNode } from '../helpers/run';

interface Step {
  id: string;
  status: 'done' | 'skipped' | 'failed';
  reason?: string;
  code?: number;
  outputs?: Record<string, string>;
  version?: string;
  router?: { stable: string; canary: string | null; weight: number };
}

const root = tempDir('mcp-demo-test-');
const workdir = join(root, 'demo');
let summary: { project: string; steps: Step[]; traffic?: { sent: number; statuses: Record<string, number> } };
let printed = '';
let seconds = 0;

beforeAll(async () => {
  const started = performance.now();
  const run = await runNode(
    'examples/weather/demo.mjs',
    ['--fast', '--workdir', workdir, '--summary', join(root, 'summary.json')],
    { cwd: repoRoot, env: {} },
  );
  seconds = (performance.now() - started) / 1000;
  printed = run.stdout;
  if (!existsSync(join(root, 'summary.json')))
    throw new Error(`the demo wrote no summary:\n${run.stdout}\n${run.stderr}`);
  summary = JSON.parse(readFileSync(join(root, 'summary.json'), 'utf8'));
}, 240_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const stepOf = (id: string): Step => {
  const found = summary.steps.find((s) => s.id === id);
  if (!found) throw new Error(`the demo has no step ${id}`);
  return found;
};

/** A step that must have run; a skipped one names the action it still lacks. */
const ran = (id: string): Step => {
  const step = stepOf(id);
  expect(step.status, `${id}: ${step.reason ?? ''}`).toBe('done');
  return step;
};

const mcp = (...args: string[]) =>
  execFileSync(process.execPath, [join(repoRoot, 'dist', 'cli', 'index.js'), ...args], {
    cwd: summary.project,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });

describe('npm run demo --fast', () => {
  it('runs every step and fails none', () => {
    expect(summary.steps.filter((s) => s.status === 'failed')).toEqual([]);
    expect(printed).toContain('Done in');
    expect(seconds).toBeGreaterThan(0);
  });

  it('versions the data twice (2012–2013, then 2014–2015) and records both training runs on the remote', () => {
    expect(ran('data-v1').outputs?.version).toBe('1');
    expect(ran('data-v2').outputs?.version).toBe('2');
    const origin = join(workdir, 'origin.git');
    const records = git(origin, 'ls-tree', '-r', '--name-only', 'mcp-meta').split('\n');
    expect(records).toEqual(expect.arrayContaining(['data/weather/v1.json', 'data/weather/v2.json']));
    const runs = [ran('train-v1').outputs?.['run-id'], ran('train-v2').outputs?.['run-id']];
    for (const id of runs)
      expect(records.some((r) => r.startsWith('runs/weather/') && r.includes(String(id)))).toBe(true);
    const metrics = JSON.parse(ran('train-v2').outputs?.metrics ?? '{}');
    expect(metrics.accuracy).toBeGreaterThan(0.7);
  });

  it('gates: the first model clears the bar, the retrained one is no worse than production on the same days', () => {
    expect(ran('gate-v1').code).toBe(0);
    const gate = ran('gate-v2');
    expect(gate.code).toBe(0);
    const report = readFileSync(join(summary.project, String(gate.outputs?.report)), 'utf8');
    expect(report).toContain('if significant');
    expect(report).toMatch(/paired|bootstrap/i);
  });

  it('flags the drift between the two data versions', () => {
    const drift = ran('drift');
    expect(drift.code).toBe(1);
    expect(JSON.parse(drift.outputs?.['drifted-columns'] ?? '[]')).toContain('weather');
  });

  it('registers three versions, promotes the first, rolls out the second and rolls the bad third back', () => {
    const first = ran('register-v1').outputs?.version?.replace(/^v/, '');
    const second = ran('register-v2').version;
    const bad = ran('bad').version;
    expect([first, second, bad]).toEqual(['0.0.1', '0.0.2', '0.0.3']);
    const tags = git(summary.project, 'ls-remote', '--tags', 'origin');
    for (const v of [first, second, bad]) expect(tags).toContain(`refs/tags/weather@v${v}`);

    expect(ran('canary-v2').outputs).toMatchObject({
      outcome: 'promoted',
      'stable-version': expect.stringMatching(/0\.0\.2$/),
    });
    expect(ran('canary-bad').outputs).toMatchObject({
      outcome: 'rolled-back',
      'stable-version': expect.stringMatching(/0\.0\.2$/),
    });
    const rollback = ran('rollback');
    expect(rollback.outputs?.['stable-version']).toMatch(/0\.0\.1$/);
    expect(rollback.router).toMatchObject({ stable: '0.0.1', weight: 0 });
    // The users of the service saw the bad build only during its first step.
    expect(summary.traffic?.statuses['200']).toBeGreaterThan(0);
  });

  it('leaves an audit chain that verifies, and reports a user can open', () => {
    expect(ran('audit').code).toBe(0);
    expect(mcp('audit', 'verify')).toMatch(/intact/);
    const reports = readdirSync(join(summary.project, '.mcp', 'reports')).filter((f) => f.endsWith('.md'));
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(printed).toContain('Lineage of');
  });
});
