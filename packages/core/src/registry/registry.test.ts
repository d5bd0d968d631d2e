import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repoWithRemote, tempDir, writeFiles } from '../../../../test/helpers/git';
import { InputError } from '../errors';
import { MetaBranch } from '../meta';
import {
  assignStage,
  buildRegistry,
  deprecateModel,
  deregisterVersion,
  describeModel,
  formatHistory,
  formatModel,
  type ModelState,
  modelDigest,
  modelVersionPath,
  RegistryError,
  RegistryGit,
  readModelVersions,
  registerModel,
  registerVersion,
  unassignStage,
} from '.';

const tagger = { name: 'Alice', email: 'alice@example.com' };
const digest = (c: string) => c.repeat(64);

function registry(cwd: string, remote?: string | null) {
  return new RegistryGit({ cwd, tagger, remote, retry: { baseMs: 5 } });
}

async function state(reader: RegistryGit, name = 'churn'): Promise<ModelState> {
  const found = buildRegistry(await reader.readTags()).get(name);
  if (!found) throw new Error(`no model ${name} in the registry`);
  return found;
}

const holders = (s: ModelState) =>
  Object.fromEntries(Object.entries(s.stages).map(([stage, held]) => [stage, held.version]));

/** A plain `git tag -a`, as GTO runs it, with the tagger date fixed. */
function gitTag(cwd: string, name: string, rev: string, date: string, message = name) {
  execFileSync('git', ['tag', '-a', name, '-m', message, rev], {
    cwd,
    env: {
      ...process.env,
      GIT_COMMITTER_NAME: 'Gto User',
      GIT_COMMITTER_EMAIL: 'gto@example.com',
      GIT_COMMITTER_DATE: date,
    },
  });
}

function commitFile(work: string, file: string, content: string): string {
  writeFiles(work, { [file]: content });
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', file);
  return git(work, 'rev-parse', 'HEAD');
}

