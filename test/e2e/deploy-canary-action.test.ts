// The deploy-canary and rollback bundles run as the GitHub runner runs them (INPUT_*, GITHUB_*,
// file commands) against the GitHub emulator, and the CLI bundle as a GitLab job runs it against
// the GitLab emulator: real model servers behind the weighted router, a registry of real tags on
// a bare remote, and the rollout's record on its mcp-meta.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GitHubEmulator, startGitHubEmulator } from '../emulators/github';
import { type GitLabEmulator, startGitLabEmulator } from '../emulators/gitlab';
import { HEALTH, load, type Stack, send, stacksPerTest, traffic } from '../helpers/canary';
import { git, repoWithRemote } from '../helpers/git';
import { actionInputs, readDotenv, readGitHubOutputs, runNode } from '../helpers/run';

const startStack = stacksPerTest();
const emulators: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

/**
 * A repository whose registry holds fraud v1.0.0 (in stage production) and v2.0.0 (in stage
 * staging), each tagged
 * on its own commit as register-model tags them, pushed to the bare origin.
 */
function registry() {
  const { root, origin, work } = repoWithRemote({
    'README.md': 'fraud model\n',
    '.gitignore': '.mcp/\nmcp.env\n',
  });
  const tag = (name: string, message: string) => git(work, 'tag', '-a', name, '-m', message);
  tag('fraud@v1.0.0', 'Registering artifact fraud version v1.0.0');
  tag(
    'fraud#production#1',
    'Assigning stage production to artifact fraud version v1.0.0\n\nMcp-Version: v1.0.0',
  );
  writeFileSync(join(work, 'CHANGES.md'), 'v2: retrained\n');
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'v2');
  git(work, 'push', '-q', 'origin', 'main');
  tag('fraud@v2.0.0', 'Registering artifact fraud version v2.0.0');
  tag('fraud#staging#1', 'Assigning stage staging to artifact fraud version v2.0.0\n\nMcp-Version: v2.0.0');
  git(work, 'push', '-q', 'origin', '--tags');
  return { root, origin, work, sha: git(work, 'rev-parse', 'HEAD') };
}

function rolloutInputs(stack: Stack, extra: Record<string, string> = {}) {
  return {
    model: 'fraud',
    version: 'v2.0.0',
    steps: '20,50',
    interval: '400ms',
    count: '1',
    provider: 'http',
    'router-url': `${stack.router}/admin/traffic`,
    analysis: 'http',
    'canary-url': `${stack.servers['v2.0.0']}/stats?window=2000`,
    'stable-url': `${stack.servers['v1.0.0']}/stats?window=2000`,
    success: HEALTH,
    'environment-url': 'https://fraud.example.com',
    ...extra,
  };
}

/** One step of a GitHub job in `work`, as `actor`. */
async function githubStep(
  bundle: 'deploy-canary' | 'rollback',
  work: string,
  github: GitHubEmulator,
  actor: string,
  inputs: Record<string, string>,
) {
  const files = join(work, '..', `${bundle}-${actor}`);
  const env = {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: work,
    GITHUB_REPOSITORY: 'org/fraud',
    GITHUB_RUN_ID: '77',
    GITHUB_SHA: git(work, 'rev-parse', 'HEAD'),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_ACTOR: actor,
    GITHUB_API_URL: github.url,
    GITHUB_OUTPUT: `${files}-output`,
    GITHUB_STEP_SUMMARY: `${files}-summary.md`,
    ...actionInputs(bundle, { token: 'test-token', ...inputs }),
  };
  const started = performance.now();
  const run = await runNode(`dist/${bundle}/index.js`, [], { cwd: work, env });
  const seconds = (performance.now() - started) / 1000;
  const outputs = existsSync(env.GITHUB_OUTPUT) ? readGitHubOutputs(env.GITHUB_OUTPUT) : {};
  const summary = existsSync(env.GITHUB_STEP_SUMMARY) ? readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8') : '';
  rmSync(env.GITHUB_OUTPUT, { force: true });
  rmSync(env.GITHUB_STEP_SUMMARY, { force: true });
  return { ...run, outputs, summary, seconds };
}

