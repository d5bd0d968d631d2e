import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ObjectBackend } from './backend';
import { type ChunkingOptions, type ChunkRef, chunkingOptions } from './cdc';
import { mapLimit } from './concurrency';
import { type FileDigest, type HashProgress, hashFiles } from './hash';
import type { PackItem } from './hash-worker';
import {
  DEFAULT_PACK_SIZE,
  indexDigestOf,
  indexName,
  packIndex,
  packName,
  parsePackIndex,
  planPacks,
} from './pack';
import { confinePath } from './paths';
import { WorkerPool } from './pool';
import {
  type ChunkLocation,
  CorruptContent,
  LocalChunks,
  MissingContent,
  type ReadProgress,
  type ReadResult,
  restoreFile,
  type StoredFile,
} from './read';

export interface ContentStoreOptions {
  backend: ObjectBackend;
  /** Local state: the stat cache, copies of pack indexes, packs being written (`.mcp/cache`). */
  cacheDir: string;
  chunking?: Partial<ChunkingOptions>;
  /** Target pack size; packs never exceed the backend's `maxObjectSize` either. Default 256 MiB. */
  packSize?: number;
  /** Object reads (and pack uploads) in flight at once. Default 4. */
  concurrency?: number;
  /** A directory of downloaded chunks (`<sha256>` files) to reuse across pulls; none by default. */
  chunkCache?: string;
  /** Worker threads for hashing and packing; by default one per core, started on first use. */
  pool?: WorkerPool;
}

export type AddProgress =
  | ({ phase: 'hash' } & HashProgress)
  | { phase: 'upload'; bytes: number; totalBytes: number; packs: number; totalPacks: number };

export interface AddResult {
  /** In the order given. */
  files: StoredFile[];
  /** Bytes sent to the backend (packs and their indexes); 0 when the store had everything. */
  bytesUploaded: number;
  objectsUploaded: number;
}

const BLOB = (sha256: string) => `blob-${sha256}.json`;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Content-addressed storage of files over any `ObjectBackend`: files are cut into chunks
 * (FastCDC), chunks the store lacks are uploaded in packs, and reads fetch byte ranges of packs,
 * reuse chunks already on the machine and verify everything before a file is placed.
 */
export class ContentStore {
  readonly backend: ObjectBackend;
  readonly chunking: ChunkingOptions;
  private readonly cacheDir: string;
  private readonly packSize: number;
  private readonly concurrency: number;
  private readonly chunkCache: string | undefined;
  private readonly ownPool: boolean;
  private readonly pool: WorkerPool;
  /** Every chunk the store holds, from the union of the pack indexes. */
  private readonly chunks = new Map<string, ChunkLocation>();
  private readonly loadedIndexes = new Set<string>();
  private refreshed = false;
  private refreshing: Promise<void> | undefined;
  private orphansRemoved = false;

  constructor(options: ContentStoreOptions) {
    this.backend = options.backend;
    this.chunking = chunkingOptions(options.chunking);
    this.cacheDir = options.cacheDir;
    this.packSize = Math.min(options.packSize ?? DEFAULT_PACK_SIZE, this.backend.maxObjectSize);
    this.concurrency = options.concurrency ?? 4;
    this.chunkCache = options.chunkCache;
    this.ownPool = !options.pool;
    this.pool = options.pool ?? new WorkerPool();
    if (this.chunking.max > this.backend.maxObjectSize) {
      throw new Error(`chunks of up to ${this.chunking.max} bytes do not fit ${this.backend.description}`);
    }
  }

  /**
   * Lists the store and reads the indexes of packs not seen before (cached under `cacheDir`).
   * Calls made while one runs share it: a list is a few API calls on a remote store.
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.listAndIndex().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async listAndIndex(): Promise<void> {
    const objects = await this.backend.list();
    const sizes = new Map(objects.map((o) => [o.name, o.size]));
    const fresh = objects.filter((o) => {
      const digest = indexDigestOf(o.name);
      // An index whose pack is not listed is skipped: its chunks could not be read.
      return digest !== undefined && !this.loadedIndexes.has(o.name) && sizes.has(packName(digest));
    });
    await mapLimit(fresh, this.concurrency, async ({ name }) => {
      const digest = indexDigestOf(name) as string;
      const index = await this.readIndex(name, sizes.get(packName(digest)));
      for (const c of index.chunks) {
        if (!this.chunks.has(c.digest)) {
          this.chunks.set(c.digest, { pack: index.pack, offset: c.offset, length: c.length });
        }
      }
      this.loadedIndexes.add(name);
    });
    this.refreshed = true;
  }

  /** The digests among `digests` that the store holds (after listing it again). */
  async has(digests: Iterable<string>): Promise<Set<string>> {
    await this.refresh();
    return new Set([...digests].filter((d) => this.chunks.has(d)));
  }

