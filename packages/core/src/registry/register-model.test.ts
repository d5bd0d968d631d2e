import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GitHubEmulator, startGitHubEmulator } from '../../../../test/emulators/github';
import { type GitLabEmulator, startGitLabEmulator } from '../../../../test/emulators/gitlab';
import { git, repoWithRemote, writeFiles } from '../../../../test/helpers/git';
import { InputError, McpError } from '../errors';
import { MetaBranch } from '../meta';
import { GitHubPlatform } from '../platform';
import { createGitHubClient } from '../platform/github-client';
import { GitHubReleases } from '../platform/github-releases';
import { GitLabReleases } from '../platform/gitlab-releases';
import type { RunRecord } from '../train/record';
import {
  assetNames,
  checkStagePermission,
  type LocalModelFile,
  modelDigest,
  publishModelRelease,
  RegistryGit,
  registerModel,
  registerModelStep,
  renderModelCard,
  StageNotAllowed,
} from '.';

const TOKEN = 'ghs_registry000000000';
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const emulators: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

async function github(options: Parameters<typeof startGitHubEmulator>[0] = {}): Promise<GitHubEmulator> {
  const api = await startGitHubEmulator({ tokens: { [TOKEN]: 'write' }, ...options });
  emulators.push(api);
  return api;
}

/** Model files written into `work`, as the registry records them. */
function modelFiles(work: string, files: Record<string, string | Buffer>): LocalModelFile[] {
  return Object.entries(files).map(([path, content]) => {
    writeFiles(work, { [path]: '' });
    writeFileSync(join(work, path), content);
    return { path, absolutePath: join(work, path), size: Buffer.from(content).length, sha256: sha(content) };
  });
}

const access = (api: GitHubEmulator) => () => ({ token: TOKEN, repository: 'acme/churn', apiUrl: api.url });
// GitHub asks for a second between content-creating requests; the emulator does not.
const quick = (api: GitHubEmulator) =>
  createGitHubClient({ token: TOKEN, apiUrl: api.url, writeIntervalMs: 0 });

