import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeFiles } from '../../../../test/helpers/git';
import {
  collectFiles,
  countRows,
  type DataFile,
  diffFiles,
  diffMarkdown,
  diffOutput,
  diffText,
  manifestDigest,
  tableLines,
} from '.';

const file = (path: string, sha: string, size: number, rows?: number): DataFile => ({
  path,
  size,
  mode: 0o644,
  sha256: sha.repeat(64),
  rows,
});

describe('the manifest and its diff', () => {
  it('gives the same digest whatever order the files were found in, and ignores row counts', () => {
    const a = [file('b.csv', 'b', 2, 1), file('a.csv', 'a', 1, 1)];
    const b = [file('a.csv', 'a', 1), file('b.csv', 'b', 2)];
    expect(manifestDigest(a)).toBe(manifestDigest(b));
    expect(manifestDigest(a)).not.toBe(manifestDigest([file('a.csv', 'a', 1)]));
  });

  it('counts files, bytes and rows added, removed and modified', () => {
    const before = [file('keep.txt', 'k', 5), file('gone.csv', 'g', 10, 3), file('grow.csv', '1', 100, 9)];
    const after = [file('keep.txt', 'k', 5), file('grow.csv', '2', 130, 12), file('new.jsonl', 'n', 7, 2)];
    const compared = new Map([['grow.csv', { rowsAdded: 4, rowsRemoved: 1, headerChanged: false }]]);
    expect(diffFiles(before, after, 4, compared)).toEqual({
      added: ['new.jsonl'],
      removed: ['gone.csv'],
      modified: ['grow.csv'],
      bytesAdded: 37,
      bytesRemoved: 10,
      rowsAdded: 6,
      rowsRemoved: 4,
      rowsApproximate: false,
      tables: [{ path: 'grow.csv', rowsAdded: 4, rowsRemoved: 1, exact: true }],
      against: 4,
    });
  });

  it('counts the rows of a table it could not compare, and says the rows are approximate', () => {
    const before = [file('a.csv', '1', 100, 9), file('b.tsv', '2', 50, 5), file('mode.csv', '3', 7, 2)];
    const after = [
      file('a.csv', '4', 90, 7),
      file('b.tsv', '5', 60, 5),
      { ...file('mode.csv', '3', 7, 2), mode: 0o755 },
    ];
    const compared = new Map([['b.tsv', { rowsAdded: 0, rowsRemoved: 0, headerChanged: true }]]);
    const diff = diffFiles(before, after, 1, compared);
    expect(diff).toMatchObject({ rowsAdded: 0, rowsRemoved: 2, rowsApproximate: true });
    expect(diff.tables).toEqual([
      { path: 'a.csv', rowsAdded: 0, rowsRemoved: 2, exact: false },
      { path: 'b.tsv', rowsAdded: 0, rowsRemoved: 0, exact: true, headerChanged: true },
      { path: 'mode.csv', rowsAdded: 0, rowsRemoved: 0, exact: true },
    ]);
    expect(diffText(diff)).toBe(
      'against v1: 0 added, 0 removed, 3 modified files; +10 −10 bytes; ≈+0 −2 rows',
    );
    expect(tableLines(diff)).toEqual([
      '  a.csv: ≈+0 −2 rows (counted, not compared)',
      '  b.tsv: +0 −0 rows (header changed)',
      '  mode.csv: +0 −0 rows',
    ]);
    const markdown = diffMarkdown({ name: 'd', number: 2, digest: 'f'.repeat(64), changed: true }, diff, 0);
    expect(markdown).toContain('| rows (CSV/TSV/JSONL; ≈ some counted, not compared) | ≈+0 / −2 |');
    expect(markdown).toContain('| a.csv | ≈+0 | ≈−2 | counted, not compared |');
    expect(JSON.parse(diffOutput(diff, 2)).tables).toEqual([...diff.tables.slice(0, 2), '…']);
  });
});

describe('collecting the files of path', () => {
  it('takes directories, globs and several lines, relative to their common directory', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'data/a.csv': 'h\n1\n',
      'data/deep/b.csv': 'h\n2\n',
      'data/deep/c.txt': 'c',
      'data/.mcp/skip.csv': 'x',
      'labels/l.tsv': 'h\tx\n',
    });
    symlinkSync('/etc/hostname', join(dir, 'data', 'deep', 'link.csv'));
    const globbed = await collectFiles(dir, ['data/**/*.csv']);
    expect(globbed.root).toBe(join(dir, 'data'));
    expect(globbed.files.map((f) => f.path)).toEqual(['a.csv', 'deep/b.csv']);
    expect(globbed.skipped).toEqual(['data/deep/link.csv']);
    const lines = await collectFiles(dir, ['data/deep', 'labels/l.tsv']);
    expect(lines.root).toBe(dir);
    expect(lines.files.map((f) => f.path)).toEqual(['data/deep/b.csv', 'data/deep/c.txt', 'labels/l.tsv']);
    const one = await collectFiles(dir, ['data/a?csv']);
    expect(one.files.map((f) => f.path)).toEqual(['a.csv']);
  });

  it('counts rows of CSV (less the header), TSV and JSONL, with or without a final newline', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'a.csv': 'h\n1\n2', 'b.jsonl': '{}\n{}\n', 'c.txt': 'x\n', 'd.tsv': 'h\n' });
    expect(await countRows(join(dir, 'a.csv'))).toBe(2);
    expect(await countRows(join(dir, 'b.jsonl'))).toBe(2);
    expect(await countRows(join(dir, 'c.txt'))).toBeUndefined();
    expect(await countRows(join(dir, 'd.tsv'))).toBe(0);
  });
});
