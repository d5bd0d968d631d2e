import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { git, repoWithPullRequest, tempDir, writeFiles } from '../../../../test/helpers/git';
import { MetaBranch, SecretInRecord } from '../meta';
import {
  type AuditContext,
  type AuditEvent,
  appendWithAudit,
  eventDigest,
  formatAuditLog,
  readAudit,
  verifyAudit,
} from '.';

const author = { name: 'mcp', email: 'mcp@example.com' };
const codeCommit = 'a'.repeat(40);
const context = (actor: string): AuditContext => ({
  actor,
  commit: codeCommit,
  runUrl: 'https://github.com/org/repo/actions/runs/42',
  now: () => new Date('2026-05-01T12:00:00.000Z'),
});

/** Appends `items/<n>.json`, n = records on the tip + 1, as an action would. */
function appendItem(meta: MetaBranch, actor: string) {
  return appendWithAudit(meta, context(actor), async (view) => {
    const n = (await view.list('items')).length + 1;
    return {
      files: { [`items/${n}.json`]: `${JSON.stringify({ n })}\n` },
      message: `item ${n}`,
      action: 'test-append',
      subject: `item ${n}`,
      data: { n },
    };
  });
}

function clone(origin: string): string {
  const root = tempDir();
  git(root, 'clone', '-q', origin, 'clone');
  return join(root, 'clone');
}

