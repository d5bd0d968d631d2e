import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repoWithPullRequest, tempDir, writeFiles } from '../../../../test/helpers/git';
import { MetaBranch, MetaBranchError, type MetaView, RecordConflict, SecretInRecord } from '.';

const author = { name: 'mcp', email: 'mcp@example.com' };

/** A CI checkout: a clone of a bare `origin` on a feature branch. */
const repo = () => repoWithPullRequest({ 'train.py': 'print(1)\n' }, { 'params.yaml': 'lr: 0.1\n' });

/** The branch as the remote has it: tip, or '' when it does not exist. */
function remoteTip(origin: string): string {
  try {
    return git(origin, 'rev-parse', '--verify', '--quiet', 'refs/heads/mcp-meta');
  } catch {
    return '';
  }
}

/** What a user would notice changed in their checkout. */
function checkoutState(work: string) {
  return {
    head: git(work, 'rev-parse', 'HEAD'),
    branch: git(work, 'symbolic-ref', 'HEAD'),
    status: git(work, 'status', '--porcelain', '--untracked-files=all'),
    staged: git(work, 'diff', '--cached'),
    branches: git(work, 'branch', '--list'),
  };
}

describe('MetaBranch', () => {
  it('creates mcp-meta as an orphan branch on the first write, and reads the records back', async () => {
    const { origin, work, root } = repo();
    const meta = new MetaBranch({ cwd: work, author });
    expect(await meta.read('data/iris/v1.json')).toBeUndefined();
    expect(await meta.list('data/iris')).toEqual([]);

    const record = '{"name":"iris","number":1}\n';
    const result = await meta.transact(async (view) => {
      expect(view.tip).toBeUndefined();
      return { files: { 'data/iris/v1.json': record, 'data/iris/latest.txt': '1\n' }, message: 'iris v1' };
    });

    expect(result).toMatchObject({ attempts: 1, written: ['data/iris/v1.json', 'data/iris/latest.txt'] });
    expect(remoteTip(origin)).toBe(result.commit);
    expect(git(origin, 'rev-list', '--count', 'mcp-meta')).toBe('1');
    expect(git(origin, 'log', '-1', '--format=%an <%ae>%n%s', 'mcp-meta')).toBe(
      'mcp <mcp@example.com>\niris v1',
    );
    expect(git(origin, 'show', 'mcp-meta:data/iris/v1.json')).toBe(record.trim());
    expect(git(origin, 'ls-tree', '-r', '--name-only', 'mcp-meta').split('\n')).toEqual([
      'README.md',
      'data/iris/latest.txt',
      'data/iris/v1.json',
    ]);
    expect(await meta.read('data/iris/v1.json')).toBe(record);
    expect(await meta.list('data/iris')).toEqual(['latest.txt', 'v1.json']);
    expect(await meta.list('')).toEqual(['README.md', 'data']);
    expect(await meta.exists('data/iris')).toBe(false); // a directory, not a record
    // The only ref mcp keeps in the user's repository is its private copy of the branch.
    expect(git(work, 'for-each-ref', '--format=%(refname)', 'refs/mcp')).toBe('refs/mcp/origin/mcp-meta');

    // Another job, in its own clone, sees it.
    const other = join(root, 'other');
    git(root, 'clone', '-q', origin, other);
    const reader = new MetaBranch({ cwd: other, author });
    expect(await reader.read('data/iris/v1.json')).toBe(record);
    expect(await reader.fetch()).toBe(result.commit);
  });

  it('re-writing the same record is a no-op; changing one is refused and leaves the remote as it was', async () => {
    const { origin, work } = repo();
    const meta = new MetaBranch({ cwd: work, author });
    const write = async () => ({ files: { 'runs/r1.json': '{"id":"r1"}\n' }, message: 'run r1' });
    const first = await meta.transact(write);
    const again = await meta.transact(write);
    expect(again).toEqual({ commit: first.commit, attempts: 1, written: [] });
    expect(git(origin, 'rev-list', '--count', 'mcp-meta')).toBe('1');

    const change = meta.transact(async () => ({
      files: { 'runs/r1.json': '{"id":"r1","f1":0.99}\n', 'runs/r2.json': '{"id":"r2"}\n' },
      message: 'rewrite history',
    }));
    await expect(change).rejects.toThrow(RecordConflict);
    await expect(change).rejects.toThrow('mcp-meta already holds runs/r1.json with different content');
    expect(remoteTip(origin)).toBe(first.commit);
    expect(await meta.exists('runs/r2.json')).toBe(false);

    const nothing = await meta.transact(async () => undefined);
    expect(nothing).toEqual({ commit: first.commit, attempts: 1, written: [] });
  });

  it('a transaction that throws leaves the remote unchanged, and the next run succeeds', async () => {
    const { origin, work } = repo();
    const meta = new MetaBranch({ cwd: work, author });
    await meta.transact(async () => ({ files: { 'n/1.json': '1' }, message: 'one' }));
    const before = remoteTip(origin);
    await expect(
      meta.transact(async (view) => {
        await view.list('n');
        throw new Error('training crashed');
      }),
    ).rejects.toThrow('training crashed');
    expect(remoteTip(origin)).toBe(before);

    const next = await meta.transact(async (view) => {
      const n = (await view.list('n')).length + 1;
      return { files: { [`n/${n}.json`]: String(n) }, message: `n ${n}` };
    });
    expect(next.written).toEqual(['n/2.json']);
    expect(git(origin, 'rev-parse', 'mcp-meta^')).toBe(before);
  });

  it('re-runs the transaction on the new tip when another job pushed first, also when both create the branch', async () => {
    const { origin, work, root } = repo();
    const otherClone = join(root, 'other');
    git(root, 'clone', '-q', origin, otherClone);
    const other = new MetaBranch({ cwd: otherClone, author });
    const log: string[] = [];
    const meta = new MetaBranch({ cwd: work, author, log: (line) => log.push(line) });
    const next = async (view: MetaView, by: string) => {
      const n = (await view.list('n')).length + 1;
      return { files: { [`n/${n}.json`]: `${n}\n` }, message: `n ${n} by ${by}` };
    };

    const seen: (string | undefined)[] = [];
    const result = await meta.transact(async (view) => {
      seen.push(view.tip);
      // The other job creates the branch while this one is between its fetch and its push.
      if (seen.length === 1) await other.transact((v) => next(v, 'other'));
      return next(view, 'this');
    });

    expect(result.attempts).toBe(2);
    expect(seen[0]).toBeUndefined();
    expect(seen[1]).toBe(git(origin, 'rev-parse', 'mcp-meta^'));
    expect(result.written).toEqual(['n/2.json']);
    expect(git(origin, 'log', '--format=%s', 'mcp-meta')).toBe('n 2 by this\nn 1 by other');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(
      /^mcp-meta: the push was rejected \(.*\); trying again in \d+ ms \(attempt 2 of 20\)$/,
    );
  });

  it('gives up with a clear error after the last attempt', async () => {
    const { origin, work, root } = repo();
    const otherClone = join(root, 'other');
    git(root, 'clone', '-q', origin, otherClone);
    const other = new MetaBranch({ cwd: otherClone, author });
    const meta = new MetaBranch({ cwd: work, author, retry: { attempts: 3, baseMs: 1 } });
    let runs = 0;
    const always = meta.transact(async () => {
      runs++;
      await other.transact(async () => ({ files: { [`other/${runs}`]: 'x' }, message: 'other' }));
      return { files: { mine: 'x' }, message: 'mine' };
    });
    await expect(always).rejects.toThrow(MetaBranchError);
    await expect(always).rejects.toThrow(
      /^gave up on mcp-meta at origin after 3 attempts: the push was rejected/,
    );
    expect(runs).toBe(3);
    expect(await other.list('')).not.toContain('mine');
  });

  it('refuses tokens and registered secrets in records and messages, without echoing them', async () => {
    const { origin, work } = repo();
    const secrets = new Set<string>();
    const meta = new MetaBranch({ cwd: work, author, secrets });
    const token = `ghp_${'A1b2'.repeat(9)}`;
    const attempt = (files: Record<string, string>, message = 'write') =>
      meta
        .transact(async () => ({ files, message }))
        .then(
          () => undefined,
          (error: Error) => error,
        );

    const leaked = await attempt({ 'runs/r1.json': JSON.stringify({ params: { token } }) });
    expect(leaked).toBeInstanceOf(SecretInRecord);
    expect(leaked?.message).toBe(
      'refusing to write runs/r1.json to mcp-meta: it contains a value that looks like a GitHub token (ghp_…)',
    );
    const gitlab = await attempt({ 'r.json': '{"t":"glpat-abcdefghij0123456789"}' });
    expect(gitlab?.message).toContain('looks like a GitLab token');
    expect(await attempt({ 'r.json': '{}' }, `run with ${`github_pat_${'x'.repeat(30)}`}`)).toBeInstanceOf(
      SecretInRecord,
    );

    secrets.add('hunter2-database-password');
    const registered = await attempt({ 'r.json': '{"dsn":"postgres://u:hunter2-database-password@db"}' });
    expect(registered?.message).toBe(
      'refusing to write r.json to mcp-meta: it contains the value of a registered secret',
    );
    expect(remoteTip(origin)).toBe('');
  });

  it('works in a shallow clone and leaves the working tree, index, HEAD and FETCH_HEAD alone', async () => {
    const { origin, root } = repo();
    const seed = join(root, 'seed');
    for (const n of [1, 2, 3]) {
      writeFiles(seed, { 'train.py': `print(${n + 1})\n` });
      git(seed, 'commit', '-qam', `c${n}`);
    }
    git(seed, 'push', '-q', 'origin', 'main');
    const work = join(root, 'shallow');
    git(root, 'clone', '-q', '--depth', '1', `file://${origin}`, work);
    expect(git(work, 'rev-parse', '--is-shallow-repository')).toBe('true');
    git(work, 'fetch', '-q', 'origin', 'main');
    writeFiles(work, { 'train.py': 'edited, not staged', 'staged.txt': 'staged', 'untracked.txt': 'u' });
    git(work, 'add', 'staged.txt');
    const before = checkoutState(work);
    const fetchHead = git(work, 'rev-parse', 'FETCH_HEAD');

    const meta = new MetaBranch({ cwd: join(work), author });
    for (const n of [1, 2]) {
      await meta.transact(async () => ({ files: { [`n/${n}.json`]: `${n}` }, message: `n ${n}` }));
    }
    // A second job in another shallow clone builds on the first's records.
    const second = join(root, 'shallow2');
    git(root, 'clone', '-q', '--depth', '1', `file://${origin}`, second);
    const later = new MetaBranch({ cwd: second, author });
    await later.transact(async (view) => ({
      files: { [`n/${(await view.list('n')).length + 1}.json`]: 'x' },
      message: 'n 3',
    }));

    expect(checkoutState(work)).toEqual(before);
    expect(git(work, 'rev-parse', 'FETCH_HEAD')).toBe(fetchHead);
    expect(git(work, 'rev-parse', '--is-shallow-repository')).toBe('true');
    expect(git(origin, 'log', '--format=%s', 'mcp-meta')).toBe('n 3\nn 2\nn 1');
    expect(git(origin, 'ls-tree', '--name-only', 'mcp-meta', 'n/')).toBe('n/1.json\nn/2.json\nn/3.json');
  });

  it('works in a repository whose current branch has no commits yet', async () => {
    const root = tempDir();
    const origin = join(root, 'origin.git');
    const work = join(root, 'work');
    git(root, 'init', '-q', '--bare', origin);
    git(root, 'init', '-q', '-b', 'main', work);
    git(work, 'remote', 'add', 'origin', origin);
    writeFileSync(join(work, 'train.py'), 'print(1)\n');
    const status = git(work, 'status', '--porcelain');

    const meta = new MetaBranch({ cwd: work, author });
    const result = await meta.transact(async () => ({ files: { 'x.json': '{}' }, message: 'first' }));

    expect(remoteTip(origin)).toBe(result.commit);
    expect(git(work, 'status', '--porcelain')).toBe(status);
    expect(() => git(work, 'rev-parse', '--verify', '--quiet', 'HEAD')).toThrow();
    expect(git(work, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
  });

  it('a push the remote refuses for another reason fails at once with its reason', async () => {
    const { origin, work } = repo();
    const hook = join(origin, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "protected branch" >&2\nexit 1\n', { mode: 0o755 });
    const meta = new MetaBranch({ cwd: work, author });
    const write = meta.transact(async () => ({ files: { 'x.json': '{}' }, message: 'x' }));
    await expect(write).rejects.toThrow(
      'cannot push mcp-meta to origin: [remote rejected] (pre-receive hook declined)',
    );
  });

  it('names the problem without the credentials when the remote cannot be reached', async () => {
    const { work } = repo();
    const token = `ghs_${'z'.repeat(36)}`;
    const meta = new MetaBranch({
      cwd: work,
      author,
      remote: `https://x-access-token:${token}@127.0.0.1:9/o/r.git`,
    });
    const error = await meta.fetch().catch((e: Error) => e);
    expect(error).toBeInstanceOf(MetaBranchError);
    expect(String(error)).toMatch(
      /cannot fetch mcp-meta from https:\/\/\*\*\*@127\.0\.0\.1:9\/o\/r\.git: .+/,
    );
    expect(String(error)).not.toContain(token.slice(4));
  });

  it('says so when the directory is not in a git repository', async () => {
    const meta = new MetaBranch({ cwd: tempDir(), author });
    await expect(meta.fetch()).rejects.toThrow(/is not inside a git repository/);
  });

  it('refuses record paths that could escape or hide', async () => {
    const { work } = repo();
    const meta = new MetaBranch({ cwd: work, author });
    for (const path of [
      '../x.json',
      '/abs.json',
      'a//b.json',
      '.git/config',
      'data/.hidden',
      'a b.json',
      'x\ny',
    ]) {
      await expect(meta.transact(async () => ({ files: { [path]: '{}' }, message: 'x' }))).rejects.toThrow(
        'is not allowed',
      );
    }
  });
});
