import { createHash } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, tempDir, writeFiles } from '../../../../test/helpers/git';
import { type Action, runAction } from '../action';
import { auditEventPath, canonicalJson } from '../audit';
import { MetaBranch } from '../meta';
import { LocalPlatform } from '../platform';
import { ContentStore, LocalDirectoryBackend } from '../store';
import { csvRows } from '../store/test-data';
import { type DataDiff, pullDataAction, versionDataAction } from '.';

/** A clone with a bare `origin`, as a CI checkout or a laptop has it. */
function repo(files: Record<string, string> = {}) {
  const root = tempDir();
  const origin = join(root, 'origin.git');
  const work = join(root, 'work');
  git(root, 'init', '-q', '--bare', '-b', 'main', origin);
  git(root, 'init', '-q', '-b', 'main', work);
  writeFiles(work, { 'train.py': 'print(1)\n', ...files });
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'code');
  git(work, 'remote', 'add', 'origin', origin);
  git(work, 'push', '-q', 'origin', 'main');
  return { root, origin, work };
}

async function run(work: string, action: Action, inputs: Record<string, string>) {
  const lines: string[] = [];
  const platform = await LocalPlatform.create({
    env: { USER: 'tester' },
    cwd: work,
    inputs,
    log: (line) => lines.push(line),
  });
  const code = await runAction(action, platform);
  return { code, outputs: platform.outputs(), log: lines };
}

const version = (work: string, inputs: Record<string, string>) =>
  run(work, versionDataAction as unknown as Action, inputs);
const pull = (work: string, inputs: Record<string, string>) =>
  run(work, pullDataAction as unknown as Action, inputs);

function records(origin: string, name: string): string[] {
  const listed = git(origin, 'ls-tree', '--name-only', `mcp-meta:data/${name}`);
  return listed ? listed.split('\n') : [];
}