describe('audit log', () => {
  it('every write appends an event in the same commit, linked to the one before', async () => {
    const { work, origin } = repoWithPullRequest({ 'train.py': '' }, { 'params.yaml': '' });
    const meta = new MetaBranch({ cwd: work, author });
    const first = await appendItem(meta, 'alice');
    const second = await appendItem(meta, 'bob');

    expect(first.event).toEqual({
      schemaVersion: 1,
      seq: 1,
      actor: 'alice',
      action: 'test-append',
      subject: 'item 1',
      time: '2026-05-01T12:00:00.000Z',
      commit: codeCommit,
      runUrl: 'https://github.com/org/repo/actions/runs/42',
      data: { n: 1, records: { 'items/1.json': expect.stringMatching(/^[0-9a-f]{64}$/) } },
      previous: null,
    });
    expect(second.event).toMatchObject({ seq: 2, actor: 'bob', previous: eventDigest(first.event) });
    expect(second.written).toEqual(['items/2.json']);
    expect(git(origin, 'diff-tree', '-r', '--name-only', '--no-commit-id', 'mcp-meta')).toBe(
      'audit/00000002.json\nitems/2.json',
    );
    expect(git(origin, 'log', '-1', '--format=%B', 'mcp-meta')).toBe(
      `item 2\n\nMcp-Audit-Event: 2 ${eventDigest(second.event)}`,
    );
    // Human-readable in the host's UI: indented, fields in schema order.
    const file = git(origin, 'show', 'mcp-meta:audit/00000002.json');
    expect(file.split('\n').slice(0, 3)).toEqual(['{', '  "schemaVersion": 1,', '  "seq": 2,']);

    expect(await readAudit(meta)).toEqual([first.event, second.event]);
    const verified = await verifyAudit(meta);
    expect(verified).toMatchObject({ ok: true, events: 2 });
    expect(verified.text).toBe(
      'audit log intact: 2 events, the latest #2: test-append item 2 by bob at 2026-05-01T12:00:00.000Z',
    );
  });

  it('a re-run that writes nothing new appends no event', async () => {
    const { work } = repoWithPullRequest({ 'train.py': '' }, { 'params.yaml': '' });
    const meta = new MetaBranch({ cwd: work, author });
    const write = () =>
      appendWithAudit(meta, context('alice'), async () => ({
        files: { 'runs/r1.json': '{}\n' },
        message: 'run r1',
        action: 'train',
        subject: 'r1',
      }));
    const first = await write();
    const again = await write();
    expect(again).toEqual({ commit: first.commit, attempts: 1, written: [], event: undefined });
    expect((await readAudit(meta)).map((e) => e.seq)).toEqual([1]);
  });

  it('a writer that lost the race re-links its event to the winner’s', async () => {
    const { work, origin } = repoWithPullRequest({ 'train.py': '' }, { 'params.yaml': '' });
    const winner = new MetaBranch({ cwd: clone(origin), author });
    const loser = new MetaBranch({ cwd: work, author });
    await appendItem(loser, 'alice');
    let raced = false;
    const won: { event?: AuditEvent } = {};
    const result = await appendWithAudit(loser, context('carol'), async (view) => {
      if (!raced) {
        raced = true;
        Object.assign(won, await appendItem(winner, 'bob'));
      }
      const n = (await view.list('items')).length + 1;
      return {
        files: { [`items/${n}.json`]: `{"n":${n}}\n` },
        message: `item ${n}`,
        action: 'a',
        subject: `${n}`,
      };
    });
    expect(result.attempts).toBe(2);
    expect(result.event).toMatchObject({ seq: 3, previous: eventDigest(won.event) });
    expect(await verifyAudit(loser)).toMatchObject({ ok: true, events: 3 });
  });

  it('refuses a token in an event, and a record written into audit/ by hand', async () => {
    const { work, origin } = repoWithPullRequest({ 'train.py': '' }, { 'params.yaml': '' });
    const meta = new MetaBranch({ cwd: work, author });
    const token = `glpat-${'x'.repeat(20)}`;
    const leak = appendWithAudit(meta, context('alice'), async () => ({
      files: { 'runs/r1.json': '{}' },
      message: 'run',
      action: 'train',
      subject: `r1 with ${token}`,
    }));
    await expect(leak).rejects.toThrow(SecretInRecord);
    await expect(leak).rejects.not.toThrow(token);
    const forge = appendWithAudit(meta, context('alice'), async () => ({
      files: { 'audit/00000001.json': '{}' },
      message: 'forge',
      action: 'x',
      subject: 'y',
    }));
    await expect(forge).rejects.toThrow('audit/00000001.json: audit/ is written by the audit log only');
    const badContext = appendWithAudit(meta, { ...context(''), runUrl: 'not a url' }, async () => ({
      files: { 'runs/r1.json': '{}' },
      message: 'run',
      action: 'train',
      subject: 'r1',
    }));
    await expect(badContext).rejects.toThrow(/^invalid audit event: actor: .+; runUrl: Invalid URL$/);
    expect(() => git(origin, 'rev-parse', '--verify', '--quiet', 'mcp-meta')).toThrow();
  });

  it('an empty log verifies, and prints as such', async () => {
    const { work } = repoWithPullRequest({ 'train.py': '' }, { 'params.yaml': '' });
    const meta = new MetaBranch({ cwd: work, author });
    expect(await verifyAudit(meta)).toEqual({
      ok: true,
      events: 0,
      tip: undefined,
      text: 'audit log intact: 0 events',
    });
    expect(formatAuditLog(await readAudit(meta))).toBe('no audit events yet');
  });

  it('prints the log as an aligned table, with control characters made harmless', () => {
    const event = (seq: number, actor: string, runUrl: string | null): AuditEvent => ({
      schemaVersion: 1,
      seq,
      actor,
      action: 'version-data',
      subject: `iris@${seq}`,
      time: '2026-05-01T12:00:00.000Z',
      commit: seq === 1 ? null : codeCommit,
      runUrl,
      data: {},
      previous: null,
    });
    expect(formatAuditLog([event(1, 'alice', null), event(12, 'bob\u001b[2J\nx', 'https://ci/1')])).toBe(
      [
        'seq  time                      actor      action        subject  commit        run',
        '  1  2026-05-01T12:00:00.000Z  alice      version-data  iris@1   -             -',
        ` 12  2026-05-01T12:00:00.000Z  bob [2J x  version-data  iris@12  ${'a'.repeat(12)}  https://ci/1`,
      ].join('\n'),
    );
  });
});

