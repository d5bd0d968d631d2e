// version-data and pull-data against the stores the CI hosts keep: the action bundles as the
// GitHub runner starts them (release assets, the GitHub emulator checking every request against
// GitHub's OpenAPI description) and the CLI bundle in a GitLab job (generic packages, the GitLab
// emulator). Real git with a bare remote; the pull goes to a fresh clone that has nothing cached.
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ActionsArtifactsEmulator, startActionsArtifactsEmulator } from '../emulators/actions-artifacts';
import { type GitHubEmulator, startGitHubEmulator } from '../emulators/github';
import { type GitLabEmulator, startGitLabEmulator } from '../emulators/gitlab';
import { git, repoWithRemote } from '../helpers/git';
import { actionInputs, readGitHubOutputs, runNode } from '../helpers/run';

const MiB = 1024 * 1024;
const JOB_TOKEN = 'ghs_jobtoken000000000000';

/**
 * About `bytes` of CSV, the same on every run (so are its content-defined cut points): large
 * enough for several chunks of 4 MiB on average.
 */
function csv(bytes: number, from = 0): string {
  const rows: string[] = [];
  let size = 0;
  for (let i = from; size < bytes; i++) {
    const row = `${i},${createHash('sha256').update(String(i)).digest('hex')}\n`;
    rows.push(row);
    size += row.length;
  }
  return rows.join('');
}

/** The clone a later job checks out: the same remote, nothing of the first job's `.mcp/`. */
function freshClone(root: string, origin: string, name: string): string {
  const dir = join(root, name);
  git(root, 'clone', '-q', origin, dir);
  return dir;
}

const record = (origin: string, name: string, number: number) =>
  JSON.parse(git(origin, 'show', `mcp-meta:data/${name}/v${number}.json`)) as Record<string, unknown>;

