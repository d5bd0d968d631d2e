// version-data then validate-data, both bundles as the GitHub runner starts them (INPUT_*, GITHUB_*,
// a pull_request event), on a real repository with a bare remote and the GitHub emulator: three
// versions of a real dataset — vega-datasets' Seattle weather of 2012, 2014 and 2015 —, a drifted
// pair that fails the gate, posts the sticky comment and starts the training workflow, and a
// stable pair that passes and updates the same comment.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubEmulator, startGitHubEmulator } from '../emulators/github';
import { repoWithRemote } from '../helpers/git';
import { actionInputs, readGitHubOutputs, repoRoot, runNode } from '../helpers/run';

const [header, ...days] = readFileSync(
  join(repoRoot, 'node_modules/vega-datasets/data/seattle-weather.csv'),
  'utf8',
)
  .trim()
  .split('\n');
const year = (y: string) => `${header}\n${days.filter((d) => d.startsWith(y)).join('\n')}\n`;

let api: GitHubEmulator;
let work: string;

function runner(action: string, inputs: Record<string, string>) {
  const id = Math.random().toString(36).slice(2);
  const output = join(work, '..', `output-${id}.txt`);
  const summary = join(work, '..', `summary-${id}.md`);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const env = {
    ...actionInputs(action, { token: 'ghs_write', ...inputs }),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/weather',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: join(work, '..', 'event.json'),
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_REF: 'refs/pull/7/merge',
    GITHUB_HEAD_REF: 'feature',
    GITHUB_BASE_REF: 'main',
    GITHUB_RUN_ID: '4242',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKSPACE: work,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
  };
  return runNode(`dist/${action}/index.js`, [], { cwd: work, env }).then((run) => ({
    ...run,
    outputs: readGitHubOutputs(output),
    summary: readFileSync(summary, 'utf8'),
  }));
}

const versionData = async (csv: string) => {
  writeFileSync(join(work, 'data/weather.csv'), csv);
  const run = await runner('version-data', { path: 'data/weather.csv', store: 'local:.mcp/store' });
  expect(run.code, run.stdout).toBe(0);
  return run.outputs.version;
};

beforeAll(async () => {
  api = await startGitHubEmulator({
    tokens: { ghs_write: 'write' },
    pulls: { 7: { headSha: 'a'.repeat(40), baseRef: 'main' } },
    workflows: [{ file: 'train.yml', inputs: ['dataset', 'version'] }],
  });
  ({ work } = repoWithRemote({ 'data/weather.csv': year('2012') }));
  writeFileSync(
    join(work, '..', 'event.json'),
    JSON.stringify({
      action: 'synchronize',
      number: 7,
      pull_request: { number: 7, head: { sha: 'a'.repeat(40), ref: 'feature' }, base: { ref: 'main' } },
      repository: { full_name: 'acme/weather' },
    }),
  );
  expect([
    await versionData(year('2012')),
    await versionData(year('2014')),
    await versionData(year('2015')),
  ]).toEqual(['1', '2', '3']);
}, 60_000);

afterAll(async () => {
  expect(api.violations).toEqual([]);
  await api.close();
});