describe('registering versions on a real remote', () => {
  it('numbers versions from the remote tags: v0.0.1 first, then bumps; the tags are annotated and GTO-shaped', async () => {
    const { work, origin } = repoWithRemote({ 'train.py': 'print(1)\n' });
    const reg = registry(work);
    const first = await registerVersion(reg, {
      name: 'churn',
      commit: 'HEAD',
      digest: digest('a'),
      bump: 'major',
    });
    expect(first).toMatchObject({ version: 'v0.0.1', tag: 'churn@v0.0.1', created: true, attempts: 1 });
    const head = git(work, 'rev-parse', 'HEAD');
    expect(first.commit).toBe(head);

    const bumps = [];
    for (const [bump, c] of [
      ['patch', 'b'],
      ['minor', 'c'],
      ['major', 'd'],
      ['patch', 'e'],
    ] as const) {
      bumps.push(
        (await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest(c), bump })).version,
      );
    }
    expect(bumps).toEqual(['v0.0.2', 'v0.1.0', 'v1.0.0', 'v1.0.1']);

    expect(git(origin, 'cat-file', '-t', 'churn@v0.0.1')).toBe('tag');
    expect(git(origin, 'rev-parse', 'churn@v0.0.1^{commit}')).toBe(head);
    expect(
      git(origin, 'for-each-ref', '--format=%(taggername) %(taggeremail)', 'refs/tags/churn@v0.0.1'),
    ).toBe('Alice <alice@example.com>');
    expect(git(origin, 'tag', '-l', '--format=%(contents)', 'churn@v0.0.2')).toBe(
      `Registering artifact churn version v0.0.2\n\nMcp-Model-Digest: ${digest('b')}`,
    );
    // The job's own clone has the tag too, as after `git tag` and `git push`.
    expect(git(work, 'rev-parse', 'churn@v1.0.1^{commit}')).toBe(head);
  });

  it('a re-run with the same files returns the version it made; other files get the next one', async () => {
    const { work, origin } = repoWithRemote({ 'train.py': '' });
    const reg = registry(work);
    const first = await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('a') });
    const again = await registerVersion(registry(work), {
      name: 'churn',
      commit: 'HEAD',
      digest: digest('a'),
    });
    expect(again).toMatchObject({ version: 'v0.0.1', tag: 'churn@v0.0.1', created: false, time: first.time });
    const other = await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('b') });
    expect(other).toMatchObject({ version: 'v0.0.2', created: true });
    expect(git(origin, 'tag', '-l').split('\n')).toEqual(['churn@v0.0.1', 'churn@v0.0.2']);
  });

  it('an explicit version: the same files return it, other files under that number are refused', async () => {
    const { work, origin } = repoWithRemote({ 'train.py': '' });
    const reg = registry(work);
    const made = await registerVersion(reg, {
      name: 'churn',
      commit: 'HEAD',
      digest: digest('a'),
      version: '1.2.0',
    });
    expect(made).toMatchObject({ version: 'v1.2.0', tag: 'churn@v1.2.0', created: true });
    const same = await registerVersion(reg, {
      name: 'churn',
      commit: 'HEAD',
      digest: digest('a'),
      version: 'v1.2.0',
    });
    expect(same.created).toBe(false);
    const clash = registerVersion(reg, {
      name: 'churn',
      commit: 'HEAD',
      digest: digest('b'),
      version: 'v1.2.0',
    });
    await expect(clash).rejects.toThrow(InputError);
    await expect(clash).rejects.toThrow(
      `version: churn v1.2.0 already exists and holds other model files (digest ${'a'.repeat(12)}, these are ${'b'.repeat(12)}); give another version or use bump`,
    );
    // Bumping goes on from the greatest version.
    expect((await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('b') })).version).toBe(
      'v1.2.1',
    );
    expect(git(origin, 'tag', '-l')).toBe('churn@v1.2.0\nchurn@v1.2.1');
  });

  it('refuses bad input in one line naming it, before touching the remote', async () => {
    const { work, origin } = repoWithRemote({ 'train.py': '' });
    const reg = registry(work);
    await expect(
      registerVersion(reg, { name: 'Churn', commit: 'HEAD', digest: digest('a') }),
    ).rejects.toThrow(
      /^name: "Churn" is not a valid model name: upper case is not allowed \(use lowercase letters/,
    );
    await expect(
      registerVersion(reg, { name: 'churn', commit: 'nope', digest: digest('a') }),
    ).rejects.toThrow('commit: "nope" is not a commit in this repository');
    await expect(registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: 'xyz' })).rejects.toThrow(
      'digest: "xyz" is not a lowercase hex sha256',
    );
    await expect(
      registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('a'), version: '1.2' }),
    ).rejects.toThrow(/^version: "1.2" is not a semantic version/);
    const token = `ghp_${'x'.repeat(36)}`;
    const leak = registerVersion(reg, {
      name: 'churn',
      commit: 'HEAD',
      digest: digest('a'),
      description: `by ${token}`,
    });
    await expect(leak).rejects.toThrow(
      'refusing to write the message of tag churn@v0.0.1: it contains a value that looks like a GitHub token (ghp_…)',
    );
    expect(git(origin, 'tag', '-l')).toBe('');
  });

  it('a push the remote refuses is an error that says what access is needed, not a retry', async () => {
    const { work, origin } = repoWithRemote({ 'train.py': '' });
    writeFileSync(
      join(origin, 'hooks', 'pre-receive'),
      '#!/bin/sh\necho "permission denied to alice" >&2\nexit 1\n',
      {
        mode: 0o755,
      },
    );
    const attempt = registerVersion(registry(work), { name: 'churn', commit: 'HEAD', digest: digest('a') });
    await expect(attempt).rejects.toThrow(RegistryError);
    await expect(attempt).rejects.toThrow(
      /^cannot push tag churn@v0\.0\.1 to origin: \[remote rejected\] \(pre-receive hook declined\) \(pushing tags needs write access: on GitHub `permissions: contents: write`; on GitLab a project access token with write_repository/,
    );
  });
});

