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
  status: 'done' | 'failed';
  reason?: string;
  code?: number;
  outputs?: Record<string, string>;
  version?: string;
  router?: { stable: string; canary: string | null; weight: number };
  lineage?: string;
}

const root = tempDir('mcp-demo-test-');
const workdir = join(root, 'demo');
/** A split the router was set to, as the http provider (deploy-canary, rollback) set it. */
interface Split {
  at: number;
  stable: string;
  canary: string | null;
  weight: number;
}

let summary: {
  project: string;
  steps: Step[];
  traffic?: {
    sent: number;
    statuses: Record<string, number>;
    served: Record<string, Record<string, number>>;
  };
  routerHistory?: Split[];
};
let printed = '';

beforeAll(async () => {
  const run = await runNode(
    'examples/weather/demo.mjs',
    ['--fast', '--workdir', workdir, '--summary', join(root, 'summary.json')],
    { cwd: repoRoot, env: {} },
  );
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

/** A step that must have run, and succeeded. */
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
    expect(summary.steps.map((s) => s.id)).toEqual([
      'setup',
      'data-v1',
      'train-v1',
      'gate-v1',
      'register-v1',
      'serve',
      'data-v2',
      'drift',
      'train-v2',
      'gate-v2',
      'register-v2',
      'canary-v2',
      'bad',
      'canary-bad',
      'rollback',
      'audit',
      'lineage',
    ]);
    for (const step of summary.steps) ran(step.id);
    expect(printed).toContain('Done in');
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

    // The registry's stages at the end: production follows what serves (the canary of 0.0.2 took
    // it, the bad build never did, the manual rollback gave it back to 0.0.1); the bad build stays
    // in staging, where register put it.
    const shown = JSON.parse(mcp('models', 'show', 'weather', '--json'));
    expect(shown.stages).toEqual({ production: 'v0.0.1', staging: 'v0.0.3' });
    expect(shown.versions.find((v: { version: string }) => v.version === 'v0.0.2')?.stages).toEqual([]);
    // Every production assignment, in order: the bad build is not among them.
    const assigned = [...mcp('models', 'history', 'weather').matchAll(/assign\s+(v\S+)\s+production\b/g)];
    expect(assigned.map((m) => m[1])).toEqual(['v0.0.1', 'v0.0.2', 'v0.0.1']);
  });

  it('shows users the bad build only during its first canary step, and every error came from it', () => {
    // The router's splits: the bad build got the first step's weight (25% with --fast), then 0 on
    // the abort — never more, never all traffic.
    const history = summary.routerHistory ?? [];
    const bad = history.filter((s) => s.canary === '0.0.3' || s.stable === '0.0.3');
    expect(bad.map((s) => [s.stable, s.canary, s.weight])).toEqual([
      ['0.0.2', '0.0.3', 25],
      ['0.0.2', '0.0.3', 0],
    ]);
    expect(history.at(-1)).toMatchObject({ stable: '0.0.1', weight: 0 });
    // What the traffic got, by the version that answered: errors only from the bad build, which
    // answered some requests while it had its weight (its server fails 30% of them).
    const served = summary.traffic?.served ?? {};
    expect(Object.keys(served).sort()).toEqual(['0.0.1', '0.0.2', '0.0.3']);
    for (const version of ['0.0.1', '0.0.2']) expect(Object.keys(served[version] ?? {})).toEqual(['200']);
    const answeredByBad = Object.values(served['0.0.3'] ?? {}).reduce((a, b) => a + b, 0);
    expect(served['0.0.3']?.['500']).toBeGreaterThan(0);
    expect(summary.traffic?.statuses['500']).toBe(served['0.0.3']?.['500']);
    // Only while it had its weight: no more than 25% of what the traffic (40 req/s) sent between
    // the two splits, with room for requests in flight and timer jitter.
    const [from, to] = bad.map((s) => s.at);
    const bound = (((to ?? 0) - (from ?? 0)) / 1000) * 40 * 0.25;
    expect(answeredByBad).toBeLessThanOrEqual(Math.ceil(bound * 1.5) + 8);
  });

  it('leaves an audit chain that verifies, and reports a user can open', () => {
    expect(ran('audit').code).toBe(0);
    expect(mcp('audit', 'verify')).toMatch(/intact/);
    const reports = readdirSync(join(summary.project, '.mcp', 'reports')).filter((f) => f.endsWith('.md'));
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(printed).toContain('Lineage of');
  });

  it('serves the first version behind the router, and prints the lineage data → run → model → deployment', () => {
    expect(ran('serve').status).toBe('done');
    expect(summary.routerHistory?.[0]).toMatchObject({ stable: '0.0.1', canary: '0.0.2' });
    const lineage = String(ran('lineage').lineage ?? '');
    expect(lineage).toContain('Lineage of weather@v0.0.2');
    expect(lineage).toMatch(/data\s+weather v2/);
    expect(lineage).toMatch(new RegExp(`run\\s+run ${ran('train-v2').outputs?.['run-id']}`));
    expect(lineage).toMatch(/deployment\s+production\/1\s.*promoted/);
  });
});