describe('validate-data between data versions (bundles, GitHub emulator)', () => {
  it('2012 → 2014 drifts: the gate fails naming the columns, comments on the PR and starts training on v2', async () => {
    const run = await runner('validate-data', {
      reference: 'weather@1',
      current: 'weather@2',
      trigger: 'train.yml',
    });
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toContain(
      '::error::Data gate: failed (3 of 5 columns drifted): drifted temp_max, temp_min, weather',
    );
    expect(run.outputs).toMatchObject({
      passed: 'false',
      'drifted-columns': '["temp_max","temp_min","weather"]',
      triggered: 'true',
      report: expect.stringMatching(/^\.mcp\/reports\/validate-data-data-gate-[0-9a-f]{8}\.md$/),
    });
    const columns = JSON.parse(run.outputs.columns ?? '[]');
    expect(columns.find((c: { column: string }) => c.column === 'weather')).toMatchObject({
      test: 'chi-square',
      drifted: true,
      effectSizes: { 'chi-square': expect.any(Number), psi: expect.any(Number) },
    });
    expect(api.state.dispatches).toEqual([
      {
        repo: 'acme/weather',
        workflow: 'train.yml',
        ref: 'main',
        inputs: { dataset: 'weather', version: '2' },
      },
    ]);
    expect(api.state.issueComments).toHaveLength(1);
    const body = api.state.issueComments[0]?.body ?? '';
    expect(body).toContain('### ❌ Data gate: failed (3 of 5 columns drifted)');
    expect(body).toContain(
      'Reference: weather v1 \\(weather.csv\\), 366 rows · Current: weather v2 \\(weather.csv\\), 365 rows',
    );
    expect(body.match(/xychart-beta/g)).toHaveLength(3);
    expect(run.summary).toContain('| ❌ | weather | string | χ² |');
  }, 30_000);

  it('2014 → 2015 within the rules passes and updates the same comment; nothing is started', async () => {
    const first = api.state.issueComments[0]?.id;
    const run = await runner('validate-data', {
      reference: 'weather@2',
      current: 'weather@latest',
      rules: 'schema unchanged\ndrifted_share <= 0.3\ndrift(weather) < 0.25 by psi\nmissing(wind) <= 0.05',
      trigger: 'train.yml',
      correction: 'bh',
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', triggered: 'false' });
    expect(api.state.issueComments).toHaveLength(1);
    expect(api.state.issueComments[0]?.id).toBe(first);
    const body = api.state.issueComments[0]?.body ?? '';
    expect(body).toContain('### ✅ Data gate: passed (0 of 4 rules failed; 1 of 5 columns drifted)');
    expect(body).toContain('| ✅ | `drift(weather) < 0.25 by psi` |');
    expect(body).toContain('corrected by Benjamini–Hochberg');
    expect(api.state.dispatches).toHaveLength(1);
  }, 30_000);

  it('a bad rule or an unknown version exits 2 with one line', async () => {
    const rule = await runner('validate-data', {
      reference: 'weather@1',
      current: 'weather@2',
      rules: 'drift(temp) < 0.1',
    });
    expect(rule.code).toBe(2);
    expect(rule.stdout).toContain(
      '::error::rules line 1: no column "temp" in either data (did you mean temp_max, temp_min?)',
    );
    const missing = await runner('validate-data', { reference: 'weather@9', current: 'weather@2' });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain(
      '::error::reference: dataset "weather" has no version 9 (versions 1 to 3)',
    );
  }, 30_000);

  it('without rules a removed column fails the gate and an added one passes, both reported; with rules they govern', async () => {
    const cut = (edit: (cells: string[]) => string[]) =>
      year('2015')
        .trim()
        .split('\n')
        .map((line) => edit(line.split(',')).join(','))
        .join('\n');
    writeFileSync(join(work, 'dropped.csv'), `${cut((cells) => cells.filter((_, i) => i !== 4))}\n`);
    writeFileSync(
      join(work, 'added.csv'),
      `${cut((cells) => [...cells, cells[0] === 'date' ? 'station' : 'KSEA'])}\n`,
    );
    const gate = (current: string, rules = '') =>
      runner('validate-data', { reference: 'weather@3', current, rules, comment: 'never' });
    const [dropped, added, ruled] = await Promise.all([
      gate('dropped.csv'),
      gate('added.csv'),
      gate('dropped.csv', 'drifted_share <= 0.3'),
    ]);
    expect(dropped.code, dropped.stdout).toBe(1);
    expect(dropped.outputs).toMatchObject({ passed: 'false', 'drifted-columns': '[]' });
    expect(dropped.stdout).toContain(
      '::error::Data gate: failed (0 of 4 columns drifted; schema changed: removed wind)',
    );
    expect(dropped.summary).toContain('- removed: wind (number)');
    expect(added.code, added.stdout).toBe(0);
    expect(added.outputs).toMatchObject({ passed: 'true' });
    expect(added.summary).toContain('### ✅ Data gate: passed (0 of 5 columns drifted)');
    expect(added.summary).toContain('- added: station (string)');
    expect(ruled.code, ruled.stdout).toBe(0);
    expect(ruled.summary).toContain('- removed: wind (number)');
  }, 30_000);

  it('mcp profile prints the profile as a table or JSON; a ragged row is one line with its number', async () => {
    const mcp = (...args: string[]) => runNode('dist/cli/index.js', args, { cwd: work, env: {} });
    const table = await mcp('profile', 'data/weather.csv');
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toBe('data/weather.csv: csv, 365 rows × 6 columns');
    expect(lines.find((l) => l.startsWith('date '))).toMatch(
      /^date\s+datetime\s+0 %\s+365\s+2015-01-01\s+2015-07-02\s+.*2015-12-31/,
    );
    expect(lines.find((l) => l.startsWith('weather '))).toMatch(
      /^weather\s+string\s+0 %\s+4\s+sun \(\d+ %\), /,
    );
    const json = await mcp('profile', 'data/weather.csv', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ schemaVersion: 1, format: 'csv', rows: 365 });
    writeFileSync(join(work, 'ragged.csv'), 'a,b\n1,2\n3,4,5\n');
    const ragged = await mcp('profile', 'ragged.csv');
    expect(ragged.code).toBe(2);
    expect(ragged.stderr.trim()).toMatch(
      /^error: file: .*ragged\.csv line 3: has 3 fields, expected 2 as in the header$/,
    );
  }, 30_000);
});