describe('stages on a real remote', () => {
  async function twoVersions() {
    const { work, origin } = repoWithRemote({ 'train.py': 'v1\n' });
    const reg = registry(work);
    await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('a') });
    commitFile(work, 'train.py', 'v2\n');
    git(work, 'push', '-q', 'origin', 'main');
    await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('b') });
    return { work, origin, reg };
  }

  it('assigns with counted tags, the latest assignment wins, a repeat writes nothing, unassign falls back', async () => {
    const { work, origin, reg } = await twoVersions();
    const one = await assignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.1' });
    expect(one).toMatchObject({ tag: 'churn#prod#1', version: 'v0.0.1', created: true, warnings: [] });
    expect(git(origin, 'rev-parse', 'churn#prod#1^{commit}')).toBe(
      git(work, 'rev-parse', 'churn@v0.0.1^{commit}'),
    );
    expect(git(origin, 'tag', '-l', '--format=%(contents)', 'churn#prod#1')).toBe(
      'Assigning stage prod to artifact churn version v0.0.1\n\nMcp-Version: v0.0.1',
    );
    await assignStage(reg, { name: 'churn', stage: 'prod', version: '0.0.2' });
    await assignStage(reg, { name: 'churn', stage: 'staging', version: 'v0.0.2' });
    expect(holders(await state(reg))).toEqual({ prod: 'v0.0.2', staging: 'v0.0.2' });

    const repeat = await assignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.2' });
    expect(repeat).toMatchObject({ tag: 'churn#prod#2', created: false });

    const off = await unassignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.2' });
    expect(off.tag).toBe('churn#prod!#4');
    expect(holders(await state(reg))).toEqual({ prod: 'v0.0.1', staging: 'v0.0.2' });

    // A rollback re-assigns an older version: a new tag, and it wins.
    await assignStage(reg, { name: 'churn', stage: 'staging', version: 'v0.0.1' });
    expect(holders(await state(reg))).toEqual({ prod: 'v0.0.1', staging: 'v0.0.1' });
    expect(git(origin, 'tag', '-l', 'churn#*').split('\n')).toEqual([
      'churn#prod!#4',
      'churn#prod#1',
      'churn#prod#2',
      'churn#staging#3',
      'churn#staging#5',
    ]);
  });

  it('refuses stages of unknown versions and unassigning what is not assigned', async () => {
    const { reg } = await twoVersions();
    await expect(assignStage(reg, { name: 'churn', stage: 'prod', version: 'v9.9.9' })).rejects.toThrow(
      'version: churn has no registered version v9.9.9 (registered: v0.0.2, v0.0.1)',
    );
    await expect(unassignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.1' })).rejects.toThrow(
      'version: churn v0.0.1 is not in stage prod',
    );
    await expect(assignStage(reg, { name: 'churn', stage: 'Prod', version: 'v0.0.1' })).rejects.toThrow(
      /^stage: "Prod" is not a valid stage name: upper case is not allowed/,
    );
  });

  it('deregistering a version takes it out of latest and of its stages; deprecation marks the model', async () => {
    const { reg } = await twoVersions();
    await assignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.1' });
    await assignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.2' });
    const gone = await deregisterVersion(reg, { name: 'churn', version: 'v0.0.2' });
    expect(gone.tag).toBe('churn@v0.0.2!#3');
    let now = await state(reg);
    expect(now.latest).toBe('v0.0.1');
    expect(holders(now)).toEqual({ prod: 'v0.0.1' });
    await expect(assignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.2' })).rejects.toThrow(
      'version: churn has no registered version v0.0.2 (registered: v0.0.1)',
    );

    const deprecated = await deprecateModel(reg, { name: 'churn' });
    expect(deprecated).toMatchObject({ tag: 'churn@deprecated#4', created: true });
    expect((await state(reg)).deprecated).toBe(true);
    expect(await deprecateModel(reg, { name: 'churn' })).toMatchObject({
      tag: 'churn@deprecated#4',
      created: false,
    });
    // A new version revives it, as in GTO; bumping skips the deregistered number, whose tag stays.
    const next = await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('c') });
    expect(next.version).toBe('v0.0.3');
    now = await state(reg);
    expect(now.deprecated).toBe(false);
    expect(now.events.map((e) => `${e.kind} ${e.version ?? ''}`.trim())).toEqual([
      'register v0.0.1',
      'register v0.0.2',
      'assign v0.0.1',
      'assign v0.0.2',
      'deregister v0.0.2',
      'deprecate',
      'register v0.0.3',
    ]);
  });

  it('warns when the version shares its commit with another, which GTO cannot tell apart', async () => {
    const { work } = repoWithRemote({ 'train.py': '' });
    const reg = registry(work);
    await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('a') });
    await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('b') });
    const assigned = await assignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.1' });
    expect(assigned.warnings).toEqual([
      `churn#prod#1 is on commit ${assigned.commit.slice(0, 12)}, which also holds v0.0.2 of churn: mcp reads which version it means from the tag message, GTO cannot tell them apart`,
    ]);
    expect(holders(await state(reg))).toEqual({ prod: 'v0.0.1' });
  });
});