describe('on GitHub: release assets (action bundles, GitHub emulator)', () => {
  let api: GitHubEmulator;
  let results: ActionsArtifactsEmulator | undefined;

  afterEach(async () => {
    const resultsViolations = results?.violations ?? [];
    await results?.close();
    results = undefined;
    await api.close();
    expect(api.violations).toEqual([]);
    expect(resultsViolations).toEqual([]);
  });

  /** The job `job` of workflow run `run`, as the runner starts an action step in it. */
  function runner(
    work: string,
    action: 'version-data' | 'pull-data',
    inputs: Record<string, string>,
    job = { run: 'run-1', job: 'job-1' },
  ) {
    const output = join(work, '..', `output-${randomBytes(4).toString('hex')}.txt`);
    writeFileSync(output, '');
    const env = {
      ...actionInputs(action, inputs),
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_API_URL: api.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/models',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: git(work, 'rev-parse', 'HEAD'),
      GITHUB_REF: 'refs/heads/main',
      GITHUB_RUN_ID: '4242',
      GITHUB_ACTOR: 'octocat',
      GITHUB_WORKSPACE: work,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: join(work, '..', 'summary.md'),
      ...(results
        ? { ACTIONS_RESULTS_URL: results.url, ACTIONS_RUNTIME_TOKEN: results.runtimeToken(job.run, job.job) }
        : {}),
    };
    return runNode(`dist/${action}/index.js`, [], { cwd: work, env }).then((run) => ({
      ...run,
      outputs: readGitHubOutputs(output),
    }));
  }

  const uploaded = () =>
    api.requests
      .filter((r) => r.operationId === 'repos/upload-release-asset' && r.status === 201)
      .map((r) => new URL(r.url, api.url).searchParams.get('name'));

  it('versions into the storage release, uploads only new packs for an append, and pulls v1 into a fresh clone byte for byte', async () => {
    api = await startGitHubEmulator({ tokens: { [JOB_TOKEN]: 'write' } });
    const v1 = csv(12 * MiB);
    const { root, origin, work } = repoWithRemote({ 'data/train.csv': v1, 'data/classes.txt': 'cat\ndog\n' });

    const first = await runner(work, 'version-data', { path: 'data', name: 'train', store: 'release' });
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({ name: 'train', version: '1', changed: 'true' });
    const storage = api.state.releases.filter((r) => r.tagName === 'mcp-store');
    expect(storage).toEqual([expect.objectContaining({ draft: true, repo: 'acme/models' })]);
    const v1Objects = uploaded();
    // One pack of all chunks, its index, the version's chunk lists and the profiles of its
    // tables (both small JSON blobs): whatever the chunk count.
    expect(v1Objects).toEqual([
      expect.stringMatching(/^pack-[0-9a-f]{64}\.pack$/),
      expect.stringMatching(/^pack-[0-9a-f]{64}\.idx$/),
      expect.stringMatching(/^blob-[0-9a-f]{64}\.json$/),
      expect.stringMatching(/^blob-[0-9a-f]{64}\.json$/),
    ]);
    expect(Number(first.outputs['bytes-uploaded'])).toBeGreaterThan(v1.length);
    expect(record(origin, 'train', 1)).toMatchObject({ store: 'release:mcp-store', number: 1 });

    // The job's token is announced to the runner as a secret and shows in no other line.
    expect(first.stdout.split('\n').filter((l) => l.includes(JOB_TOKEN))).toEqual([
      `::add-mask::${JOB_TOKEN}`,
    ]);
    expect(git(origin, 'log', '-p', 'mcp-meta')).not.toContain(JOB_TOKEN);

    const appended = csv(MiB / 8, 1_000_000);
    appendFileSync(join(work, 'data/train.csv'), appended);
    // `auto` on GitHub is the same storage release.
    const second = await runner(work, 'version-data', { path: 'data', name: 'train', store: 'auto' });
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({ version: '2', changed: 'true' });
    expect(JSON.parse(second.outputs.diff as string)).toMatchObject({ modified: ['train.csv'] });
    const v2Objects = uploaded().slice(v1Objects.length);
    expect(v2Objects).toHaveLength(4);
    expect(v2Objects.filter((name) => v1Objects.includes(name))).toEqual([]);
    // Only the chunks from the last cut point on travelled: far less than the 12 MiB file.
    expect(Number(second.outputs['bytes-uploaded'])).toBeLessThan(v1.length / 2);
    expect(api.state.releases.filter((r) => r.tagName === 'mcp-store')).toHaveLength(1);
    expect(record(origin, 'train', 2)).toMatchObject({ store: 'release:mcp-store' });

    const clone = freshClone(root, origin, 'later-job');
    const pulled = await runner(clone, 'pull-data', { name: 'train', version: '1', path: 'restored' });
    expect(pulled.code).toBe(0);
    expect(pulled.outputs).toMatchObject({ name: 'train', version: '1', path: 'restored' });
    expect(readFileSync(join(clone, 'restored/train.csv'), 'utf8') === v1).toBe(true);
    expect(readFileSync(join(clone, 'restored/classes.txt'), 'utf8')).toBe('cat\ndog\n');
    expect(Number(pulled.outputs['bytes-downloaded'])).toBeGreaterThanOrEqual(v1.length);
    expect(api.requests.filter((r) => r.url.startsWith('/_release-assets/')).length).toBeGreaterThan(0);
  }, 120_000);

  it('hands a version to a later job of the run as an artifact, which then downloads nothing from the store', async () => {
    api = await startGitHubEmulator({ tokens: { [JOB_TOKEN]: 'write' } });
    results = await startActionsArtifactsEmulator();
    const v1 = csv(9 * MiB);
    const { root, origin, work } = repoWithRemote({ 'data/train.csv': v1, 'data/classes.txt': 'cat\ndog\n' });
    const prepare = { run: 'run-1', job: 'prepare' };

    const sent = await runner(
      work,
      'version-data',
      { path: 'data', name: 'train', artifact: 'true' },
      prepare,
    );
    expect(sent.code).toBe(0);
    expect(sent.outputs).toMatchObject({ version: '1', artifact: 'mcp-data-train-v1' });
    expect(results.artifacts).toEqual([
      expect.objectContaining({
        name: 'mcp-data-train-v1',
        runId: 'run-1',
        jobId: 'prepare',
        finalized: true,
      }),
    ]);
    // A hand-off: kept a day, the store keeps the version for good.
    const kept = Date.parse(results.artifacts[0]?.expiresAt ?? '') - Date.now();
    expect(kept).toBeGreaterThan(23 * 3600_000);
    expect(kept).toBeLessThan(25 * 3600_000);

    const storeReads = () => api.requests.filter((r) => r.url.startsWith('/_release-assets/')).length;
    const train = freshClone(root, origin, 'train-job');
    const before = storeReads();
    const pulled = await runner(
      train,
      'pull-data',
      { name: 'train', path: 'restored', artifact: 'true' },
      { run: 'run-1', job: 'train' },
    );
    expect(pulled.code).toBe(0);
    expect(pulled.outputs).toMatchObject({ version: '1', 'bytes-downloaded': '0' });
    expect(readFileSync(join(train, 'restored/train.csv'), 'utf8') === v1).toBe(true);
    expect(readFileSync(join(train, 'restored/classes.txt'), 'utf8')).toBe('cat\ndog\n');
    // Neither a pack nor the chunk lists came from the release.
    expect(storeReads()).toBe(before);
    expect(results.requests.map((r) => `${r.operation} ${r.status}`)).toEqual(
      expect.arrayContaining(['ListArtifacts 200', 'GetSignedArtifactURL 200', 'blob:get 200']),
    );

    // v2 appends; a job that was handed v1 only gets the shared chunks from it, the rest from the store.
    appendFileSync(join(work, 'data/train.csv'), csv(MiB / 8, 1_000_000));
    const v2 = await runner(work, 'version-data', { path: 'data', name: 'train' }, prepare);
    expect(v2.outputs).toMatchObject({ version: '2', artifact: '' });
    const partial = freshClone(root, origin, 'partial-job');
    const mixed = await runner(
      partial,
      'pull-data',
      { name: 'train', version: '2', path: 'restored', artifact: 'mcp-data-train-v1' },
      { run: 'run-1', job: 'evaluate' },
    );
    expect(mixed.code).toBe(0);
    const fromStore = Number(mixed.outputs['bytes-downloaded']);
    // Exactly the chunks v2 added: the upload of v2 was those, packed, plus its index and chunk lists.
    expect(fromStore).toBeGreaterThan(0);
    expect(fromStore).toBeLessThan(Number(v2.outputs['bytes-uploaded']));
    expect(readFileSync(join(partial, 'restored/train.csv'), 'utf8')).toBe(
      readFileSync(join(work, 'data/train.csv'), 'utf8'),
    );

    // Another run has no such artifact: a warning, and everything comes from the store.
    const elsewhere = freshClone(root, origin, 'other-run');
    const other = await runner(
      elsewhere,
      'pull-data',
      { name: 'train', version: '1', path: 'restored', artifact: 'true' },
      { run: 'run-2', job: 'train' },
    );
    expect(other.code).toBe(0);
    expect(other.stdout).toContain(
      '::warning::artifact mcp-data-train-v1 is not in this run; reading from the store',
    );
    expect(Number(other.outputs['bytes-downloaded'])).toBeGreaterThanOrEqual(v1.length);
    expect(readFileSync(join(elsewhere, 'restored/train.csv'), 'utf8') === v1).toBe(true);
  }, 180_000);

  it('refuses gitlab-package on GitHub, and a release without a token, with one line and exit 2', async () => {
    api = await startGitHubEmulator({ tokens: { [JOB_TOKEN]: 'write' } });
    const { work } = repoWithRemote({ 'data/a.csv': 'x\n1\n' });
    const wrong = await runner(work, 'version-data', { path: 'data/a.csv', store: 'gitlab-package' });
    expect(wrong.code).toBe(2);
    expect(wrong.stdout.trim().split('\n')).toEqual([
      `::add-mask::${JOB_TOKEN}`,
      '::error::store: "gitlab-package" (GitLab generic packages) is not available on GitHub; use release, auto or local:<dir>',
    ]);
    const tokenless = await runner(work, 'version-data', { path: 'data/a.csv', token: '' });
    expect(tokenless.code).toBe(2);
    expect(tokenless.stdout).toMatch(/^::error::store: release needs a token with contents: write/m);
    expect(api.requests).toEqual([]);
  });
});

