// The register-model bundle run as the GitHub runner runs it (INPUT_*, GITHUB_*, file commands), on
// real git with a bare remote and a local content store, against the GitHub emulator: a version
// from a recorded run, its re-run, and the protected production stage.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubEmulator, startGitHubEmulator } from '../emulators/github';
import { git, repoWithRemote } from '../helpers/git';
import { actionInputs, readGitHubOutputs, runNode } from '../helpers/run';

const BUNDLE = 'dist/register-model/index.js';
const CLI = 'dist/cli/index.js';
const TOKEN = 'ghs_e2eregistry0000000';
const identity = {
  GIT_AUTHOR_NAME: 'CI',
  GIT_AUTHOR_EMAIL: 'ci@example.com',
  GIT_COMMITTER_NAME: 'CI',
  GIT_COMMITTER_EMAIL: 'ci@example.com',
};

let api: GitHubEmulator;
let project: ReturnType<typeof repoWithRemote>;
let runId = '';

function githubEnv(actor: string, step: string) {
  const files = join(project.root, `${step}-files`);
  mkdirSync(files, { recursive: true });
  return {
    ...identity,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: project.work,
    GITHUB_REPOSITORY: 'acme/churn',
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '77',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: git(project.work, 'rev-parse', 'HEAD'),
    GITHUB_ACTOR: actor,
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STEP_SUMMARY: join(files, 'summary.md'),
  };
}

async function registerStep(actor: string, inputs: Record<string, string>, step: string) {
  const env = { ...githubEnv(actor, step), ...actionInputs('register-model', { token: TOKEN, ...inputs }) };
  const run = await runNode(BUNDLE, [], { cwd: project.work, env });
  const outputs = existsSync(env.GITHUB_OUTPUT) ? readGitHubOutputs(env.GITHUB_OUTPUT) : {};
  const summary = existsSync(env.GITHUB_STEP_SUMMARY) ? readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8') : '';
  return { ...run, outputs, summary };
}

beforeAll(async () => {
  api = await startGitHubEmulator({
    tokens: { [TOKEN]: 'write' },
    collaborators: { octocat: 'maintain', dev: 'write' },
    workflows: [{ file: 'deploy.yml', inputs: ['model', 'version'] }],
  });
  project = repoWithRemote({ '.gitignore': '.mcp/\nmodel/\nmetrics.json\nstore/\n', 'train.sh': 'train\n' });
  // A training run whose model goes to a local content store, then leaves the workspace.
  const trained = await runNode(
    CLI,
    [
      'train',
      '--name',
      'churn-sweep',
      '--command',
      'mkdir -p model && printf weights-v1 > model/w.bin && echo \'{"f1": 0.91, "loss": 0.2}\' > metrics.json',
      '--outputs',
      'model/',
      '--metrics',
      'metrics.json',
      '--store',
      `local:${join(project.root, 'store')}`,
      '--json',
    ],
    { cwd: project.work, env: identity },
  );
  expect(trained.code, trained.stderr).toBe(0);
  runId = JSON.parse(trained.stdout)['run-id'];
  rmSync(join(project.work, 'model'), { recursive: true });
}, 60_000);

afterAll(async () => {
  await api?.close();
  if (project) rmSync(project.root, { recursive: true, force: true });
});