describe('model releases on GitHub (emulator)', () => {
  it('a draft of the tag, each asset (a file past the asset limit in parts), the card as notes, then published', async () => {
    const api = await github();
    const { work } = repoWithRemote({ 'train.py': '' });
    const big = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251));
    const files = modelFiles(work, { 'out/model.bin': big, 'out/config.json': '{"layers":3}' });
    const host = new GitHubReleases(access(api), { maxAssetSize: 1000, client: quick(api) });
    const lines: string[] = [];
    const published = await publishModelRelease(host, {
      tag: 'churn@v0.0.1',
      title: 'churn v0.0.1',
      commit: git(work, 'rev-parse', 'HEAD'),
      files,
      notes: (released) => `card of ${released.map((f) => f.name).join(', ')}`,
      log: (line) => lines.push(line),
    });
    expect(published.uploaded).toBe(4);
    expect(published.files.map((f) => [f.path, f.name, f.parts?.map((p) => p.size) ?? f.size])).toEqual([
      ['out/model.bin', 'model.bin', [1000, 1000, 500]],
      ['out/config.json', 'config.json', 12],
    ]);
    const [release] = api.state.releases;
    expect(release).toMatchObject({
      tagName: 'churn@v0.0.1',
      draft: false,
      body: 'card of model.bin, config.json',
    });
    expect(published.url).toBe('https://github.com/acme/churn/releases/tag/churn@v0.0.1');
    const assets = api.state.assets.filter((a) => a.releaseId === release?.id);
    expect(assets.map((a) => a.name).sort()).toEqual([
      'config.json',
      'model.bin.part-001',
      'model.bin.part-002',
      'model.bin.part-003',
    ]);
    const joined = Buffer.concat(
      ['001', '002', '003'].map(
        (n) => assets.find((a) => a.name === `model.bin.part-${n}`)?.bytes ?? Buffer.alloc(0),
      ),
    );
    expect(joined.equals(big)).toBe(true);
    // Draft first, uploads, then notes and publication: an immutable release is complete when published.
    const order = api.requests
      .map((r) => r.operationId)
      .filter((id) =>
        ['repos/create-release', 'repos/upload-release-asset', 'repos/update-release'].includes(id ?? ''),
      );
    expect(order).toEqual([
      'repos/create-release',
      ...Array(4).fill('repos/upload-release-asset'),
      'repos/update-release',
      'repos/update-release',
    ]);
    expect(api.requests.find((r) => r.operationId === 'repos/create-release')?.body).toMatchObject({
      draft: true,
    });
    expect(lines.at(-1)).toBe(`release churn@v0.0.1 published: ${published.url}`);

    const again = await publishModelRelease(host, {
      tag: 'churn@v0.0.1',
      title: 'churn v0.0.1',
      commit: 'HEAD',
      files,
      notes: () => 'other notes',
    });
    expect(again).toMatchObject({ existed: true, uploaded: 0, url: published.url });
    expect(api.state.releases).toHaveLength(1);
    expect(api.violations).toEqual([]);
  });

  it('an upload failing midway withdraws the tag and leaves the draft; the re-run completes it, no second version', async () => {
    const api = await github();
    const { work, origin } = repoWithRemote({ 'train.py': '' });
    const files = modelFiles(work, { 'model/a.bin': 'weights-a', 'model/b.bin': 'weights-b' });
    const reg = new RegistryGit({
      cwd: work,
      tagger: { name: 'ci', email: 'ci@example.com' },
      retry: { baseMs: 5 },
    });
    const meta = new MetaBranch({ cwd: work, author: { name: 'mcp', email: 'mcp@example.com' } });
    const context = { actor: 'alice', commit: null, runUrl: null };
    const host = new GitHubReleases(access(api), { uploadAttempts: 2, retryBaseMs: 1, client: quick(api) });
    const register = () =>
      registerModel(reg, meta, context, {
        name: 'churn',
        commit: 'HEAD',
        files: files.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
        metrics: { f1: 0.9 },
        beforeRecord: async (tag) => {
          await publishModelRelease(host, {
            tag: tag.tag,
            title: tag.tag,
            commit: tag.commit,
            files,
            notes: () => 'card',
            // Once the first file is up, the next upload fails twice: every attempt this run has.
            log: (line) => {
              if (line.startsWith('uploaded a.bin')) api.faults.failUploads.push('bad-gateway', 'hang-up');
            },
          });
        },
      });
    await expect(register()).rejects.toThrow(
      /uploading b\.bin to release churn@v0\.0\.1 failed.*run the job again.*\(tag churn@v0\.0\.1 withdrawn; run the job again\)/,
    );
    // No version stands without its files: the tag is gone on the remote and here.
    expect(git(origin, 'tag', '-l')).toBe('');
    expect(git(work, 'tag', '-l')).toBe('');
    expect(() => git(origin, 'show', 'mcp-meta:models/churn/v0.0.1.json')).toThrow();
    expect(api.state.releases).toEqual([expect.objectContaining({ draft: true })]);
    expect(api.state.assets.map((a) => [a.name, a.state]).sort()).toEqual([
      ['a.bin', 'uploaded'],
      ['b.bin', 'starter'],
    ]);

    const rerun = await register();
    expect(rerun).toMatchObject({ version: 'v0.0.1', created: true });
    expect(git(origin, 'tag', '-l')).toBe('churn@v0.0.1');
    expect(api.state.releases).toEqual([expect.objectContaining({ draft: false, body: 'card' })]);
    expect(api.state.assets.map((a) => [a.name, a.state, a.bytes.toString()]).sort()).toEqual([
      ['a.bin', 'uploaded', 'weights-a'],
      ['b.bin', 'uploaded', 'weights-b'],
    ]);
    // a.bin was not uploaded again.
    expect(api.requests.filter((r) => r.operationId === 'repos/upload-release-asset')).toHaveLength(4);
    expect(JSON.parse(git(origin, 'show', 'mcp-meta:models/churn/v0.0.1.json'))).toMatchObject({
      digest: modelDigest(files),
      metrics: { f1: 0.9 },
    });
    expect(api.violations).toEqual([]);
  });
});

