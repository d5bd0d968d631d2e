// The GitLab component as GitLab would run it: inputs interpolated into templates/<action>.yml,
// the job's variables exported, its script line run by a shell — with the CLI bundle in place
// of `npx @mcp/cli` — against the GitLab emulator.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type GitLabEmulator, startGitLabEmulator } from '../emulators/gitlab';
import { repoWithPullRequest } from '../helpers/git';
import { readDotenv, repoRoot } from '../helpers/run';

const sh = promisify(execFile);
let gitlab: GitLabEmulator;

beforeEach(async () => {
  gitlab = await startGitLabEmulator();
});

afterEach(async () => {
  expect(gitlab.violations).toEqual([]);
  await gitlab.close();
});

/** `$[[ inputs.x ]]` interpolation with the given inputs over the declared defaults. */
function instantiate(component: string, given: Record<string, string>) {
  const [header, body] = parseAllDocuments(
    readFileSync(join(repoRoot, 'templates', `${component}.yml`), 'utf8'),
  ).map((d) => d.toJS());
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(header.spec.inputs as Record<string, { default: string }>)) {
    inputs[name] = given[name] ?? spec.default;
  }
  for (const name of Object.keys(given))
    if (!(name in inputs)) throw new Error(`the component has no input ${name}`);
  const fill = (text: string) =>
    text.replace(/\$\[\[ inputs\.([a-z-]+) \]\]/g, (_, n: string) => inputs[n] ?? '');
  const [[jobName, job]] = Object.entries(body) as [
    [string, { variables: Record<string, unknown>; script: string[] }],
  ];
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(job.variables)) {
    variables[name] = fill(typeof value === 'string' ? value : (value as { value: string }).value);
  }
  return { name: fill(jobName), variables, script: job.script.map(fill) };
}

describe('templates/validate-metrics.yml run as a GitLab job', () => {
  it('passes rules with shell metacharacters through intact and posts the MR note', async () => {
    const repo = repoWithPullRequest(
      { 'm.json': '{"f1": 0.86, "p99_ms": 120}' },
      { 'm.json': '{"f1": 0.88, "p99_ms": 125}' },
    );
    const job = instantiate('validate-metrics', {
      metrics: 'm.json',
      rules: 'f1 >= baseline - 0.01\n# "quotes", $HOME and `backticks` stay text\np99_ms <= baseline * 1.10',
      title: 'Offline eval',
      cli: `node ${join(repoRoot, 'dist', 'cli', 'index.js')}`,
    });
    expect(job.name).toBe('mcp-validate-metrics');
    const result = await sh('sh', ['-c', job.script.join('\n')], {
      cwd: repo.work,
      env: {
        PATH: process.env.PATH,
        HOME: '/nonexistent',
        GITLAB_CI: 'true',
        CI_API_V4_URL: gitlab.apiUrl,
        CI_PROJECT_ID: '1',
        CI_PROJECT_PATH: 'group/project',
        CI_PROJECT_DIR: repo.work,
        CI_COMMIT_SHA: repo.sha,
        CI_MERGE_REQUEST_IID: '9',
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
        MCP_GITLAB_TOKEN: 'project-token',
        ...job.variables,
      },
    });
    expect(result.stderr).toContain('Offline eval: passed (0 of 2 rules failed)');
    expect(gitlab.state.notes).toHaveLength(1);
    expect(gitlab.state.notes[0]?.body).toContain('p99\\_ms &lt;= baseline \\* 1.1');
    expect(readDotenv(join(repo.work, 'mcp.env')).MCP_PASSED).toBe('true');
  });
});