  /**
   * Chunks and hashes the files (in parallel, the stat cache sparing unchanged ones), then
   * uploads the chunks the store lacks, packed. Adding the same files again uploads nothing.
   */
  async addFiles(
    files: { path: string; absolutePath: string }[],
    options: { onProgress?: (progress: AddProgress) => void } = {},
  ): Promise<AddResult> {
    for (const file of files) confinePath('/', file.path);
    if (!this.orphansRemoved) {
      this.orphansRemoved = true;
      await removeOrphans(join(this.cacheDir, 'tmp'));
    }
    const onProgress = options.onProgress;
    const digests = await hashFiles(
      files.map((f) => f.absolutePath),
      {
        cacheDir: this.cacheDir,
        chunking: this.chunking,
        pool: this.pool,
        onProgress: onProgress && ((p) => onProgress({ phase: 'hash', ...p })),
      },
    );
    await this.refresh();
    const missing = new Map<string, PackItem>();
    for (const file of digests) {
      let offset = 0;
      for (const { digest, size } of file.chunks) {
        if (!this.chunks.has(digest) && !missing.has(digest)) {
          missing.set(digest, { path: file.path, offset, size, digest });
        }
        offset += size;
      }
    }
    const plans = planPacks([...missing.values()], this.packSize, this.backend.maxObjectSize);
    const progress = {
      phase: 'upload' as const,
      bytes: 0,
      totalBytes: 0,
      packs: 0,
      totalPacks: plans.length,
    };
    for (const item of missing.values()) progress.totalBytes += item.size;
    let bytesUploaded = 0;
    // Packs are built on the workers while earlier ones upload; at most `concurrency` packs
    // wait on disk at a time.
    await mapLimit(plans, Math.max(1, Math.min(this.concurrency, this.pool.size + 1)), async (items) => {
      // Not `bytesUploaded += await …`: that reads the total before the await and loses the
      // packs uploaded meanwhile.
      const uploaded = await this.uploadPack(items, (bytes) => {
        progress.bytes += bytes;
        onProgress?.({ ...progress });
      });
      bytesUploaded += uploaded;
      progress.packs++;
      onProgress?.({ ...progress });
    });
    const stored = digests.map((d, i) => toStoredFile(d, (files[i] as { path: string }).path));
    return { files: stored, bytesUploaded, objectsUploaded: plans.length * 2 };
  }

  /** Where a chunk is stored, listing the store again once if it is not known yet. */
  async locate(digest: string): Promise<ChunkLocation | undefined> {
    if (!this.refreshed || !this.chunks.has(digest)) await this.refresh();
    return this.chunks.get(digest);
  }

  /**
   * Chunks of local files (re-chunked, or answered by the stat cache) to reuse when reading:
   * typically the files of the version a pull replaces. Missing paths are skipped. Build it once
   * for a whole pull and pass it to every `readFile`: each call otherwise indexes its own
   * destination alone.
   */
  async localChunks(paths: string[]): Promise<LocalChunks> {
    const local = new LocalChunks(this.chunkCache);
    const present: string[] = [];
    for (const path of paths) {
      const info = await lstat(path).catch(() => undefined);
      if (info?.isFile()) present.push(path);
    }
    if (present.length === 0) return local;
    for (const digest of await hashFiles(present, {
      cacheDir: this.cacheDir,
      chunking: this.chunking,
      pool: this.pool,
    })) {
      local.add(digest);
    }
    return local;
  }

  /**
   * Writes the stored file `entry` to `destination` (absolute; confine it first with
   * `resolveInside`). Chunks found in `reuse`, in the file now at `destination` or in the chunk
   * cache are copied, the rest downloaded; every chunk and the whole file are verified before
   * the file is renamed into place. On any failure `destination` is left as it was.
   */
  async readFile(
    entry: StoredFile,
    destination: string,
    options: { reuse?: LocalChunks; onProgress?: (progress: ReadProgress) => void } = {},
  ): Promise<ReadResult> {
    let local = options.reuse;
    if (!local?.files.has(destination)) {
      const here = await this.localChunks([destination]);
      if (local) for (const file of here.files.values()) local.add(file);
      else local = here;
    }
    return restoreFile(
      {
        backend: this.backend,
        locate: (digest) => this.locate(digest),
        local,
        concurrency: this.concurrency,
        onProgress: options.onProgress,
      },
      entry,
      destination,
    );
  }