describe('model releases on GitLab (emulator)', () => {
  it('files as generic-package files, a release of the tag linking each; a re-run adds nothing', async () => {
    const api: GitLabEmulator = await startGitLabEmulator();
    emulators.push(api);
    const { work } = repoWithRemote({ 'train.py': '' });
    const files = modelFiles(work, { 'model.pkl': 'pickled', 'vocab/words.txt': 'a b c' });
    const host = new GitLabReleases(() => ({
      apiUrl: api.apiUrl,
      project: 'group/project',
      token: 'job-token',
      tokenKind: 'job' as const,
    }));
    const options = {
      tag: 'team/churn@v1.2.0',
      title: 'team/churn v1.2.0',
      commit: 'HEAD',
      files,
      notes: () => '## the card',
    };
    const published = await publishModelRelease(host, options);
    expect(published.url).toBe('https://gitlab.com/group/project/-/releases/team%2Fchurn%40v1.2.0');
    expect(api.state.packages).toEqual([expect.objectContaining({ name: 'team.churn', version: '1.2.0' })]);
    const [release] = api.state.releases;
    expect(release).toMatchObject({
      tagName: 'team/churn@v1.2.0',
      name: 'team/churn v1.2.0',
      description: '## the card',
    });
    expect(release?.links.map((l) => [l.name, l.directAssetPath, l.linkType])).toEqual([
      ['model.pkl', '/model.pkl', 'package'],
      ['vocab--words.txt', '/vocab--words.txt', 'package'],
    ]);
    // A link is a download of the package file.
    const download = await fetch(release?.links[1]?.url ?? '', { headers: { 'JOB-TOKEN': 'job-token' } });
    expect(await download.text()).toBe('a b c');
    expect(published.files.map((f) => f.url)).toEqual(release?.links.map((l) => l.url));

    // A release that lost a link (a crash mid-way) gets it back; one that is complete is left alone.
    release?.links.pop();
    const mended = await publishModelRelease(host, options);
    expect(mended).toMatchObject({ existed: false, uploaded: 0 });
    expect(api.state.releases[0]?.links).toHaveLength(2);
    expect(await publishModelRelease(host, options)).toMatchObject({ existed: true, uploaded: 0 });
    expect(api.state.packageFiles).toHaveLength(2);
    expect(api.violations).toEqual([]);
  });
});

describe('the model card', () => {
  const record = {
    schemaVersion: 1 as const,
    name: 'churn',
    semver: '0.0.3',
    tag: 'churn@v0.0.3',
    commit: 'a'.repeat(40),
    files: [],
    digest: 'd'.repeat(64),
    runId: '20260101T100000Z-1a2b3c4d',
    data: [{ name: 'train', number: 3, digest: 'e'.repeat(64) }],
    metrics: { f1: 0.912345678, 'test|loss': 0.2 },
    description: 'Better recall <script>alert(1)</script> @team',
    labels: ['baseline'],
    createdAt: '2026-01-01T10:00:00.000Z',
    actor: 'alice',
    runUrl: 'https://github.com/acme/churn/actions/runs/9',
  };
  const run = {
    params: { model: { depth: 5 }, lr: 0.01 },
    runUrl: 'https://github.com/acme/churn/actions/runs/8',
    cachedFrom: null,
    environment: {
      os: 'linux 6.1',
      arch: 'x64',
      cpus: 'AMD EPYC',
      cpuCount: 2,
      memoryBytes: 8 * 1024 ** 3,
      gpus: [],
      versions: { python: '3.12.1' },
      locks: { 'uv.lock': 'f'.repeat(64) },
    },
  } as unknown as RunRecord;

  it('tells metrics, params, data, lineage, the exact files and the environment, escaping user text', () => {
    const card = renderModelCard({
      record,
      run,
      lineage: '```mermaid\ngraph LR\n```',
      files: [
        {
          path: 'model.pkl',
          name: 'model.pkl',
          size: 2048,
          sha256: 'c'.repeat(64),
          url: 'https://x.test/model.pkl',
        },
        {
          path: 'big.bin',
          name: 'big.bin',
          size: 3,
          sha256: 'b'.repeat(64),
          url: '',
          parts: [{ name: 'big.bin.part-001', size: 3, url: 'https://x.test/p1' }],
        },
      ],
    });
    expect(card).toContain('## churn v0.0.3');
    expect(card).toContain('Better recall &lt;script&gt;alert\\(1\\)&lt;/script&gt; &#64;team');
    expect(card).toContain('| f1 | 0.912346 |');
    expect(card).toContain('| test\\|loss | 0.2 |');
    expect(card).toContain('| model.depth | <code>5</code> |');
    expect(card).toContain('| train | v3 | <code>sha256:eeeeeeeeeeee</code> |');
    expect(card).toContain('### Lineage\n\n```mermaid\ngraph LR\n```');
    expect(card).toContain(
      `| <code>model.pkl</code> | 2.0 KiB | <code>${'c'.repeat(64)}</code> | [model.pkl](https://x.test/model.pkl) |`,
    );
    expect(card).toContain('1 part: [big.bin.part-001](https://x.test/p1)');
    expect(card).toContain('[CI run](https://github.com/acme/churn/actions/runs/8)');
    expect(card).toContain('| python | <code>3.12.1</code> |');
    expect(card).toContain('gto show churn');
  });

  it('asset names drop the common directory and refuse two files that would share one', () => {
    expect([
      ...assetNames(['.mcp/output/churn/model.pkl', '.mcp/output/churn/meta/a b.json']).values(),
    ]).toEqual(['model.pkl', 'meta--a_b.json']);
    expect(() => assetNames(['x/a b', 'x/a_b'])).toThrow(McpError);
  });
});

