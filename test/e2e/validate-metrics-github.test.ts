// The action bundle as the GitHub runner starts it: `node dist/validate-metrics/index.js` with
// INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and a pull_request event, against the GitHub
// emulator (every request checked against GitHub's OpenAPI description) and a real git repo.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubEmulator, startGitHubEmulator } from '../emulators/github';
import { repoWithPullRequest } from '../helpers/git';
import { actionInputs, REPORT_PATH, readGitHubOutputs, runNode } from '../helpers/run';

const BUNDLE = 'dist/validate-metrics/index.js';
const base = { 'metrics.json': JSON.stringify({ f1: 0.86, accuracy: 0.9, latency_ms: 40 }) };
const good = { 'metrics.json': JSON.stringify({ f1: 0.88, accuracy: 0.905, latency_ms: 41 }) };
// latency_ms comes first in the file and passes; the failing rows must still lead the table.
const bad = { 'metrics.json': JSON.stringify({ latency_ms: 41, f1: 0.8, accuracy: 0.85 }) };
const rules = 'f1 >= 0.85\naccuracy >= baseline - 0.01\nlatency_ms <= baseline * 1.10';

let api: GitHubEmulator;

function runnerEnv(work: string, sha: string, inputs: Record<string, string>, event: object) {
  const eventPath = join(work, '..', 'event.json');
  writeFileSync(eventPath, JSON.stringify(event));
  const output = join(work, '..', `output-${Math.random().toString(36).slice(2)}.txt`);
  const summary = join(work, '..', `summary-${Math.random().toString(36).slice(2)}.md`);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  return {
    output,
    summary,
    env: {
      ...actionInputs('validate-metrics', inputs),
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_API_URL: api.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/models',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_SHA: sha,
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_BASE_REF: 'main',
      GITHUB_RUN_ID: '4242',
      GITHUB_WORKSPACE: work,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
    },
  };
}

const pullRequestEvent = (sha: string) => ({
  action: 'synchronize',
  number: 7,
  pull_request: { number: 7, head: { sha, ref: 'feature' }, base: { ref: 'main' } },
  repository: { full_name: 'acme/models' },
});

beforeEach(async () => {
  api = await startGitHubEmulator({
    tokens: { ghs_write: 'write', ghs_fork: 'read' },
    pulls: { 7: { headSha: 'a'.repeat(40), baseRef: 'main' } },
  });
});

afterEach(async () => {
  expect(api.violations).toEqual([]);
  await api.close();
});

