import { createHash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import type { ByteRange, ObjectBackend } from './backend';
import { mapLimit } from './concurrency';
import { ContentStore } from './content-store';
import { hashFiles } from './hash';
import { LocalDirectoryBackend } from './local';
import { WorkerPool } from './pool';
import { CorruptContent, MissingContent, type StoredFile } from './read';
import { csvRows, noise, writeOld } from './test-data';

const tiny = { min: 4 << 10, avg: 16 << 10, max: 64 << 10 };
const pool = new WorkerPool(2);
afterAll(() => pool.close());

/** A local backend that counts what crosses it, as a remote one would bill it. */
class CountingBackend implements ObjectBackend {
  readonly inner: LocalDirectoryBackend;
  gets = 0;
  bytesRead = 0;
  puts = 0;
  constructor(dir: string, maxObjectSize = 1 << 20) {
    this.inner = new LocalDirectoryBackend(dir, { maxObjectSize });
  }
  get description() {
    return this.inner.description;
  }
  get maxObjectSize() {
    return this.inner.maxObjectSize;
  }
  list() {
    return this.inner.list();
  }
  put(name: string, source: string, size: number) {
    this.puts++;
    return this.inner.put(name, source, size);
  }
  async get(name: string, range?: ByteRange): Promise<Readable> {
    this.gets++;
    const counted = new PassThrough();
    counted.on('data', (data: Buffer) => {
      this.bytesRead += data.length;
    });
    // pipeline, not pipe: a reader that stops early must close the file underneath too.
    pipeline(await this.inner.get(name, range), counted, () => {});
    return counted;
  }
  delete(name: string) {
    return this.inner.delete(name);
  }
  reset() {
    this.gets = 0;
    this.bytesRead = 0;
    this.puts = 0;
  }
}

function setup(maxObjectSize = 1 << 20) {
  const root = tempDir();
  const backend = new CountingBackend(join(root, 'store'), maxObjectSize);
  const store = new ContentStore({ backend, cacheDir: join(root, 'cache'), chunking: tiny, pool });
  const data = join(root, 'data');
  mkdirSync(data);
  return { root, backend, store, data };
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('content store', () => {
  it('round-trips 1,000 small files and a few big ones through a few packs, none over the size limit', async () => {
    const { root, backend, store, data } = setup(1 << 20);
    const files = Array.from({ length: 1000 }, (_, i) => ({ path: `small/${i}.json`, absolutePath: '' }));
    mkdirSync(join(data, 'small'));
    for (const file of files) {
      file.absolutePath = join(data, file.path);
      writeFileSync(
        file.absolutePath,
        JSON.stringify({ id: file.path, pad: 'x'.repeat(Number(file.path.length) * 40) }),
      );
    }
    for (const [i, size] of [3 << 20, (2 << 20) + 17, 5 << 20].entries()) {
      const path = `big-${i}.bin`;
      writeFileSync(join(data, path), noise(size, i + 100));
      files.push({ path, absolutePath: join(data, path) });
    }
    // An empty file, and one whose chunks repeat (the same chunk at several offsets).
    writeFileSync(join(data, 'empty'), '');
    writeFileSync(join(data, 'zeros.bin'), Buffer.alloc(5 * tiny.max + 123));
    files.push({ path: 'empty', absolutePath: join(data, 'empty') });
    files.push({ path: 'zeros.bin', absolutePath: join(data, 'zeros.bin') });

    const added = await store.addFiles(files);
    expect(added.files.at(-1)?.chunks.length).toBe(6);
    expect(new Set(added.files.at(-1)?.chunks.map((c) => c.digest)).size).toBe(2);
    const objects = await backend.inner.list();
    expect(objects.length).toBe(added.objectsUploaded);
    expect(objects.length).toBeLessThanOrEqual(40);
    expect(objects.every((o) => o.size <= 1 << 20)).toBe(true);
    expect(added.files.map((f) => f.path)).toEqual(files.map((f) => f.path));
    expect(added.files[1000]?.sha256).toBe(sha256(join(data, 'big-0.bin')));

    const out = join(root, 'out');
    backend.reset();
    await mapLimit(added.files, 8, (file) => store.readFile(file, join(out, file.path)));
    // One ranged read per file and pack it spans (neighbouring chunks coalesced), and only the
    // bytes of the files: never a whole pack per file.
    expect(backend.gets).toBeLessThanOrEqual(added.files.length + added.objectsUploaded / 2);
    const unique = (f: StoredFile) => [...new Map(f.chunks.map((c) => [c.digest, c.size])).values()];
    expect(backend.bytesRead).toBe(added.files.flatMap(unique).reduce((sum, size) => sum + size, 0));
    for (const file of files) {
      expect(readFileSync(join(out, file.path)).equals(readFileSync(file.absolutePath))).toBe(true);
    }
  });

  it('uploads nothing when the same files are added again, even from a machine without the cache', async () => {
    const { root, backend, store, data } = setup();
    writeFileSync(join(data, 'a.csv'), csvRows(0, 20_000));
    writeFileSync(join(data, 'b.bin'), noise(300_000, 2));
    const files = ['a.csv', 'b.bin'].map((path) => ({ path, absolutePath: join(data, path) }));
    const first = await store.addFiles(files);
    const objects = await backend.inner.list();
    expect(first.bytesUploaded).toBe(objects.reduce((sum, o) => sum + o.size, 0));
    expect(first.objectsUploaded).toBe(objects.length);

    backend.reset();
    // A killed run's temp pack is cleared away; a live process's is not.
    const orphan = join(root, 'cache', 'tmp', 'pack-4194305-0a1b2c');
    const live = join(root, 'cache', 'tmp', `pack-${process.ppid}-0a1b2c`);
    writeFileSync(orphan, 'left by a killed run');
    writeFileSync(live, 'being written');
    const nextRun = new ContentStore({ backend, cacheDir: join(root, 'cache'), chunking: tiny, pool });
    await nextRun.addFiles(files);
    expect(readdirSync(join(root, 'cache', 'tmp'))).toEqual([`pack-${process.ppid}-0a1b2c`]);
    const again = await store.addFiles(files);
    expect(again).toEqual({ ...first, bytesUploaded: 0, objectsUploaded: 0 });
    expect(backend.puts).toBe(0);

    const elsewhere = new ContentStore({
      backend,
      cacheDir: join(root, 'other-cache'),
      chunking: tiny,
      pool,
    });
    const third = await elsewhere.addFiles(files);
    expect(third.bytesUploaded).toBe(0);
    expect(backend.puts).toBe(0);
    const digests = first.files.flatMap((f) => f.chunks.map((c) => c.digest));
    expect(await elsewhere.has([...digests, 'f'.repeat(64)])).toEqual(new Set(digests));
  });

  it('reads a file with one ranged request per pack, coalescing neighbouring chunks', async () => {
    const { root, backend, store, data } = setup(16 << 20);
    writeFileSync(join(data, 'big.bin'), noise(3 << 20, 9));
    const [file] = (await store.addFiles([{ path: 'big.bin', absolutePath: join(data, 'big.bin') }])).files;
    expect(file?.chunks.length).toBeGreaterThan(20);
    backend.reset();
    const result = await store.readFile(file as StoredFile, join(root, 'out', 'big.bin'));
    expect(result).toEqual({ written: true, bytesDownloaded: 3 << 20, bytesReused: 0 });
    expect(backend.gets).toBe(1);
    expect(backend.bytesRead).toBe(3 << 20);
  });

  it('after 1% more rows, a pull over the old version downloads only the changed chunks', async () => {
    const { root, backend, store, data } = setup();
    const csv = join(data, 'train.csv');
    writeOld(csv, csvRows(0, 100_000));
    const [v1] = (await store.addFiles([{ path: 'train.csv', absolutePath: csv }])).files;
    const appended = csvRows(100_000, 1000);
    appendFileSync(csv, appended);
    const [v2] = (await store.addFiles([{ path: 'train.csv', absolutePath: csv }])).files;
    const size = (v2 as StoredFile).size;

    const target = join(root, 'checkout', 'train.csv');
    await store.readFile(v1 as StoredFile, target);
    backend.reset();
    const result = await store.readFile(v2 as StoredFile, target);
    expect(sha256(target)).toBe(v2?.sha256);
    expect(result.bytesDownloaded + result.bytesReused).toBe(size);
    expect(result.bytesDownloaded).toBeLessThan(appended.length + 2 * tiny.max);
    expect(backend.bytesRead).toBe(result.bytesDownloaded);
    expect(backend.bytesRead / size).toBeLessThan(0.05);
  });

  it('reuses chunks from a chunk cache directory across pulls', async () => {
    const { root, backend, data } = setup();
    const chunkCache = join(root, 'chunks');
    const store = new ContentStore({
      backend,
      cacheDir: join(root, 'cache'),
      chunking: tiny,
      pool,
      chunkCache,
    });
    writeFileSync(join(data, 'model.bin'), noise(400_000, 4));
    const [file] = (await store.addFiles([{ path: 'model.bin', absolutePath: join(data, 'model.bin') }]))
      .files;
    await store.readFile(file as StoredFile, join(root, 'a', 'model.bin'));
    expect(readdirSync(chunkCache).length).toBe(file?.chunks.length);
    backend.reset();
    const second = await store.readFile(file as StoredFile, join(root, 'b', 'model.bin'));
    expect(second).toEqual({ written: true, bytesDownloaded: 0, bytesReused: 400_000 });
    expect(backend.gets).toBe(0);
  });

  it('refuses to store bytes that changed after hashing (a stale stat cache cannot poison the store)', async () => {
    const { backend, store, data } = setup();
    const path = join(data, 'edited.bin');
    writeOld(path, noise(100_000, 5));
    await hashFiles([path], { cacheDir: join(data, '..', 'cache'), chunking: tiny, pool });
    // Same size, inode and mtime, other bytes: the cache answers with the old chunks.
    const { mtime } = statSync(path);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('edited'), 0, 6, 10);
    closeSync(fd);
    utimesSync(path, mtime, mtime);
    await expect(store.addFiles([{ path: 'edited.bin', absolutePath: path }])).rejects.toThrow(
      /edited\.bin changed while it was being stored/,
    );
    expect(await backend.inner.list()).toEqual([]);
  });

  it('leaves a destination that already holds the content alone', async () => {
    const { backend, store, data } = setup();
    writeFileSync(join(data, 'x.csv'), csvRows(0, 5000));
    const [file] = (await store.addFiles([{ path: 'x.csv', absolutePath: join(data, 'x.csv') }])).files;
    backend.reset();
    expect(await store.readFile(file as StoredFile, join(data, 'x.csv'))).toEqual({
      written: false,
      bytesDownloaded: 0,
      bytesReused: 0,
    });
    expect(backend.gets).toBe(0);
  });

  describe('a damaged store is an error naming the file and its digest, and the destination stays as it was', () => {
    async function damaged(damage: (pack: string) => void) {
      const { root, backend, store, data } = setup();
      writeFileSync(join(data, 'train.csv'), csvRows(0, 20_000));
      const [file] = (await store.addFiles([{ path: 'train.csv', absolutePath: join(data, 'train.csv') }]))
        .files;
      const packs = readdirSync(backend.inner.dir).filter((n) => n.endsWith('.pack'));
      expect(packs.length).toBe(1);
      damage(join(backend.inner.dir, packs[0] as string));
      const out = join(root, 'out');
      mkdirSync(out);
      writeFileSync(join(out, 'train.csv'), 'the previous version\n');
      const error = await store.readFile(file as StoredFile, join(out, 'train.csv')).catch((e: unknown) => e);
      expect(readFileSync(join(out, 'train.csv'), 'utf8')).toBe('the previous version\n');
      expect(readdirSync(out)).toEqual(['train.csv']);
      return { error: error as Error, file: file as StoredFile };
    }

    it('a flipped byte in a pack', async () => {
      const { error, file } = await damaged((pack) => {
        const bytes = readFileSync(pack);
        const at = Math.floor(bytes.length / 2);
        bytes[at] = (bytes[at] as number) ^ 0x01;
        writeFileSync(pack, bytes);
      });
      expect(error).toBeInstanceOf(CorruptContent);
      expect(error.message).toMatch(
        /^train\.csv \(sha256 [0-9a-f]{64}\): chunk [0-9a-f]{64} read from pack-.* is corrupt/,
      );
      expect(error.message).toContain(file.sha256);
    });

    it('a truncated pack', async () => {
      const { error, file } = await damaged((pack) => truncateSync(pack, 50_000));
      expect(error).toBeInstanceOf(CorruptContent);
      expect(error.message).toMatch(/train\.csv .* is truncated/);
      expect(error.message).toContain(file.sha256);
    });

    it('a missing pack, or a chunk in no pack at all', async () => {
      const { error, file } = await damaged((pack) => rmSync(pack));
      expect(error).toBeInstanceOf(MissingContent);
      expect(error.message).toMatch(
        /^train\.csv \(sha256 [0-9a-f]{64}\): pack-[0-9a-f]{64}\.pack is not in local/,
      );
      expect(error.message).toContain(file.sha256);

      const { root, store } = setup();
      const lost = { ...file, path: 'lost.csv', size: 3, chunks: [{ digest: 'b'.repeat(64), size: 3 }] };
      const missing = await store.readFile(lost, join(root, 'lost.csv')).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(MissingContent);
      expect((missing as Error).message).toMatch(
        /^lost\.csv \(sha256 [0-9a-f]{64}\): chunk b{64} is not in local directory/,
      );
    });
  });

  it('stores small documents as verified blobs', async () => {
    const { backend, store } = setup();
    const manifest = JSON.stringify({ files: [{ path: 'a.csv', sha256: 'x' }] });
    const digest = await store.putBlob(manifest);
    expect(digest).toBe(createHash('sha256').update(manifest).digest('hex'));
    expect((await store.getBlob(digest)).toString()).toBe(manifest);
    writeFileSync(join(backend.inner.dir, `blob-${digest}.json`), manifest.replace('a.csv', 'b.csv'));
    await expect(store.getBlob(digest)).rejects.toThrow(CorruptContent);
    await expect(store.getBlob('f'.repeat(64))).rejects.toThrow(/is not in local directory/);
  });
});
