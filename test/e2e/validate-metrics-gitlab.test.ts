// The CLI bundle in a GitLab CI job, as the component runs it: flags from the component's
// inputs, CI_* variables, the MR note through the GitLab emulator, outputs as a dotenv report.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitLabEmulator, startGitLabEmulator } from '../emulators/gitlab';
import { repoWithPullRequest } from '../helpers/git';
import { REPORT_PATH, readDotenv, readGateReport, runNode } from '../helpers/run';

const CLI = 'dist/cli/index.js';
const base = { 'eval/metrics.yaml': 'test:\n  f1: 0.86\n  auc: 0.93\nloss: 0.31\n' };
const head = { 'eval/metrics.yaml': 'test:\n  f1: 0.87\n  auc: 0.92\nloss: 0.29\n' };

let gitlab: GitLabEmulator;

beforeEach(async () => {
  gitlab = await startGitLabEmulator();
});

afterEach(async () => {
  expect(gitlab.violations).toEqual([]);
  await gitlab.close();
});

function jobEnv(work: string, sha: string, token?: string): Record<string, string> {
  return {
    GITLAB_CI: 'true',
    CI: 'true',
    CI_API_V4_URL: gitlab.apiUrl,
    CI_SERVER_URL: gitlab.url,
    CI_PROJECT_ID: '1',
    CI_PROJECT_PATH: 'group/project',
    CI_PROJECT_URL: `${gitlab.url}/group/project`,
    CI_PROJECT_DIR: work,
    CI_COMMIT_SHA: sha,
    CI_COMMIT_REF_NAME: 'feature',
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_MERGE_REQUEST_IID: '5',
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
    CI_JOB_URL: `${gitlab.url}/group/project/-/jobs/99`,
    CI_JOB_TOKEN: 'job-token',
    ...(token ? { MCP_GITLAB_TOKEN: token } : {}),
  };
}

// Exactly the flags the component passes: every input, unset ones as "".
const flags = (values: Record<string, string>) => {
  const all = [
    'metrics',
    'rules',
    'metric',
    'threshold',
    'baseline',
    'predictions',
    'baseline-predictions',
    'report',
  ];
  return all.flatMap((name) => [`--${name}`, values[name] ?? '']);
};

describe('validate-metrics in a GitLab merge request pipeline (CLI bundle, GitLab emulator)', () => {
  it('creates the MR note, then updates the same note; outputs land in the dotenv report', async () => {
    const repo = repoWithPullRequest(base, head);
    const args = [
      'validate-metrics',
      ...flags({ metrics: 'eval/metrics.yaml', rules: 'test.f1 >= 0.85\ntest.auc >= baseline - 0.02' }),
      '--json',
    ];
    const first = await runNode(CLI, args, {
      cwd: repo.work,
      env: jobEnv(repo.work, repo.sha, 'project-token'),
    });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ passed: 'true', 'failed-rules': '[]' });
    expect(first.stderr).toContain('section_start:');
    expect(first.stderr).not.toContain('project-token');
    expect(gitlab.state.notes).toHaveLength(1);
    const note = gitlab.state.notes[0];
    expect(note?.mergeRequestIid).toBe(5);
    expect(note?.body).toContain('baseline <code>main:eval/metrics.yaml</code>');
    expect(note?.body).toMatch(/\| test\.auc \| 0\.93 \| 0\.92 \| 🔴 −0\.01/);

    const dotenv = readDotenv(join(repo.work, 'mcp.env'));
    expect(dotenv.MCP_PASSED).toBe('true');
    expect(JSON.parse(dotenv.MCP_METRICS as string)).toEqual({
      'test.f1': 0.87,
      'test.auc': 0.92,
      loss: 0.29,
    });
    expect(dotenv.MCP_REPORT).toMatch(REPORT_PATH);

    const second = await runNode(CLI, [...args.slice(0, -1), '--rules', 'loss <= baseline'], {
      cwd: repo.work,
      env: jobEnv(repo.work, repo.sha, 'project-token'),
    });
    expect(second.code).toBe(0);
    expect(gitlab.state.notes).toHaveLength(1);
    expect(gitlab.state.notes[0]?.id).toBe(note?.id);
    expect(gitlab.state.notes[0]?.body).toContain('loss &lt;= baseline');
  });

  it('without a project access token: a clear warning, the report stays an artifact', async () => {
    const repo = repoWithPullRequest(base, head);
    const args = ['validate-metrics', ...flags({ metrics: 'eval/metrics.yaml', rules: 'test.f1 >= 0.9' })];
    const result = await runNode(CLI, args, { cwd: repo.work, env: jobEnv(repo.work, repo.sha) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('warning: Report not posted as a comment on #5: no token for MR notes');
    expect(gitlab.state.notes).toHaveLength(0);
    expect(readGateReport(repo.work)).toContain('❌ Metric gate: failed');
    expect(readDotenv(join(repo.work, 'mcp.env')).MCP_PASSED).toBe('false');
  });

  it('a job token cannot write notes: a warning, not a crash', async () => {
    const repo = repoWithPullRequest(base, head);
    const args = [
      'validate-metrics',
      ...flags({ metrics: 'eval/metrics.yaml', metric: 'test.f1', threshold: '0.85' }),
    ];
    const result = await runNode(CLI, args, {
      cwd: repo.work,
      env: jobEnv(repo.work, repo.sha, 'job-token'),
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: Report not posted as a comment on #5: GitLab answered 40[13]/);
    expect(readGateReport(repo.work)).toContain('test.f1 &gt;= 0.85');
  });
});