describe('verifyAudit names the first broken link when someone edits the branch with plain git', () => {
  let pristine = '';
  beforeAll(async () => {
    const { work, origin } = repoWithPullRequest({ 'train.py': '' }, { 'params.yaml': '' });
    const meta = new MetaBranch({ cwd: work, author });
    for (const actor of ['alice', 'bob', 'carol', 'dave', 'erin']) await appendItem(meta, actor);
    pristine = origin;
  });

  /** A copy of the 5-event remote, changed by an attacker's ordinary (fast-forward) push. */
  async function tampered(change: (attacker: string) => void) {
    const origin = join(tempDir(), 'origin.git');
    cpSync(pristine, origin, { recursive: true });
    const attacker = clone(origin);
    git(attacker, 'checkout', '-q', '-b', 'edit', 'origin/mcp-meta');
    change(attacker);
    git(attacker, 'add', '-A');
    git(attacker, 'commit', '-q', '--author', 'Mallory <mallory@example.com>', '-m', 'tidy up');
    git(attacker, 'push', '-q', 'origin', 'HEAD:mcp-meta');
    return verifyAudit(new MetaBranch({ cwd: clone(origin), author }));
  }

  const edit = (path: string, edit: (event: Record<string, unknown>) => void) => (dir: string) => {
    const event = JSON.parse(git(dir, 'show', `HEAD:${path}`));
    edit(event);
    writeFiles(dir, { [path]: JSON.stringify(event) });
  };
  const mallory = /; (\S+) was changed in [0-9a-f]{12} by Mallory <mallory@example\.com> at \S+$/;

  it('an edited past event breaks the link from the next one', async () => {
    const result = await tampered(edit('audit/00000003.json', (e) => Object.assign(e, { actor: 'eve' })));
    expect(result).toMatchObject({ ok: false, events: 3, broken: { seq: 4 } });
    expect(result.text).toMatch(
      /^audit log broken at event 4: audit\/00000004\.json links to [0-9a-f]{12} but event 3 hashes to [0-9a-f]{12} \(one of them was edited\)/,
    );
    expect(result.text.match(mallory)?.[1]).toBe('audit/00000003.json');
  });

  it('a removed event is a gap', async () => {
    const result = await tampered((dir) => git(dir, 'rm', '-q', 'audit/00000003.json'));
    expect(result.text).toMatch(
      /^audit log broken at event 3: audit\/00000003\.json is missing \(the log goes on at event 4\); /,
    );
    expect(result.text.match(mallory)?.[1]).toBe('audit/00000003.json');
  });

  it('an event that no longer fits the schema is named with what is wrong', async () => {
    const result = await tampered(edit('audit/00000002.json', (e) => Object.assign(e, { seq: '2' })));
    expect(result.text).toMatch(
      /^audit log broken at event 2: audit\/00000002\.json is not a valid audit event \(seq: .+\); /,
    );
  });

  it('swapped events are out of order', async () => {
    const result = await tampered((dir) => {
      const two = git(dir, 'show', 'HEAD:audit/00000002.json');
      const three = git(dir, 'show', 'HEAD:audit/00000003.json');
      writeFiles(dir, { 'audit/00000002.json': three, 'audit/00000003.json': two });
    });
    expect(result.text).toMatch(
      /^audit log broken at event 2: audit\/00000002\.json holds event 3 \(renamed or reordered\)/,
    );
  });

  it('an edited or removed last event is caught by the commit that appended it', async () => {
    const edited = await tampered(
      edit('audit/00000005.json', (e) => Object.assign(e, { subject: 'nothing' })),
    );
    expect(edited.text).toMatch(
      /^audit log broken at event 5: audit\/00000005\.json changed after commit [0-9a-f]{12} appended it; /,
    );
    const removed = await tampered((dir) => git(dir, 'rm', '-q', 'audit/00000005.json'));
    expect(removed.text).toMatch(
      /^audit log broken at event 5: audit\/00000005\.json, appended by commit [0-9a-f]{12}, was removed; /,
    );
  });

  it('an event appended by hand, even correctly linked, was not written by mcp', async () => {
    const result = await tampered((dir) => {
      const last = JSON.parse(git(dir, 'show', 'HEAD:audit/00000005.json'));
      const forged = { ...last, seq: 6, actor: 'mallory', previous: eventDigest(last) };
      writeFiles(dir, { 'audit/00000006.json': JSON.stringify(forged) });
    });
    expect(result.text).toMatch(/^audit log broken at event 6: audit\/00000006\.json was not written by mcp/);
  });

  it('a changed record is caught through the digest its event holds', async () => {
    const result = await tampered((dir) => writeFiles(dir, { 'items/2.json': '{"n":2,"f1":0.99}\n' }));
    expect(result.text).toMatch(
      /^audit log broken at event 2: items\/2\.json changed after audit\/00000002\.json recorded it; /,
    );
    expect(result.text.match(mallory)?.[1]).toBe('items/2.json');
  });

  it('re-indenting an event changes nothing that is hashed', async () => {
    const result = await tampered(edit('audit/00000002.json', () => {}));
    expect(result).toMatchObject({ ok: true, events: 5 });
  });
});