describe('register-model bundle (GitHub runner environment, emulator, bare remote)', () => {
  it('registers the model of a recorded run: tag, published release with the file and card, record, stage, dispatch', async () => {
    const first = await registerStep(
      'octocat',
      { name: 'churn', 'run-id': runId, stage: 'staging', dispatch: 'deploy.yml', labels: 'baseline' },
      'first',
    );
    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs).toMatchObject({
      version: 'v0.0.1',
      tag: 'churn@v0.0.1',
      created: 'true',
      'release-url': 'https://github.com/acme/churn/releases/tag/churn@v0.0.1',
    });
    expect(JSON.parse(first.outputs.assets ?? '')).toEqual([
      expect.objectContaining({ path: 'model/w.bin', name: 'w.bin', size: 10 }),
    ]);
    const origin = project.origin;
    expect(git(origin, 'tag', '-l').split('\n')).toEqual(['churn#staging#1', 'churn@v0.0.1']);
    const run = JSON.parse(git(origin, 'show', `mcp-meta:runs/churn-sweep/${runId}.json`));
    expect(git(origin, 'rev-parse', 'churn@v0.0.1^{commit}')).toBe(run.commit);
    expect(JSON.parse(git(origin, 'show', 'mcp-meta:models/churn/v0.0.1.json'))).toMatchObject({
      runId,
      metrics: { f1: 0.91, loss: 0.2 },
      labels: ['baseline'],
      actor: 'octocat',
      digest: run.modelDigest,
    });
    const [release] = api.state.releases;
    expect(release).toMatchObject({ tagName: 'churn@v0.0.1', draft: false });
    expect(api.state.assets.map((a) => [a.name, a.bytes.toString()])).toEqual([['w.bin', 'weights-v1']]);
    expect(release?.body).toContain('| f1 | 0.91 |');
    expect(release?.body).toContain('```mermaid');
    expect(first.summary).toContain('## churn v0.0.1');
    expect(api.state.dispatches).toEqual([
      {
        repo: 'acme/churn',
        workflow: 'deploy.yml',
        ref: 'main',
        inputs: { model: 'churn', version: 'v0.0.1' },
      },
    ]);

    const again = await registerStep('octocat', { name: 'churn', 'run-id': runId }, 'again');
    expect(again.code, again.stdout).toBe(0);
    expect(again.outputs).toMatchObject({
      version: 'v0.0.1',
      created: 'false',
      'release-url': first.outputs['release-url'],
    });
    expect(again.stdout).toContain('already holds the model files');
    expect(api.state.releases).toHaveLength(1);
    expect(api.requests.filter((r) => r.operationId === 'repos/upload-release-asset')).toHaveLength(1);
    expect(api.violations).toEqual([]);
  }, 120_000);

  it('production is refused to a write actor (bundle and mcp promote), allowed to a maintainer, and is validate-metrics’ baseline', async () => {
    const refused = await registerStep('dev', { name: 'churn', 'run-id': runId, stage: 'production' }, 'dev');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /::error::stage production is protected: dev has the write role on acme\/churn, and assigning churn@latest to it needs maintain or admin.*protected environment/,
    );
    const promoteEnv = (actor: string) => ({ ...githubEnv(actor, `promote-${actor}`), GITHUB_TOKEN: TOKEN });
    const denied = await runNode(CLI, ['promote', 'churn@v0.0.1', '--stage', 'production'], {
      cwd: project.work,
      env: promoteEnv('dev'),
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/error: stage production is protected: dev has the write role/);
    expect(git(project.origin, 'tag', '-l', 'churn#production*')).toBe('');

    const promoted = await runNode(CLI, ['promote', 'churn@v0.0.1', '--stage', 'production'], {
      cwd: project.work,
      env: promoteEnv('octocat'),
    });
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toBe('churn#production#2: stage production assigned to churn v0.0.1\n');

    writeFileSync(join(project.work, 'metrics.json'), '{"f1": 0.89}');
    const gate = await runNode(
      CLI,
      [
        'validate-metrics',
        '--metrics',
        'metrics.json',
        '--baseline',
        'stage:production',
        '--rules',
        'f1 >= baseline',
        '--json',
      ],
      { cwd: project.work, env: identity },
    );
    expect(gate.code).toBe(1);
    expect(JSON.parse(gate.stdout)).toMatchObject({ passed: 'false', 'failed-rules': '["f1 >= baseline"]' });
    expect(api.violations).toEqual([]);
  }, 120_000);
});