  /**
   * One stored chunk's bytes, verified against its digest: from the chunk cache when it holds a
   * good copy, else one ranged read of its pack. Memory is the chunk's size (`chunking.max` at most).
   */
  async readChunk(chunk: ChunkRef): Promise<Buffer> {
    const cached = new LocalChunks(this.chunkCache).find(chunk.digest);
    if (cached) {
      const bytes = await readFile(cached.path).catch(() => undefined);
      if (bytes?.length === chunk.size && sha256Hex(bytes) === chunk.digest) return bytes;
    }
    const at = await this.locate(chunk.digest);
    if (!at || at.length !== chunk.size) {
      throw new MissingContent(`chunk ${chunk.digest} is not in ${this.backend.description}`);
    }
    const range = { start: at.offset, end: at.offset + at.length - 1 };
    const bytes = await readAll(await this.backend.get(at.pack, range), chunk.size);
    const actual = sha256Hex(bytes);
    if (bytes.length !== chunk.size || actual !== chunk.digest) {
      throw new CorruptContent(
        `chunk ${chunk.digest} read from ${at.pack} in ${this.backend.description} is corrupt (its bytes hash to ${actual})`,
      );
    }
    return bytes;
  }

  /** Stores a small document (a manifest) as `blob-<sha256>.json`; returns its sha256. */
  async putBlob(content: string | Uint8Array): Promise<string> {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    const sha256 = sha256Hex(bytes);
    const temp = await this.tempPath('blob');
    try {
      await writeFile(temp, bytes);
      await this.backend.put(BLOB(sha256), temp, bytes.length);
    } finally {
      await rm(temp, { force: true });
    }
    return sha256;
  }

  /** The blob with this sha256, verified. */
  async getBlob(sha256: string): Promise<Buffer> {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256 digest: ${JSON.stringify(sha256)}`);
    const bytes = await readAll(await this.backend.get(BLOB(sha256)), this.backend.maxObjectSize);
    const actual = sha256Hex(bytes);
    if (actual !== sha256) {
      throw new CorruptContent(
        `${BLOB(sha256)} in ${this.backend.description} is corrupt (its bytes hash to ${actual})`,
      );
    }
    return bytes;
  }

  /** Stops the worker threads (they also stop holding the process open whenever idle). */
  async close(): Promise<void> {
    if (this.ownPool) await this.pool.close();
  }

  private async uploadPack(items: PackItem[], onBytes: (bytes: number) => void): Promise<number> {
    const temp = await this.tempPath('pack');
    const tempIndex = `${temp}.idx`;
    try {
      const { sha256, size } = await this.pool.pack({ kind: 'pack', out: temp, items }, onBytes);
      await this.backend.put(packName(sha256), temp, size);
      const index = packIndex(sha256, items);
      const text = JSON.stringify(index);
      await writeFile(tempIndex, text);
      await this.backend.put(indexName(sha256), tempIndex, Buffer.byteLength(text));
      await mkdir(join(this.cacheDir, 'idx'), { recursive: true });
      await rename(tempIndex, join(this.cacheDir, 'idx', indexName(sha256)));
      for (const c of index.chunks)
        this.chunks.set(c.digest, { pack: index.pack, offset: c.offset, length: c.length });
      this.loadedIndexes.add(indexName(sha256));
      return size + Buffer.byteLength(text);
    } finally {
      await rm(temp, { force: true });
      await rm(tempIndex, { force: true });
    }
  }

  /** A pack index from the local copy if it agrees with the pack's size, else from the store. */
  private async readIndex(name: string, packSize: number | undefined) {
    const cached = join(this.cacheDir, 'idx', name);
    try {
      return parsePackIndex(await readFile(cached, 'utf8'), name, packSize);
    } catch {
      // No copy yet, or a stale or damaged one: read the store's.
    }
    const text = (await readAll(await this.backend.get(name), this.backend.maxObjectSize)).toString('utf8');
    const index = parsePackIndex(text, name, packSize);
    const temp = await this.tempPath('idx');
    await writeFile(temp, text);
    await rename(temp, cached);
    return index;
  }

  private async tempPath(kind: string): Promise<string> {
    const dir = join(this.cacheDir, 'tmp');
    await mkdir(dir, { recursive: true });
    await mkdir(join(this.cacheDir, 'idx'), { recursive: true });
    return join(dir, `${kind}-${process.pid}-${randomBytes(6).toString('hex')}`);
  }
}

/**
 * Temp files (packs up to 256 MiB) left by runs that were killed: named `<kind>-<pid>-<random>`,
 * they are removed once no process has that pid. A live process's files are never touched.
 */
async function removeOrphans(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(/^[a-z]+-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    await rm(join(dir, name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toStoredFile(digest: FileDigest, path: string): StoredFile {
  return { path, size: digest.size, mode: digest.mode, sha256: digest.sha256, chunks: digest.chunks };
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of stream) {
    size += (part as Buffer).length;
    if (size > limit) throw new Error(`object larger than ${limit} bytes`);
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts);
}