describe('reading a registry written by GTO (plain `git tag -a`)', () => {
  it('reads versions, stages by tagger time, deprecation and discovered versions; ignores other tags', async () => {
    const { work, origin } = repoWithRemote({ 'train.py': '1\n' });
    const c1 = git(work, 'rev-parse', 'HEAD');
    const c2 = commitFile(work, 'train.py', '2\n');
    const c3 = commitFile(work, 'train.py', '3\n');
    gitTag(work, 'churn@v0.0.1', c1, '2026-01-01T10:00:00Z', 'Registering artifact churn version v0.0.1');
    gitTag(work, 'churn@v0.1.0', c2, '2026-01-02T10:00:00Z');
    // Counter 2 was written by a clock ahead of counter 3's machine: the time decides.
    gitTag(work, 'churn#prod#2', c2, '2026-01-03T10:00:00Z');
    gitTag(work, 'churn#prod#3', c1, '2026-01-03T09:00:00Z');
    gitTag(work, 'churn#dev#4', c3, '2026-01-04T10:00:00Z');
    gitTag(work, 'models=clf@v1.0.0', c3, '2026-01-04T10:00:00Z');
    gitTag(work, 'old@v1.0.0', c1, '2026-01-01T10:00:00Z');
    gitTag(work, 'old@deprecated#1', c1, '2026-01-05T10:00:00Z');
    git(work, 'tag', 'churn@v9.0.0', c3); // lightweight: GTO ignores it
    gitTag(work, 'v2.0.0', c3, '2026-01-04T10:00:00Z'); // a release tag, not the registry's
    gitTag(work, 'churn@v01.0.0', c3, '2026-01-04T10:00:00Z'); // not semver
    git(work, 'push', '-q', 'origin', 'main', '--tags');

    // A fresh CI checkout: shallow, no tags.
    const clone = join(tempDir(), 'clone');
    git(tempDir(), 'clone', '-q', '--depth', '1', '--no-tags', `file://${origin}`, clone);
    const models = buildRegistry(await registry(clone).readTags());
    expect([...models.keys()]).toEqual(['churn', 'models:clf', 'old']);
    const churn = models.get('churn') as ModelState;
    expect(churn.latest).toBe('v0.1.0');
    expect(holders(churn)).toEqual({ dev: c3, prod: 'v0.1.0' });
    expect(churn.versions.map((v) => [v.version, v.registered, v.stages])).toEqual([
      ['v0.1.0', true, ['prod']],
      ['v0.0.1', true, []],
      [c3, false, ['dev']],
    ]);
    expect(churn.events[0]).toMatchObject({
      kind: 'register',
      version: 'v0.0.1',
      time: '2026-01-01T10:00:00.000Z',
      tagger: { name: 'Gto User', email: 'gto@example.com' },
      message: 'Registering artifact churn version v0.0.1',
    });
    expect(models.get('old')?.deprecated).toBe(true);
    expect(models.get('models:clf')?.latest).toBe('v1.0.0');
    // The user's tags are untouched: the remote's are mirrored into a private namespace.
    expect(git(clone, 'tag', '-l')).toBe('');
    expect(git(clone, 'for-each-ref', '--format=%(refname)', 'refs/mcp/tags/origin/churn#prod#2')).toBe(
      'refs/mcp/tags/origin/churn#prod#2',
    );

    // Then mcp goes on from GTO's tags: the counter continues from the greatest of the name.
    const reg = registry(clone);
    const next = await assignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.1' });
    expect(next.tag).toBe('churn#prod#5');
    expect(holders(await state(reg))).toEqual({ dev: c3, prod: 'v0.0.1' });
  });

  it('reading tags leaves a shallow checkout as deep as it was, and follows deletions on the remote', async () => {
    const { work, origin } = repoWithRemote({ 'f.txt': '0\n' });
    for (let i = 1; i <= 5; i++) commitFile(work, 'f.txt', `${i}\n`);
    git(work, 'push', '-q', 'origin', 'main');
    gitTag(work, 'churn@v0.0.1', 'HEAD~1', '2026-01-01T10:00:00Z');
    gitTag(work, 'churn@v0.0.2', 'HEAD~4', '2026-01-02T10:00:00Z');
    git(work, 'push', '-q', 'origin', '--tags');
    const clone = join(tempDir(), 'clone');
    git(tempDir(), 'clone', '-q', '--depth', '3', '--no-tags', `file://${origin}`, clone);
    expect(git(clone, 'rev-list', '--count', 'HEAD')).toBe('3');

    const reader = registry(clone);
    expect((await state(reader)).versions.map((v) => v.version)).toEqual(['v0.0.2', 'v0.0.1']);
    // `fetch --depth=1` of a tag on HEAD~1 would have cut the history here to 2 commits.
    expect(git(clone, 'rev-list', '--count', 'HEAD')).toBe('3');

    git(origin, 'tag', '-d', 'churn@v0.0.2');
    expect((await state(reader)).versions.map((v) => v.version)).toEqual(['v0.0.1']);
  });
});