describe('protected stages', () => {
  const platformWith = (role: string | undefined, name: 'github' | 'local' = 'github') => ({
    name,
    context: { actor: 'dev', repository: 'acme/churn', workspace: '' },
    role: async () => role as never,
  });
  const request = { stage: 'production', protectedStages: ['production'], subject: 'churn@v0.0.3' };

  it('the write role is refused production, with the way through a protected environment', async () => {
    const refused = checkStagePermission(platformWith('write'), request);
    await expect(refused).rejects.toThrow(StageNotAllowed);
    await expect(refused).rejects.toThrow(
      /stage production is protected: dev has the write role on acme\/churn.*needs maintain or admin.*protected environment.*require reviewers/,
    );
    await expect(checkStagePermission(platformWith('maintain'), request)).resolves.toMatchObject({
      role: 'maintain',
    });
    await expect(
      checkStagePermission(platformWith('read'), { ...request, stage: 'staging' }),
    ).resolves.toEqual({
      protected: false,
    });
    // No host to ask: your own clone.
    await expect(checkStagePermission(platformWith(undefined, 'local'), request)).resolves.toMatchObject({
      protected: true,
    });
  });

  it('register-model asks GitHub before writing anything: a write actor cannot put a version in production', async () => {
    const api = await github({ collaborators: { dev: 'write', lead: 'maintain' } });
    const { work, origin } = repoWithRemote({ 'train.py': '' });
    modelFiles(work, { 'model.pkl': 'v1' });
    const env = {
      GITHUB_REPOSITORY: 'acme/churn',
      GITHUB_API_URL: api.url,
      GITHUB_TOKEN: TOKEN,
      GITHUB_WORKSPACE: work,
    };
    const step = (actor: string, inputs: Record<string, string>) => {
      const platform = new GitHubPlatform({ env: { ...env, GITHUB_ACTOR: actor }, cwd: work, log: () => {} });
      const all = {
        name: 'churn',
        path: 'model.pkl',
        'run-id': '',
        'best-of': '',
        metric: '',
        direction: '',
        metrics: '',
        version: '',
        bump: 'patch',
        stage: '',
        'protected-stages': 'production',
        description: '',
        labels: '',
        dispatch: '',
        store: '',
        token: '',
        ...inputs,
      };
      return registerModelStep(platform, all, {
        ...process.env,
        GIT_COMMITTER_NAME: actor,
        GIT_COMMITTER_EMAIL: `${actor}@example.com`,
      });
    };
    await expect(step('dev', { stage: 'production' })).rejects.toThrow(/dev has the write role/);
    expect(git(origin, 'tag', '-l')).toBe('');
    expect(api.state.releases).toEqual([]);

    const made = await step('lead', { stage: 'production', version: '1.0.0' });
    expect(made.outputs).toMatchObject({ version: 'v1.0.0', tag: 'churn@v1.0.0', created: 'true' });
    expect(git(origin, 'tag', '-l').split('\n')).toEqual(['churn#production#1', 'churn@v1.0.0']);
    const again = await step('dev', {});
    expect(again.outputs).toMatchObject({ version: 'v1.0.0', created: 'false' });
    expect(JSON.parse(again.outputs.assets ?? '')).toEqual([
      expect.objectContaining({ path: 'model.pkl', name: 'model.pkl', sha256: sha('v1') }),
    ]);
    writeFileSync(join(work, 'model.pkl'), 'v2');
    const clash = step('dev', { version: '1.0.0' });
    await expect(clash).rejects.toThrow(InputError);
    await expect(clash).rejects.toThrow(/version: churn v1\.0\.0 already exists and holds other model files/);
    expect(readFileSync(join(work, 'model.pkl'), 'utf8')).toBe('v2');
    expect(api.violations).toEqual([]);
  });
});
