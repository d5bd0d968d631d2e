import { execFileSync } from 'node:child_process';
import { closeSync, openSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import { type HashProgress, hashFiles } from './hash';
import { WorkerPool } from './pool';
import { noise, writeOld } from './test-data';

const small = { min: 64 << 10, avg: 256 << 10, max: 1 << 20 };

function sha256sum(paths: string[]): string[] {
  return execFileSync('sha256sum', paths, { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.slice(0, 64));
}

describe('hashing files on worker threads', () => {
  it('gives the digests sha256sum gives, for empty, small and multi-MiB files', async () => {
    const dir = tempDir();
    const files: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['one-byte', Buffer.from('x')],
      ['text.csv', Buffer.from('a,b\n1,2\n')],
      ['exactly-min', noise(small.min, 1)],
      ['3mib', noise(3 << 20, 2)],
      ['5mib-zeros', Buffer.alloc(5 << 20)],
      ['7mib', noise(7 * (1 << 20) + 13, 3)],
    ];
    for (const [name, data] of files) writeFileSync(join(dir, name), data);
    const paths = files.map(([name]) => join(dir, name));

    const digests = await hashFiles(paths, { chunking: small });

    expect(digests.map((d) => d.sha256)).toEqual(sha256sum(paths));
    expect(digests.map((d) => d.size)).toEqual(files.map(([, data]) => data.length));
    for (const digest of digests) {
      expect(digest.chunks.reduce((sum, c) => sum + c.size, 0)).toBe(digest.size);
      expect(digest.chunks.every((c) => c.size <= small.max)).toBe(true);
    }
    expect(digests[0]?.chunks).toEqual([]);
    expect(digests[1]?.chunks).toEqual([{ digest: digests[1]?.sha256, size: 1 }]);
    expect(digests[4]?.chunks.length).toBeGreaterThan(3);
  });

  it('reports progress in files and bytes, ending at the totals', async () => {
    const dir = tempDir();
    const paths = [1, 2, 3].map((n) => join(dir, `f${n}`));
    paths.forEach((path, n) => {
      writeFileSync(path, noise((n + 1) << 20, n + 7));
    });
    const seen: HashProgress[] = [];
    await hashFiles(paths, { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({
      files: 3,
      totalFiles: 3,
      bytes: 6 << 20,
      totalBytes: 6 << 20,
      cachedFiles: 0,
    });
    expect(seen.map((p) => p.bytes)).toEqual([...seen.map((p) => p.bytes)].sort((a, b) => a - b));
  });

  it('answers for files restored with their mtimes under new inodes, as actions/cache restores them', async () => {
    const dir = tempDir();
    const cacheDir = join(dir, '.mcp', 'cache');
    const paths = [1, 2].map((n) => join(dir, `restored-${n}.bin`));
    paths.forEach((path, n) => {
      writeOld(path, noise(5000 + n, n + 11));
    });
    const first = await hashFiles(paths, { cacheDir, chunking: small });
    // What tar does on restore: a new file (new inode) with the old bytes and the old mtime.
    for (const path of paths) {
      const { ino, mtimeNs } = statSync(path, { bigint: true });
      const copy = `${path}.copy`;
      execFileSync('cp', ['--preserve=timestamps', path, copy]);
      execFileSync('mv', [copy, path]);
      const restored = statSync(path, { bigint: true });
      expect(restored.ino).not.toBe(ino);
      // Compared in nanoseconds: mtimeMs is a float and may differ from a whole millisecond by 1e-3.
      expect(restored.mtimeNs).toBe(mtimeNs);
    }
    const again = await hashFiles(paths, { cacheDir, chunking: small });
    expect(again.every((d) => d.cached)).toBe(true);
    expect(again.map((d) => d.sha256)).toEqual(first.map((d) => d.sha256));
  });

  it('re-hashing an unchanged tree reads no file: the stat cache answers', async () => {
    const dir = tempDir();
    const cacheDir = join(dir, '.mcp', 'cache');
    const paths = Array.from({ length: 20 }, (_, i) => join(dir, `part-${i}.bin`));
    paths.forEach((path, i) => {
      writeOld(path, noise(i === 0 ? 2 << 20 : 1000 + i, i + 1));
    });
    const first = await hashFiles(paths, { cacheDir, chunking: small });
    expect(first.every((d) => !d.cached)).toBe(true);

    // Rewrite a file in place with other bytes and put its mtime back: the same inode, size and
    // mtime. Only a cache that never opens the file answers with the old digest.
    const { mtime } = statSync(paths[0] as string);
    const fd = openSync(paths[0] as string, 'r+');
    writeSync(fd, Buffer.from('different bytes'), 0, 15, 0);
    closeSync(fd);
    utimesSync(paths[0] as string, mtime, mtime);

    const second = await hashFiles(paths, { cacheDir, chunking: small });
    expect(second.every((d) => d.cached)).toBe(true);
    expect(second).toEqual(first.map((d) => ({ ...d, cached: true })));
    expect(second[0]?.sha256).not.toBe(sha256sum([paths[0] as string])[0]);

    // A real change (new mtime) is seen.
    writeOld(paths[1] as string, 'changed');
    const third = await hashFiles(paths, { cacheDir, chunking: small });
    expect(third.filter((d) => !d.cached).map((d) => d.path)).toEqual([paths[1]]);
    expect(third[1]?.sha256).toBe(sha256sum([paths[1] as string])[0]);
  });

  it('does not trust the stat of a file modified just before hashing (racy clean)', async () => {
    const dir = tempDir();
    const cacheDir = join(dir, 'cache');
    const path = join(dir, 'fresh.csv');
    writeFileSync(path, 'a,b\n');
    await hashFiles([path], { cacheDir });
    const again = await hashFiles([path], { cacheDir });
    expect(again[0]?.cached).toBe(false);
  });

  it('starts no more workers than asked and records modes as git does', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o750 });
    writeFileSync(join(dir, 'data.txt'), 'x', { mode: 0o600 });
    const pool = new WorkerPool(1);
    try {
      const digests = await hashFiles([join(dir, 'run.sh'), join(dir, 'data.txt')], { pool });
      expect(digests.map((d) => d.mode)).toEqual([0o755, 0o644]);
      expect(pool.size).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('names a missing file', async () => {
    await expect(hashFiles([join(tempDir(), 'nope.csv')])).rejects.toThrow(/nope\.csv/);
  });
});