describe('on GitLab: generic packages (CLI bundle, GitLab emulator)', () => {
  let gitlab: GitLabEmulator;

  afterEach(async () => {
    expect(gitlab.violations).toEqual([]);
    await gitlab.close();
  });

  function job(work: string, ...args: string[]) {
    const env: Record<string, string> = {
      GITLAB_CI: 'true',
      CI: 'true',
      CI_API_V4_URL: gitlab.apiUrl,
      CI_SERVER_URL: gitlab.url,
      CI_PROJECT_ID: '1',
      CI_PROJECT_PATH: 'group/project',
      CI_PROJECT_DIR: work,
      CI_COMMIT_SHA: git(work, 'rev-parse', 'HEAD'),
      CI_COMMIT_REF_NAME: 'main',
      CI_PIPELINE_SOURCE: 'push',
      CI_JOB_URL: `${gitlab.url}/group/project/-/jobs/99`,
      CI_JOB_TOKEN: 'job-token',
    };
    return runNode('dist/cli/index.js', [...args, '--json'], { cwd: work, env }).then((run) => ({
      ...run,
      outputs: JSON.parse(run.stdout || '{}') as Record<string, string>,
    }));
  }

  const UPLOAD = 'putApiV4ProjectsIdPackagesGenericPackageNamePackageVersionPathFileName';
  const uploads = () => gitlab.requests.filter((r) => r.operationId === UPLOAD && r.status === 201);

  it('versions into the mcp-store package with the job token and pulls v1 into a fresh clone byte for byte', async () => {
    gitlab = await startGitLabEmulator();
    const v1 = csv(10 * MiB);
    const { root, origin, work } = repoWithRemote({ 'data/train.csv': v1 });

    const first = await job(work, 'version-data', '--path', 'data/train.csv', '--store', 'gitlab-package');
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({ name: 'train', version: '1', changed: 'true' });
    // Pack, index, chunk lists, profiles.
    expect(uploads()).toHaveLength(4);
    expect(uploads().every((r) => r.headers['job-token'] === 'job-token')).toBe(true);
    expect(gitlab.state.packages).toEqual([expect.objectContaining({ name: 'mcp-store', version: '1' })]);
    expect(record(origin, 'train', 1)).toMatchObject({ store: 'gitlab-package:mcp-store' });
    expect(first.stderr).not.toContain('job-token');

    appendFileSync(join(work, 'data/train.csv'), csv(MiB / 8, 1_000_000));
    const second = await job(work, 'version-data', '--path', 'data/train.csv');
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({ version: '2', changed: 'true' });
    expect(uploads()).toHaveLength(8);
    expect(Number(second.outputs['bytes-uploaded'])).toBeLessThan(v1.length / 2);
    expect(record(origin, 'train', 2)).toMatchObject({ store: 'gitlab-package:mcp-store' });

    const clone = freshClone(root, origin, 'later-job');
    const pulled = await job(clone, 'pull-data', '--name', 'train', '--version', '1', '--path', 'restored');
    expect(pulled.code).toBe(0);
    expect(pulled.outputs).toMatchObject({ version: '1', path: 'restored' });
    expect(readFileSync(join(clone, 'restored/train.csv'), 'utf8') === v1).toBe(true);
  }, 120_000);

  it('sends a token given as input as an access token, and refuses release on GitLab with exit 2', async () => {
    gitlab = await startGitLabEmulator();
    const { work } = repoWithRemote({ 'data/a.csv': 'x\n1\n2\n' });
    const withToken = await job(work, 'version-data', '--path', 'data/a.csv', '--token', 'project-token');
    expect(withToken.code).toBe(0);
    expect(uploads().map((r) => [r.headers['private-token'], r.headers['job-token']])).toEqual([
      ['project-token', undefined],
      ['project-token', undefined],
      ['project-token', undefined],
      ['project-token', undefined],
    ]);
    expect(withToken.stderr).not.toContain('project-token');

    const wrong = await job(work, 'version-data', '--path', 'data/a.csv', '--store', 'release');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim().split('\n')).toEqual([
      'error: store: "release" (GitHub release assets) is not available on GitLab; use gitlab-package, auto or local:<dir>',
    ]);
    const artifact = await job(work, 'pull-data', '--name', 'a', '--artifact', 'true');
    expect(artifact.code).toBe(2);
    expect(artifact.stderr.trim().split('\n')).toEqual([
      'error: artifact: workflow artifacts exist only in GitHub Actions; set it to false here (the store holds the version)',
    ]);
  });
});

describe('outside CI (CLI bundle, local platform)', () => {
  it('refuses a hosted store with one line naming the input', async () => {
    const { work } = repoWithRemote({ 'data/a.csv': 'x\n1\n' });
    const run = await runNode(
      'dist/cli/index.js',
      ['version-data', '--path', 'data/a.csv', '--store', 'release'],
      {
        cwd: work,
        env: {},
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      'error: store: "release" (GitHub release assets) is not available outside GitHub Actions and GitLab CI; use auto (.mcp/store) or local:<dir>',
    ]);
  });
});