describe('validate-metrics on a pull request (bundle, GitHub emulator)', () => {
  it('creates the sticky comment on the first run and updates the same one on the second', async () => {
    const repo = repoWithPullRequest(base, good);
    const first = runnerEnv(
      repo.work,
      repo.sha,
      { metrics: 'metrics.json', rules, token: 'ghs_write' },
      pullRequestEvent(repo.sha),
    );
    const run1 = await runNode(BUNDLE, [], { cwd: repo.work, env: first.env });
    expect(run1.stderr).toBe('');
    expect(run1.code).toBe(0);
    const outputs = readGitHubOutputs(first.output);
    expect(outputs.passed).toBe('true');
    expect(JSON.parse(outputs.metrics as string)).toEqual({ f1: 0.88, accuracy: 0.905, latency_ms: 41 });
    expect(JSON.parse(outputs['failed-rules'] as string)).toEqual([]);
    expect(outputs.report).toMatch(REPORT_PATH);
    expect(api.state.issueComments).toHaveLength(1);
    const comment = api.state.issueComments[0];
    expect(comment?.issueNumber).toBe(7);
    // The baseline came from the base branch through git, without being named.
    expect(comment?.body).toContain('baseline <code>main:metrics.json</code>');
    expect(comment?.body).toMatch(/\| accuracy \| 0\.9 \| 0\.905 \| 🟢 \+0\.005/);
    expect(readFileSync(first.summary, 'utf8')).toContain('### ✅ Metric gate: passed');
    expect(readFileSync(join(repo.work, outputs.report as string), 'utf8')).toContain(
      '| Metric | Baseline | Candidate | Δ | Rule | Result |',
    );

    const second = runnerEnv(
      repo.work,
      repo.sha,
      { metrics: 'metrics.json', rules: `${rules}\nf1 >= 0.87`, token: 'ghs_write' },
      pullRequestEvent(repo.sha),
    );
    const run2 = await runNode(BUNDLE, [], { cwd: repo.work, env: second.env });
    expect(run2.code).toBe(0);
    expect(api.state.issueComments).toHaveLength(1);
    expect(api.state.issueComments[0]?.id).toBe(comment?.id);
    expect(api.state.issueComments[0]?.body).toContain('f1 &gt;= 0.87');
    const methods = api.requests
      .filter((r) => r.operationId !== 'issues/list-comments')
      .map((r) => r.operationId);
    expect(methods).toEqual(['issues/create-comment', 'issues/update-comment']);
  });

  it('a failing gate exits 1 with the failing rows first in the summary and the comment', async () => {
    const repo = repoWithPullRequest(base, bad);
    const run = runnerEnv(
      repo.work,
      repo.sha,
      { metrics: 'metrics.json', rules, token: 'ghs_write' },
      pullRequestEvent(repo.sha),
    );
    const result = await runNode(BUNDLE, [], { cwd: repo.work, env: run.env });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::Metric gate: failed \(2 of 3 rules failed\)/);
    const outputs = readGitHubOutputs(run.output);
    expect(outputs.passed).toBe('false');
    expect(JSON.parse(outputs['failed-rules'] as string)).toEqual([
      'f1 >= 0.85',
      'accuracy >= baseline - 0.01',
    ]);
    const summary = readFileSync(run.summary, 'utf8');
    expect(summary).toContain('### ❌ Metric gate: failed');
    const rows = summary.split('\n').filter((l) => /^\| [a-z]/.test(l) && !l.startsWith('| Metric'));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| f1', '| accuracy', '| latency\\_ms']);
    expect(rows[0]).toBe('| f1 | 0.86 | 0.8 | 🔴 −0.06 (−7.0%) | f1 &gt;= 0.85 | ❌ **fail** |');
    expect(rows[2]).toBe(
      '| latency\\_ms | 40 | 41 | 🔴 +1 (+2.5%) | latency\\_ms &lt;= baseline \\* 1.1 | ✅ pass |',
    );
    expect(api.state.issueComments[0]?.body).toContain('❌ Metric gate: failed');
  });

  it('a read-only token (fork PR) degrades to a warning; the verdict and summary stay', async () => {
    const repo = repoWithPullRequest(base, good);
    const run = runnerEnv(
      repo.work,
      repo.sha,
      { metrics: 'metrics.json', rules, token: 'ghs_fork' },
      pullRequestEvent(repo.sha),
    );
    const result = await runNode(BUNDLE, [], { cwd: repo.work, env: run.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/::warning::Report not posted as a comment on #7: GitHub answered 403/);
    expect(api.state.issueComments).toHaveLength(0);
    expect(readGitHubOutputs(run.output).passed).toBe('true');
    expect(readFileSync(run.summary, 'utf8')).toContain('✅ Metric gate: passed');
    // The token is registered as a secret and appears in no other line of the log.
    const lines = result.stdout.split('\n').filter((l) => l.includes('ghs_fork'));
    expect(lines).toEqual(['::add-mask::ghs_fork']);
  });

  it('the workflow_run job posts a fork PR’s stored report, only on the PR whose head it was', async () => {
    const repo = repoWithPullRequest(base, good);
    const pr = runnerEnv(
      repo.work,
      repo.sha,
      { metrics: 'metrics.json', rules, token: 'ghs_fork', comment: 'auto' },
      pullRequestEvent('a'.repeat(40)),
    );
    expect((await runNode(BUNDLE, [], { cwd: repo.work, env: pr.env })).code).toBe(0);
    const report = readGitHubOutputs(pr.output).report as string;

    const workflowRun = (headSha: string) => ({
      action: 'completed',
      workflow_run: { head_sha: headSha, pull_requests: [], head_repository: { full_name: 'fork/models' } },
    });
    const trusted = runnerEnv(
      repo.work,
      repo.sha,
      { report, token: 'ghs_write' },
      workflowRun('a'.repeat(40)),
    );
    trusted.env.GITHUB_EVENT_NAME = 'workflow_run';
    const posted = await runNode(BUNDLE, [], { cwd: repo.work, env: trusted.env });
    expect(posted.code).toBe(0);
    expect(api.state.issueComments).toHaveLength(1);
    expect(api.state.issueComments[0]?.issueNumber).toBe(7);
    expect(api.state.issueComments[0]?.body).toContain('✅ Metric gate: passed');

    // An artifact claiming PR 7 from a run of another commit is not posted.
    const spoofed = runnerEnv(
      repo.work,
      repo.sha,
      { report, token: 'ghs_write' },
      workflowRun('b'.repeat(40)),
    );
    spoofed.env.GITHUB_EVENT_NAME = 'workflow_run';
    const refused = await runNode(BUNDLE, [], { cwd: repo.work, env: spoofed.env });
    expect(refused.code).toBe(0);
    expect(refused.stdout).toContain(
      '::warning::Report not posted: it names pull request #7, whose head is not the commit',
    );
    expect(api.state.issueComments[0]?.updatedAt).toBe(api.state.issueComments[0]?.createdAt);
  });

  it('comment: always also keeps one sticky commit comment; two titles keep two PR comments', async () => {
    const repo = repoWithPullRequest(base, good);
    for (const title of ['Offline eval', 'Offline eval', 'Latency gate']) {
      const run = runnerEnv(
        repo.work,
        repo.sha,
        { metrics: 'metrics.json', rules, token: 'ghs_write', comment: 'always', title },
        pullRequestEvent(repo.sha),
      );
      expect((await runNode(BUNDLE, [], { cwd: repo.work, env: run.env })).code).toBe(0);
    }
    expect(api.state.issueComments.map((c) => c.body.split('\n')[0])).toEqual([
      '<!-- mcp:validate-metrics:Offline%20eval -->',
      '<!-- mcp:validate-metrics:Latency%20gate -->',
    ]);
    expect(api.state.commitComments).toHaveLength(2);
    expect(api.state.commitComments.every((c) => c.sha === repo.sha)).toBe(true);
  });

  it('finds its own comment on a later page, and never edits a comment someone else planted the marker in', async () => {
    await api.close();
    const marker = '<!-- mcp:validate-metrics:Metric%20gate -->';
    api = await startGitHubEmulator({
      tokens: { ghs_write: 'write' },
      issueComments: [
        { repo: 'acme/models', issueNumber: 7, body: `${marker}\nfake: all green`, user: 'mallory' },
        ...Array.from({ length: 130 }, (_, i) => ({
          repo: 'acme/models',
          issueNumber: 7,
          body: `chatter ${i}`,
          user: 'dev',
        })),
        { repo: 'acme/models', issueNumber: 7, body: `${marker}\nold report`, user: 'github-actions[bot]' },
      ],
    });
    const repo = repoWithPullRequest(base, good);
    const run = runnerEnv(
      repo.work,
      repo.sha,
      { metrics: 'metrics.json', rules, token: 'ghs_write' },
      pullRequestEvent(repo.sha),
    );
    expect((await runNode(BUNDLE, [], { cwd: repo.work, env: run.env })).code).toBe(0);
    const comments = api.state.issueComments;
    expect(comments).toHaveLength(132);
    expect(comments[0]?.body).toBe(`${marker}\nfake: all green`);
    expect(comments.at(-1)?.body).toContain('✅ Metric gate: passed');
    expect(api.requests.filter((r) => r.operationId === 'issues/list-comments').length).toBeGreaterThan(1);
  });

  it('an API outage while commenting is a warning: the verdict and outputs stand', async () => {
    const outage = createServer((_, response) => {
      response.writeHead(500, { 'content-type': 'text/html' });
      response.end('<html>\n<body>oops</body>\n</html>');
    });
    await new Promise<void>((resolve) => outage.listen(0, '127.0.0.1', resolve));
    const repo = repoWithPullRequest(base, good);
    const run = runnerEnv(
      repo.work,
      repo.sha,
      { metrics: 'metrics.json', rules, token: 'ghs_write' },
      pullRequestEvent(repo.sha),
    );
    run.env.GITHUB_API_URL = `http://127.0.0.1:${(outage.address() as AddressInfo).port}`;
    const result = await runNode(BUNDLE, [], { cwd: repo.work, env: run.env });
    outage.close();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/::warning::Report not posted as a comment on #7: the API answered 500/);
    expect(result.stdout).not.toContain('::error::');
    expect(readGitHubOutputs(run.output).passed).toBe('true');
  }, 30_000);

  it('bad input exits 2 with one line naming the input', async () => {
    const repo = repoWithPullRequest(base, { 'metrics.json': '{"f1": 0.9,\n  "acc": }' });
    const run = runnerEnv(
      repo.work,
      repo.sha,
      { metrics: 'metrics.json', rules, token: 'ghs_write' },
      pullRequestEvent(repo.sha),
    );
    const result = await runNode(BUNDLE, [], { cwd: repo.work, env: run.env });
    expect(result.code).toBe(2);
    const errors = result.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error::metrics: .*metrics\.json line 2/);
    expect(api.state.issueComments).toHaveLength(0);
    expect(readFileSync(run.output, 'utf8')).toBe('');
  });
});
