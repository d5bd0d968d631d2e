import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { git, repoWithPullRequest } from '../../../../test/helpers/git';
import { bundledFixture, runJob, startJob } from '../../../../test/helpers/jobs';
import { readAudit, verifyAudit } from '../audit';
import { MetaBranch } from '.';

const writerScript = bundledFixture('meta-writer.ts');

interface Written {
  writer: string;
  number: number;
  commit: string;
  attempts: number;
  ms: number;
}

const startWriter = (clone: string, name: string, env: Record<string, string> = {}) =>
  startJob(writerScript(), [clone, name], env);
const runWriter = (clone: string, name: string) => runJob<Written>(writerScript(), [clone, name]);

/** A bare remote that keeps a reflog, so that every update of mcp-meta can be checked afterwards. */
function remoteWithClones(count: number) {
  const { root, origin } = repoWithPullRequest({ 'train.py': 'print(1)\n' }, { 'params.yaml': 'lr: 1\n' });
  git(origin, 'config', 'core.logAllRefUpdates', 'always');
  // A hosted remote does not run `git gc --auto` after every push; on a 2-core test machine it costs.
  git(origin, 'config', 'receive.autogc', 'false');
  const clones = Array.from({ length: count }, (_, i) => {
    const clone = join(root, `job-${i + 1}`);
    // Like actions/checkout: most jobs have a depth-1 checkout.
    git(root, 'clone', '-q', ...(i % 4 === 3 ? [] : ['--depth', '1']), `file://${origin}`, clone);
    return clone;
  });
  return { root, origin, clones };
}

const author = { name: 'mcp', email: 'mcp@example.com' };

const JOBS = 8;

describe('concurrent writers on one bare remote', () => {
  // Eight here; test/e2e/train.test.ts runs sixteen whole train jobs through the same module.
  it('eight jobs append eight records numbered 1..8 once each, one commit each, never force-pushed', async () => {
    const { origin, clones } = remoteWithClones(JOBS);

    const started = performance.now();
    const results = await Promise.all(clones.map((clone, i) => runWriter(clone, `job-${i + 1}`)));
    const seconds = (performance.now() - started) / 1000;

    const numbers = results.map((r) => r.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: JOBS }, (_, i) => i + 1));
    for (const { number, writer } of results) {
      const record = JSON.parse(
        git(origin, 'show', `mcp-meta:items/${String(number).padStart(4, '0')}.json`),
      );
      expect(record).toEqual({ number, writer });
    }

    // One commit per write, in a line: each adds its record and its audit event, nothing else.
    const commits = git(origin, 'rev-list', '--reverse', '--parents', 'mcp-meta').split('\n');
    expect(commits).toHaveLength(JOBS);
    commits.forEach((line, i) => {
      const [commit = '', ...parents] = line.split(' ');
      expect(parents).toHaveLength(i === 0 ? 0 : 1);
      const added = git(origin, 'diff-tree', '--root', '-r', '--no-commit-id', '--name-status', commit);
      const number = String(i + 1).padStart(4, '0');
      const readme = i === 0 ? ['A\tREADME.md'] : [];
      expect(added.split('\n').sort()).toEqual([
        ...readme,
        `A\taudit/0000${number}.json`,
        `A\titems/${number}.json`,
      ]);
    });

    // No force-push: every tip the remote ever had is an ancestor of the next one.
    const tips = git(origin, 'reflog', 'show', '--format=%H', 'refs/heads/mcp-meta').split('\n').reverse();
    expect(tips).toHaveLength(JOBS);
    for (let i = 1; i < tips.length; i++) {
      expect(() =>
        git(origin, 'merge-base', '--is-ancestor', tips[i - 1] ?? '', tips[i] ?? ''),
      ).not.toThrow();
    }

    const reader = new MetaBranch({ cwd: clones[0] ?? '', author });
    expect(await verifyAudit(reader)).toMatchObject({ ok: true, events: JOBS });
    const events = await readAudit(reader);
    expect(events.map((e) => e.seq)).toEqual(numbers);
    for (const event of events) {
      const written = results.find((r) => r.number === event.seq);
      expect(event).toMatchObject({ actor: written?.writer, subject: `item ${event.seq}` });
    }

    const attempts = results.map((r) => r.attempts);
    console.info(
      `${JOBS} concurrent appends in ${seconds.toFixed(2)} s (${(JOBS / seconds).toFixed(1)} appends/s);` +
        ` attempts per job max ${Math.max(...attempts)}, total ${attempts.reduce((a, b) => a + b)}`,
    );
  }, 120_000);

  it('a job killed while pushing leaves the remote unchanged, and the next run records exactly one more', async () => {
    const { origin, root, clones } = remoteWithClones(1);
    const clone = clones[0] ?? '';
    await runWriter(clone, 'first');
    const before = git(origin, 'rev-parse', 'mcp-meta');
    const status = git(clone, 'status', '--porcelain');

    // The remote end of the push announces itself, then hangs: the job is killed mid-push.
    const started = join(root, 'push-started');
    const hang = join(root, 'hanging-receive-pack');
    writeFileSync(hang, `#!/bin/sh\n: > "${started}"\nexec sleep 30\n`, { mode: 0o755 });
    git(clone, 'config', 'remote.origin.receivepack', hang);
    const job = startWriter(clone, 'killed');
    while (!existsSync(started)) await sleep(10);
    process.kill(-(job.child.pid ?? 0), 'SIGKILL');
    expect((await job.done).signal).toBe('SIGKILL');

    expect(git(origin, 'rev-parse', 'mcp-meta')).toBe(before);
    expect(git(clone, 'status', '--porcelain')).toBe(status);

    git(clone, 'config', '--unset', 'remote.origin.receivepack');
    const next = await runWriter(clone, 'rerun');
    expect(next).toMatchObject({ number: 2, attempts: 1 });
    expect(git(origin, 'log', '--format=%s', 'mcp-meta')).toBe('item 2 by rerun\nitem 1 by first');
    expect(await verifyAudit(new MetaBranch({ cwd: clone, author }))).toMatchObject({ ok: true, events: 2 });
  });
});