describe('version-data and pull-data (local store, real git)', () => {
  it('versions, skips an unchanged re-run, records an append as v2 with few bytes uploaded, pulls v1 back', async () => {
    const header = 'id,label,score,text\n';
    const { origin, work } = repo({
      'data/train.csv': header + csvRows(0, 700_000),
      'data/README.txt': 'iris\n',
    });
    const v1Bytes = readFileSync(join(work, 'data/train.csv'));

    const first = await version(work, { path: 'data', message: 'first cut' });
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({ name: 'data', version: '1', changed: 'true' });
    expect(Number(first.outputs['bytes-uploaded'])).toBeGreaterThan(v1Bytes.length);
    expect(JSON.parse(first.outputs.diff ?? '')).toMatchObject({
      added: ['README.txt', 'train.csv'],
      rowsAdded: 700_000,
      against: null,
    });
    const record = JSON.parse(git(origin, 'show', 'mcp-meta:data/data/v1.json'));
    expect(record).toMatchObject({
      schemaVersion: 1,
      name: 'data',
      number: 1,
      root: 'data',
      message: 'first cut',
    });
    expect(record.files.map((f: { path: string }) => f.path)).toEqual(['README.txt', 'train.csv']);
    expect(record.digest).toBe(first.outputs.digest);
    // The audit event is in the same commit as the record.
    expect(git(origin, 'show', '--name-only', '--format=', 'mcp-meta').split('\n')).toEqual(
      expect.arrayContaining(['data/data/v1.json', auditEventPath(1)]),
    );
    expect(JSON.parse(readFileSync(join(work, 'data.data.json'), 'utf8'))).toEqual({
      schemaVersion: 1,
      name: 'data',
      version: 1,
      digest: first.outputs.digest,
    });

    cpSync(join(work, 'data.data.json'), join(work, 'pinned.data.json'));

    const again = await version(work, { path: 'data' });
    expect(again.outputs).toMatchObject({ version: '1', changed: 'false', 'bytes-uploaded': '0' });
    expect(again.outputs.digest).toBe(first.outputs.digest);
    expect(records(origin, 'data')).toEqual(['v1.json']);

    appendFileSync(join(work, 'data/train.csv'), csvRows(700_000, 7_000));
    const second = await version(work, { path: 'data', name: 'data' });
    expect(second.outputs).toMatchObject({ version: '2', changed: 'true' });
    const diff = JSON.parse(second.outputs.diff ?? '') as DataDiff;
    expect(diff).toMatchObject({
      added: [],
      removed: [],
      modified: ['train.csv'],
      rowsAdded: 7_000,
      rowsRemoved: 0,
      rowsApproximate: false,
      tables: [{ path: 'train.csv', rowsAdded: 7_000, rowsRemoved: 0, exact: true }],
    });
    expect(diff.bytesAdded).toBe(readFileSync(join(work, 'data/train.csv')).length - v1Bytes.length);
    // Content-defined chunks: only the tail of the file travels, not the whole of it again.
    expect(Number(second.outputs['bytes-uploaded'])).toBeLessThan(v1Bytes.length * 0.6);
    expect(records(origin, 'data')).toEqual(['v1.json', 'v2.json']);
    expect(second.log.join('\n')).toContain('1 modified files');
    expect(second.log).toContain('  train.csv: +7000 −0 rows');
    expect(second.log).toContainEqual(
      expect.stringMatching(/^data: hashed 2 files, [\d.]+ MiB in [\d.]+ s.*; uploaded 1 packs, /),
    );
    expect(readFileSync(join(work, '.mcp/summary.md'), 'utf8')).toContain('### Data version data v2');

    const fresh = join(work, 'restored');
    const pulled = await pull(work, { name: 'data', version: '1', path: 'restored' });
    expect(pulled.code).toBe(0);
    expect(pulled.outputs).toMatchObject({ version: '1', digest: first.outputs.digest });
    expect(readFileSync(join(fresh, 'train.csv')).equals(v1Bytes)).toBe(true);
    expect(readFileSync(join(fresh, 'README.txt'), 'utf8')).toBe('iris\n');

    // Over v1, v2 downloads only what v1 lacks; the pointer a code commit pinned brings v1 back.
    const upgraded = await pull(work, { name: 'data', path: 'restored' });
    expect(upgraded.outputs.version).toBe('2');
    expect(Number(upgraded.outputs['bytes-downloaded'])).toBeLessThan(v1Bytes.length * 0.6);
    expect(readFileSync(join(fresh, 'train.csv')).equals(readFileSync(join(work, 'data/train.csv')))).toBe(
      true,
    );
    const byPointer = await pull(work, { pointer: 'pinned.data.json', path: 'restored' });
    expect(byPointer.outputs).toMatchObject({ version: '1' });
    expect(readFileSync(join(fresh, 'train.csv')).equals(v1Bytes)).toBe(true);
  }, 120_000);

  it('records the rows of an edited table exactly: a changed row is one removed and one added', async () => {
    const rows = csvRows(0, 200_000).split(/(?<=\n)/);
    const { work } = repo({
      'ds/t.csv': `id,label,score,text\n${rows.join('')}`,
      'ds/e.jsonl': '{"a":1}\n{"a":2}\n{"a":3}\n',
    });
    expect((await version(work, { path: 'ds' })).outputs.version).toBe('1');
    rows[150_000] = '150000,cat,0.5,edited\n';
    rows.splice(60_000, 25);
    writeFileSync(join(work, 'ds/t.csv'), `id,label,score,text\n${rows.join('')}`);
    writeFileSync(join(work, 'ds/e.jsonl'), '{"a":3}\n{"a":1}\n{"a":2}\n');
    const edited = await version(work, { path: 'ds' });
    expect(edited.outputs).toMatchObject({ version: '2', changed: 'true' });
    expect(JSON.parse(edited.outputs.diff ?? '')).toMatchObject({
      modified: ['e.jsonl', 't.csv'],
      rowsAdded: 1,
      rowsRemoved: 26,
      rowsApproximate: false,
      tables: [
        { path: 'e.jsonl', rowsAdded: 0, rowsRemoved: 0, exact: true },
        { path: 't.csv', rowsAdded: 1, rowsRemoved: 26, exact: true },
      ],
    });
    expect(edited.log).toEqual(expect.arrayContaining(['  e.jsonl: +0 −0 rows', '  t.csv: +1 −26 rows']));
    const summary = readFileSync(join(work, '.mcp/summary.md'), 'utf8');
    expect(summary).toContain('| rows (CSV/TSV/JSONL) | +1 / −26 |');
    expect(summary).toContain('| t.csv | +1 | −26 |  |');
  }, 60_000);

  it('counts rows, and says so, when the previous version cannot be read from this store', async () => {
    const { work } = repo({ 'ds/t.csv': 'h\n1\n2\n3\n' });
    expect((await version(work, { path: 'ds', store: 'local:first' })).code).toBe(0);
    writeFileSync(join(work, 'ds/t.csv'), 'h\n1\n2\nthree\n4\n');
    const moved = await version(work, { path: 'ds', store: 'local:second' });
    expect(moved.code).toBe(0);
    expect(JSON.parse(moved.outputs.diff ?? '')).toMatchObject({
      rowsAdded: 1,
      rowsRemoved: 0,
      rowsApproximate: true,
      tables: [{ path: 't.csv', rowsAdded: 1, rowsRemoved: 0, exact: false }],
    });
    expect(moved.log).toContainEqual(
      expect.stringMatching(/^warning: rows counted, not compared: the chunk lists of ds v1 cannot be read/),
    );
    expect(moved.log).toContain('  t.csv: ≈+1 −0 rows (counted, not compared)');
  }, 60_000);

  it('concurrent runs from several clones never share a number or lose a version', async () => {
    const { root, origin } = repo();
    const clones = ['a', 'b', 'c', 'd'].map((id) => {
      const work = join(root, `clone-${id}`);
      git(root, 'clone', '-q', origin, work);
      writeFiles(work, { [`shared/${id}.csv`]: `h\n${id}\n`, [`own-${id}/x.csv`]: `h\n${id}\n` });
      return work;
    });
    const runs = await Promise.all(
      clones.flatMap((work) => [
        version(work, { path: 'shared', name: 'shared' }),
        version(work, { path: `own-${work.slice(-1)}` }),
      ]),
    );
    expect(runs.map((r) => r.code)).toEqual(Array(8).fill(0));
    const shared = runs.filter((r) => r.outputs.name === 'shared').map((r) => Number(r.outputs.version));
    expect(shared.sort()).toEqual([1, 2, 3, 4]);
    expect(records(origin, 'shared')).toEqual(['v1.json', 'v2.json', 'v3.json', 'v4.json']);
    for (const id of ['a', 'b', 'c', 'd']) expect(records(origin, `own-${id}`)).toEqual(['v1.json']);
    expect(git(origin, 'ls-tree', '--name-only', 'mcp-meta:audit').split('\n')).toHaveLength(8);
  }, 120_000);

  it('leaves files already right and other files alone, and removes the others only with clean', async () => {
    const { work } = repo({ 'ds/a.jsonl': '{"x":1}\n{"x":2}\n', 'ds/sub/b.bin': 'bbb' });
    const made = await version(work, { path: 'ds/**/*', name: 'small' });
    expect(made.outputs).toMatchObject({ version: '1', changed: 'true' });
    writeFiles(work, { 'out/a.jsonl': '{"x":1}\n{"x":2}\n', 'out/keep.txt': 'mine' });

    const first = await pull(work, { name: 'small', path: 'out' });
    expect(first.code).toBe(0);
    expect(first.log).toEqual([
      expect.stringMatching(
        /^small v1 at out: 1 files written, 1 already right; 3 bytes downloaded; 0\.0 MiB in [\d.]+ s/,
      ),
    ]);
    expect(readFileSync(join(work, 'out/keep.txt'), 'utf8')).toBe('mine');
    expect(readFileSync(join(work, 'out/sub/b.bin'), 'utf8')).toBe('bbb');

    const cleaned = await pull(work, { name: 'small', path: 'out', clean: 'true' });
    expect(cleaned.code).toBe(0);
    expect(existsSync(join(work, 'out/keep.txt'))).toBe(false);
    expect(readdirSync(join(work, 'out')).sort()).toEqual(['a.jsonl', 'sub']);
  }, 60_000);

  it('refuses a tampered store naming the file and its digest, and leaves path as it was', async () => {
    const { work } = repo({ 'ds/a.csv': 'h\n1\n', 'ds/b.csv': 'h\n2\n' });
    const made = await version(work, { path: 'ds', store: 'local:blobs' });
    expect(made.code).toBe(0);
    const record = JSON.parse(readFileSync(join(work, 'ds.data.json'), 'utf8'));
    expect(record.version).toBe(1);
    for (const name of readdirSync(join(work, 'blobs')).filter((n) => n.startsWith('pack-'))) {
      const bytes = readFileSync(join(work, 'blobs', name));
      writeFileSync(join(work, 'blobs', name), bytes.toString('latin1').replace('h\n2', 'h\n3'), 'latin1');
    }
    writeFiles(work, { 'out/a.csv': 'old\n', 'out/b.csv': 'old\n' });

    const failed = await pull(work, { name: 'ds', path: 'out', store: 'local:blobs' });
    expect(failed.code).toBe(1);
    const error = failed.log.filter((l) => l.includes('error'));
    expect(error).toHaveLength(1);
    const expected = createHash('sha256').update('h\n2\n').digest('hex');
    expect(error[0]).toMatch(new RegExp(`^error: b\\.csv \\(sha256 ${expected}\\): chunk .* is corrupt`));
    expect(readFileSync(join(work, 'out/a.csv'), 'utf8')).toBe('old\n');
    expect(readFileSync(join(work, 'out/b.csv'), 'utf8')).toBe('old\n');
    expect(readdirSync(join(work, 'out')).sort()).toEqual(['a.csv', 'b.csv']);
  }, 60_000);

  it('refuses paths that leave the workspace or the dataset root', async () => {
    const { root, work } = repo({ 'ds/a.csv': 'h\n1\n' });
    writeFileSync(join(root, 'secret.txt'), 'outside');
    const outside = await version(work, { path: '../secret.txt' });
    expect(outside.code).toBe(2);
    expect(outside.log).toEqual([
      expect.stringMatching(/path: "\.\.\/secret\.txt" is outside the workspace/),
    ]);
    symlinkSync(join(root, 'secret.txt'), join(work, 'link.txt'));
    const linked = await version(work, { path: 'link.txt' });
    expect(linked.code).toBe(2);

    // A record naming `../evil.csv`, as anyone who can push to mcp-meta could write.
    const store = new ContentStore({
      backend: new LocalDirectoryBackend(join(work, '.mcp/store')),
      cacheDir: join(work, '.mcp/cache'),
    });
    const added = await store.addFiles([{ path: 'a.csv', absolutePath: join(work, 'ds/a.csv') }]);
    const file = added.files[0] as { sha256: string; size: number; mode: number; chunks: unknown };
    const chunks = await store.putBlob(
      canonicalJson({
        schemaVersion: 1,
        files: [{ path: '../evil.csv', sha256: file.sha256, chunks: file.chunks }],
      }),
    );
    await store.close();
    const meta = new MetaBranch({ cwd: work, author: { name: 'x', email: 'x@example.com' } });
    const evil = {
      schemaVersion: 1,
      name: 'evil',
      number: 1,
      digest: 'a'.repeat(64),
      root: 'ds',
      files: [{ path: '../evil.csv', size: file.size, mode: file.mode, sha256: file.sha256 }],
      bytes: file.size,
      chunks,
      store: 'local:.mcp/store',
      createdAt: new Date(0).toISOString(),
      actor: null,
      commit: null,
      runUrl: null,
    };
    await meta.transact(async () => ({
      files: { 'data/evil/v1.json': JSON.stringify(evil) },
      message: 'evil',
    }));
    const escaped = await pull(work, { name: 'evil', path: 'ds' });
    expect(escaped.code).toBe(2);
    expect(escaped.log).toEqual([expect.stringContaining('"../evil.csv" leaves the dataset root')]);
    expect(existsSync(join(work, 'evil.csv'))).toBe(false);
  }, 60_000);

  it.each([
    [
      { path: 'ds', store: 'bogus' },
      /^error: store: "bogus" is not auto, local:<dir>, release or gitlab-package$/,
    ],
    [
      { path: 'ds', store: 'release' },
      /^error: store: "release" \(GitHub release assets\) is not available outside GitHub Actions/,
    ],
    [{ path: 'ds', name: 'no good!' }, /^error: name: "no good!" is not a dataset name/],
    [{ path: 'nowhere/*.csv' }, /^error: path: "nowhere\/\*\.csv" matches no file$/],
    [{}, /^error: path: required by version-data but not given$/],
  ])('version-data with bad input %j exits 2 with one line', async (inputs, message) => {
    const { work } = repo({ 'ds/a.csv': 'h\n1\n' });
    const result = await version(work, inputs);
    expect(result.code).toBe(2);
    expect(result.log).toHaveLength(1);
    expect(result.log[0]).toMatch(message);
  });

  it.each([
    [{}, /^error: name: give the dataset name \(or a pointer file\)$/],
    [
      { name: 'ds', version: 'newest' },
      /^error: version: "newest" is not latest, a version number or a digest$/,
    ],
    [{ name: 'ds', version: '7' }, /^error: version: dataset "ds" has no version 7 \(versions 1 to 1\)$/],
    [{ name: 'other' }, /^error: name: no versions of dataset "other" on mcp-meta$/],
    [{ name: 'ds', clean: 'maybe' }, /^error: clean: "maybe" is not one of true, false$/],
    [{ pointer: 'missing.data.json' }, /^error: pointer: cannot read "missing.data.json"$/],
  ])('pull-data with bad input %j exits 2 with one line', async (inputs, message) => {
    const { work } = repo({ 'ds/a.csv': 'h\n1\n' });
    expect((await version(work, { path: 'ds' })).code).toBe(0);
    const result = await pull(work, inputs);
    expect(result.code).toBe(2);
    expect(result.log.filter((l) => l.startsWith('error'))).toEqual([expect.stringMatching(message)]);
  });
});