const deploymentsOn = (origin: string, environment: string) =>
  git(origin, 'ls-tree', '--name-only', `mcp-meta:deployments/${environment}`).split('\n').filter(Boolean);

describe('deploy-canary and rollback bundles on GitHub', () => {
  it('promotes a healthy canary with GitHub deployment statuses and a chart; a rollback is refused to a writer and done by a maintainer', async () => {
    const { origin, work } = registry();
    const stack = await startStack({ 'v1.0.0': [], 'v2.0.0': [] }, 'v1.0.0');
    const github = await startGitHubEmulator({
      tokens: { 'test-token': 'write' },
      collaborators: { octocat: 'maintain', dev: 'write', lead: 'admin' },
    });
    emulators.push(github);
    const background = load(stack.router, { rps: 100, maxMs: 30_000 });

    const deployed = await githubStep(
      'deploy-canary',
      work,
      github,
      'octocat',
      rolloutInputs(stack, { 'promote-stage': 'production' }),
    );
    expect(deployed.code, deployed.stdout).toBe(0);
    expect(deployed.outputs).toEqual({
      outcome: 'promoted',
      'deployment-id': 'production/1',
      'stable-version': 'v2.0.0',
      report: '.mcp/reports/deploy-production-1.md',
    });
    // The stable version came from the registry's production stage; the stage then moved on.
    expect(deployed.stdout).toContain('stage production is protected; octocat has the maintain role');
    expect(
      git(origin, 'for-each-ref', '--format=%(refname:short)', 'refs/tags/fraud#production#*').split('\n'),
    ).toEqual(['fraud#production#1', 'fraud#production#2']);
    expect(await traffic(stack)).toEqual({ stable: 'v1.0.0', canary: 'v2.0.0', weight: 100 });

    const [first] = github.state.deployments;
    expect(first).toMatchObject({
      environment: 'production',
      sha: git(work, 'rev-parse', 'HEAD'),
      payload: {
        deployment: 'production/1',
        kind: 'canary',
        model: 'fraud',
        version: 'v2.0.0',
        stable_version: 'v1.0.0',
      },
    });
    expect(first?.statuses.map((s) => [s.state, s.environmentUrl, s.logUrl])).toEqual([
      ['in_progress', 'https://fraud.example.com', 'https://github.com/org/fraud/actions/runs/77'],
      ['success', 'https://fraud.example.com', 'https://github.com/org/fraud/actions/runs/77'],
    ]);
    expect(first?.statuses[1]?.description.length).toBeLessThanOrEqual(140);
    expect(deployed.summary).toContain(
      '### Canary <code>fraud&#64;v2.0.0</code> in <code>production</code>: promoted',
    );
    expect(deployed.summary).toMatch(
      /\n\| 1 \| 20% \| 1 success; last: every condition passed \| passed \| \d\d:\d\d:\d\d \(/,
    );
    expect(deployed.summary).toMatch(/\n\| 3 \| 100% \| {2}\| passed \|/);
    // One chart per judged value: error_rate, p95_ms and the two prediction comparisons.
    const titles = deployed.summary.match(/```mermaid\nxychart-beta\n {2}title "[^"]+"/g) ?? [];
    expect(titles.map((t) => t.split('title ')[1])).toEqual([
      '"error_rate: canary (bars), stable (line)"',
      '"p95_ms: canary (bars), stable (line)"',
      '"agreement(canary.predictions, stable.predictions): canary (bars)"',
      '"psi(canary.scores, stable.scores): canary (bars)"',
    ]);
    expect(deployed.summary).toMatch(
      /title "error_rate[^\n]+\n {2}x-axis \["20% #1", "50% #1"\]\n {2}y-axis "error_rate" 0 --> [\d.]+\n {2}bar \[[\d.]+, [\d.]+\]\n {2}line \[/,
    );
    expect(readFileSync(join(work, deployed.outputs.report ?? ''), 'utf8')).toBe(
      `${deployed.summary.trimEnd()}\n`,
    );

    const refused = await githubStep('rollback', work, github, 'dev', { reason: 'latency alert' });
    expect(refused.code).toBe(1);
    const errors = refused.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toEqual([
      expect.stringMatching(
        /^::error::rollback of production refused: dev has the write role on org\/fraud, and rolling back needs maintain or admin \(GitLab: Maintainer\); route it through a protected environment: .*require reviewers/,
      ),
    ]);
    expect(deploymentsOn(origin, 'production')).toEqual(['000001']);
    expect(github.state.deployments).toHaveLength(1);
    expect(await traffic(stack)).toMatchObject({ canary: 'v2.0.0', weight: 100 });

    const rolled = await githubStep('rollback', work, github, 'lead', { reason: 'latency alert' });
    await background.stop();
    expect(rolled.code, rolled.stdout).toBe(0);
    expect(rolled.outputs).toMatchObject({
      outcome: 'rolled-back',
      'deployment-id': 'production/2',
      'stable-version': 'v1.0.0',
    });
    expect(await traffic(stack)).toMatchObject({ canary: 'v1.0.0', weight: 100 });
    expect((await send(stack.router, 20)).served).toEqual({ 'v1.0.0': 20 });
    // The whole step, provider included, well within the 30 s the rollback promises.
    expect(rolled.seconds).toBeLessThan(30);
    const record = JSON.parse(git(origin, 'show', 'mcp-meta:deployments/production/000002/deployment.json'));
    expect(record).toMatchObject({
      kind: 'rollback',
      actor: 'lead',
      reason: 'latency alert',
      version: 'v1.0.0',
    });
    expect(github.state.deployments[1]?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(rolled.summary).toContain(
      '### Rollback of <code>production</code> to <code>fraud&#64;v1.0.0</code>: rolled back',
    );
    // Query values are not recorded (a token may be one).
    const canary = JSON.parse(git(origin, 'show', 'mcp-meta:deployments/production/000001/deployment.json'));
    expect(canary.analysis.canaryUrl).toBe(`${stack.servers['v2.0.0']}/stats?window=***`);
    // The stage the rolled-back rollout promoted (recorded with it) follows traffic back.
    expect(record.promoteStage).toBe('production');
    expect(rolled.stdout).toContain('fraud#production#3: stage production assigned to fraud v1.0.0');
    expect(git(origin, 'tag', '-l', '--format=%(contents)', 'fraud#production#3')).toContain(
      'Mcp-Version: v1.0.0',
    );

    // An environment's first rollout, its version taken from a stage: nothing to compare with, so
    // 100% at once. The origin refuses the qa stage's tag (as a job token that cannot push tags):
    // traffic has moved, so the step reports, warns how to finish and fails.
    const hook = join(origin, 'hooks', 'pre-receive');
    writeFileSync(
      hook,
      '#!/bin/sh\nwhile read old new ref; do case "$ref" in refs/tags/fraud#qa#*) echo "no tags for this token" >&2; exit 1;; esac; done\n',
      { mode: 0o755 },
    );
    const staging = rolloutInputs(stack, {
      version: '',
      stage: 'staging',
      environment: 'staging',
      'promote-stage': 'qa',
    });
    const initial = await githubStep('deploy-canary', work, github, 'octocat', staging);
    expect(initial.code, initial.stdout).toBe(1);
    expect(initial.outputs).toEqual({
      outcome: 'promoted',
      'deployment-id': 'staging/1',
      'stable-version': 'v2.0.0',
      report: '.mcp/reports/deploy-staging-1.md',
    });
    expect(initial.stdout).toContain('staging/1: initial deployment: no stable version to compare with');
    expect(initial.stdout).toMatch(
      /::warning::fraud v2\.0\.0 serves all traffic \(staging\/1\), but stage qa could not be assigned to it: .*finish it with `mcp promote fraud@v2\.0\.0 --stage qa`/,
    );
    expect(initial.summary).toContain('Reason: initial deployment: no stable version to compare with');
    expect(await traffic(stack)).toMatchObject({ canary: 'v2.0.0', weight: 100 });
    const initialRecord = JSON.parse(
      git(origin, 'show', 'mcp-meta:deployments/staging/000001/deployment.json'),
    );
    expect(initialRecord).toMatchObject({ stableVersion: null, outcome: 'promoted', analysis: null });
    expect(initialRecord.steps).toMatchObject([
      { weight: 100, verdict: 'passed', reason: 'initial deployment: no stable version to compare with' },
    ]);
    expect(git(origin, 'tag', '-l', 'fraud#qa#*')).toBe('');

    // Re-run with the tag allowed: only the missing stage is assigned, no second rollout.
    rmSync(hook);
    const rerun = await githubStep('deploy-canary', work, github, 'octocat', staging);
    expect(rerun.code, rerun.stdout).toBe(0);
    expect(rerun.stdout).toContain('staging/1 left fraud v2.0.0 serving staging; only stage qa is missing');
    expect(rerun.outputs).toMatchObject({ outcome: 'promoted', 'deployment-id': 'staging/1' });
    const qa = git(origin, 'tag', '-l', 'fraud#qa#*');
    expect(qa).toMatch(/^fraud#qa#\d+$/);
    expect(git(origin, 'tag', '-l', '--format=%(contents)', qa)).toContain('Mcp-Version: v2.0.0');
    expect(deploymentsOn(origin, 'staging')).toEqual(['000001']);
    expect(github.violations).toEqual([]);
  }, 90_000);
});

describe('deploy-canary through the CLI in a GitLab job', () => {
  it('records the rollout as a GitLab deployment of the environment, with its URL, using the job token', async () => {
    const { work, sha } = registry();
    const stack = await startStack({ 'v1.0.0': [], 'v2.0.0': [] }, 'v1.0.0');
    const gitlab: GitLabEmulator = await startGitLabEmulator();
    emulators.push(gitlab);
    const background = load(stack.router, { rps: 100, maxMs: 30_000 });
    const inputs = rolloutInputs(stack, { environment: 'staging', 'stable-version': 'v1.0.0', steps: '50' });
    const run = await runNode(
      'dist/cli/index.js',
      ['deploy-canary', ...Object.entries(inputs).flatMap(([name, value]) => [`--${name}`, value]), '--json'],
      {
        cwd: work,
        env: {
          MCP_PLATFORM: 'gitlab',
          CI_API_V4_URL: gitlab.apiUrl,
          CI_SERVER_URL: gitlab.url,
          CI_PROJECT_ID: '1',
          CI_PROJECT_PATH: 'group/project',
          CI_PROJECT_URL: `${gitlab.url}/group/project`,
          CI_PROJECT_DIR: work,
          CI_COMMIT_SHA: sha,
          CI_COMMIT_REF_NAME: 'main',
          CI_JOB_URL: `${gitlab.url}/group/project/-/jobs/99`,
          CI_JOB_TOKEN: 'job-token',
          GITLAB_USER_LOGIN: 'octocat',
        },
      },
    );
    await background.stop();
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'promoted', 'deployment-id': 'staging/1' });
    expect(readDotenv(join(work, 'mcp.env'))).toMatchObject({
      MCP_OUTCOME: 'promoted',
      MCP_STABLE_VERSION: 'v2.0.0',
    });
    expect(gitlab.state.environments).toMatchObject([
      { name: 'staging', externalUrl: 'https://fraud.example.com' },
    ]);
    expect(gitlab.state.deployments).toMatchObject([
      { sha, ref: 'main', statuses: ['running', 'success'], user: 'pipeline-user' },
    ]);
    const sent = gitlab.requests.filter((r) => r.operationId?.includes('Deployments'));
    expect(sent.every((r) => r.headers['job-token'] === 'job-token')).toBe(true);
    expect(readFileSync(join(work, '.mcp', 'summary.md'), 'utf8')).toContain('xychart-beta');
    expect(gitlab.violations).toEqual([]);
  }, 40_000);
});