describe('a registry without a remote', () => {
  it('keeps its tags in the repository itself, with the same race-safe creation', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '-b', 'main', 'solo');
    const solo = join(root, 'solo');
    commitFile(solo, 'train.py', '');
    const reg = registry(solo, null);
    expect((await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('a') })).version).toBe(
      'v0.0.1',
    );
    expect((await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('b') })).version).toBe(
      'v0.0.2',
    );
    await assignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.2' });
    expect(git(solo, 'tag', '-l')).toBe('churn#prod#1\nchurn@v0.0.1\nchurn@v0.0.2');
    expect(holders(await state(reg))).toEqual({ prod: 'v0.0.2' });
  });
});

describe('ModelVersion records', () => {
  const files = [
    { path: 'model/weights.bin', size: 10, sha256: digest('1') },
    { path: 'model/config.json', size: 2, sha256: digest('2') },
  ];
  const context = { actor: 'alice', commit: null, runUrl: 'https://ci.example.com/run/7' };

  it('registers the tag and the record with its audit event; a re-run writes neither again', async () => {
    const { work, origin } = repoWithRemote({ 'train.py': '' });
    const reg = registry(work);
    const meta = new MetaBranch({ cwd: work, author: { name: 'mcp', email: 'mcp@example.com' } });
    const options = {
      name: 'team/churn',
      commit: 'HEAD',
      files,
      runId: '20260101T100000Z-1a2b3c4d',
      data: [{ name: 'iris', number: 3, digest: digest('9') }],
      metrics: { f1: 0.91, accuracy: 0.95 },
      description: 'first model',
      labels: ['baseline'],
    };
    const made = await registerModel(reg, meta, context, options);
    expect(made).toMatchObject({ version: 'v0.0.1', tag: 'team/churn@v0.0.1', created: true });
    expect(made.record).toEqual({
      schemaVersion: 1,
      name: 'team/churn',
      semver: '0.0.1',
      tag: 'team/churn@v0.0.1',
      commit: git(work, 'rev-parse', 'HEAD'),
      files: [files[1], files[0]],
      digest: modelDigest(files),
      runId: '20260101T100000Z-1a2b3c4d',
      data: options.data,
      metrics: options.metrics,
      description: 'first model',
      labels: ['baseline'],
      createdAt: made.time,
      actor: 'alice',
      runUrl: 'https://ci.example.com/run/7',
    });
    expect(modelVersionPath('team/churn', 'v0.0.1')).toBe('models/team/churn/v0.0.1.json');
    expect(JSON.parse(git(origin, 'show', 'mcp-meta:models/team/churn/v0.0.1.json'))).toEqual(made.record);
    expect(git(origin, 'tag', '-l', '--format=%(contents:body)', 'team/churn@v0.0.1')).toBe(
      `first model\n\nMcp-Model-Digest: ${modelDigest(files)}\nMcp-Run-Id: 20260101T100000Z-1a2b3c4d`,
    );
    const auditFiles = () => git(origin, 'ls-tree', '--name-only', 'mcp-meta', 'audit/').split('\n');
    expect(auditFiles()).toEqual(['audit/00000001.json']);

    const again = await registerModel(
      reg,
      meta,
      { ...context, actor: 'bob' },
      { ...options, files: [...files].reverse() },
    );
    expect(again).toMatchObject({ version: 'v0.0.1', created: false });
    expect(again.record).toEqual(made.record);
    expect(auditFiles()).toEqual(['audit/00000001.json']);

    const view = await meta.snapshot();
    const records = await readModelVersions(view, 'team/churn');
    expect([...records.keys()]).toEqual(['v0.0.1']);
    const shown = describeModel(await state(reg, 'team/churn'), records);
    expect(shown.versions[0]).toMatchObject({ version: 'v0.0.1', metrics: { f1: 0.91 }, status: 'active' });
    expect(formatModel(shown, 'text').split('\n').slice(0, 3)).toEqual([
      'team/churn: latest v0.0.1',
      '',
      'version  stages  status  created                   commit        metrics',
    ]);
  });

  it('a tag pushed by a job that died before its record is mended by the re-run', async () => {
    const { work, origin } = repoWithRemote({ 'train.py': '' });
    const reg = registry(work);
    await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: modelDigest(files) });
    const meta = new MetaBranch({ cwd: work, author: { name: 'mcp', email: 'mcp@example.com' } });
    const rerun = await registerModel(reg, meta, context, { name: 'churn', commit: 'HEAD', files });
    expect(rerun).toMatchObject({ version: 'v0.0.1', created: false });
    expect(JSON.parse(git(origin, 'show', 'mcp-meta:models/churn/v0.0.1.json'))).toMatchObject({
      digest: modelDigest(files),
      actor: 'alice',
    });
  });

  it('refuses a registration without files', async () => {
    const { work } = repoWithRemote({ 'train.py': '' });
    const meta = new MetaBranch({ cwd: work, author: { name: 'mcp', email: 'mcp@example.com' } });
    await expect(
      registerModel(registry(work), meta, context, { name: 'churn', commit: 'HEAD', files: [] }),
    ).rejects.toThrow('path: no model files to register');
  });
});

describe('tables', () => {
  it('prints the history as an aligned text table and as escaped markdown', async () => {
    const { work } = repoWithRemote({ 'train.py': '' });
    const reg = registry(work);
    const when = new Date('2026-03-01T12:00:00Z');
    await registerVersion(reg, { name: 'churn', commit: 'HEAD', digest: digest('a'), now: () => when });
    await assignStage(reg, { name: 'churn', stage: 'prod', version: 'v0.0.1', now: () => when });
    const events = (await state(reg)).events;
    expect(formatHistory(events, 'text')).toBe(
      [
        'time                      event     version  stage  by     tag',
        '2026-03-01T12:00:00.000Z  register  v0.0.1   -      Alice  churn@v0.0.1',
        // One second later than asked: a model's events never share a tagger second.
        '2026-03-01T12:00:01.000Z  assign    v0.0.1   prod   Alice  churn#prod#1',
      ].join('\n'),
    );
    expect(formatHistory(events, 'markdown').split('\n')[3]).toBe(
      '| 2026-03-01T12:00:01.000Z | assign | v0.0.1 | prod | Alice | churn\\#prod\\#1 |',
    );
  });
});
