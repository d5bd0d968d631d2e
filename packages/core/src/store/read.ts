import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, type FileHandle, lstat, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { McpError } from '../errors';
import type { ObjectBackend } from './backend';
import type { ChunkRef } from './cdc';
import { mapLimit } from './concurrency';
import type { FileDigest } from './hash';

/** A file as a version records it. `path` is dataset-relative, for messages. */
export interface StoredFile {
  path: string;
  size: number;
  mode: number;
  sha256: string;
  chunks: ChunkRef[];
}

/** A stored chunk: a byte range of a pack object. */
export interface ChunkLocation {
  pack: string;
  offset: number;
  length: number;
}

export interface ReadProgress {
  /** Bytes placed so far (downloaded or reused), of `totalBytes`. */
  bytes: number;
  totalBytes: number;
  downloaded: number;
  reused: number;
}

export interface ReadResult {
  /** False when the destination already held this content (only its mode may have changed). */
  written: boolean;
  bytesDownloaded: number;
  bytesReused: number;
}

/** Stored bytes that do not match their digest: a damaged or tampered store. */
export class CorruptContent extends McpError {
  override name = 'CorruptContent';
}

/** A chunk or object the version needs is not in the store. */
export class MissingContent extends McpError {
  override name = 'MissingContent';
}

/**
 * Chunks found on this machine, by digest: in files (the version being replaced, found by
 * re-chunking it) and in a chunk cache directory of `<sha256>` files. Candidates only: every
 * reuse is checked against the digest, so a file changed since it was indexed costs a download,
 * never wrong bytes.
 */
export class LocalChunks {
  private readonly chunks = new Map<string, { path: string; offset: number }>();
  /** What each indexed file held when it was read, by absolute path. */
  readonly files = new Map<string, FileDigest>();

  constructor(readonly chunkCache?: string) {}

  add(file: FileDigest): void {
    this.files.set(file.path, file);
    let offset = 0;
    for (const chunk of file.chunks) {
      if (!this.chunks.has(chunk.digest)) this.chunks.set(chunk.digest, { path: file.path, offset });
      offset += chunk.size;
    }
  }

  find(digest: string): { path: string; offset: number } | undefined {
    const found = this.chunks.get(digest);
    if (found) return found;
    const cached = this.chunkCache && join(this.chunkCache, digest);
    return cached && existsSync(cached) ? { path: cached, offset: 0 } : undefined;
  }
}

export interface RestoreContext {
  backend: ObjectBackend;
  /** Where a chunk is stored; may refresh the store's index once. */
  locate(digest: string): Promise<ChunkLocation | undefined>;
  /** Chunks of files on this machine (the destination's current content included). */
  local: LocalChunks;
  concurrency: number;
  onProgress: ((progress: ReadProgress) => void) | undefined;
}

interface Need {
  digest: string;
  size: number;
  /** Where in the file the chunk goes (a chunk may repeat). */
  positions: number[];
}

/**
 * Writes `entry` to `destination` from local chunks where it can and byte ranges of packs where
 * it must, checking every chunk and then the whole file before renaming it into place.
 */
export async function restoreFile(
  ctx: RestoreContext,
  entry: StoredFile,
  destination: string,
): Promise<ReadResult> {
  const needs = new Map<string, Need>();
  let offset = 0;
  for (const chunk of entry.chunks) {
    const need = needs.get(chunk.digest) ?? { digest: chunk.digest, size: chunk.size, positions: [] };
    need.positions.push(offset);
    needs.set(chunk.digest, need);
    offset += chunk.size;
  }
  if (offset !== entry.size) {
    throw new CorruptContent(
      `${entry.path}: the record's chunks add up to ${offset} bytes, not ${entry.size}`,
    );
  }

  const current = ctx.local.files.get(destination);
  if (current?.sha256 === entry.sha256) {
    if (current.mode !== entry.mode) await chmod(destination, entry.mode);
    return { written: false, bytesDownloaded: 0, bytesReused: 0 };
  }

  const progress: ReadProgress = { bytes: 0, totalBytes: entry.size, downloaded: 0, reused: 0 };
  const placed = (size: number, how: 'downloaded' | 'reused') => {
    progress[how] += size;
    progress.bytes += size;
    ctx.onProgress?.({ ...progress });
  };
  await mkdir(dirname(destination), { recursive: true });
  const temp = join(
    dirname(destination),
    `.${basename(destination)}.${randomBytes(6).toString('hex')}.mcp-tmp`,
  );
  const handle = await open(temp, 'wx+', 0o600);
  try {
    const remote: Need[] = [];
    for (const need of needs.values()) {
      const found = ctx.local.find(need.digest);
      if (found && (await copyLocal(handle, found, need))) {
        placed(need.size * need.positions.length, 'reused');
      } else {
        remote.push(need);
      }
    }
    await download(ctx, entry, handle, remote, (size) => placed(size, 'downloaded'));
    const actual = await sha256Of(handle, entry.size);
    if (actual !== entry.sha256) {
      throw new CorruptContent(
        `${entry.path}: assembled content hashes to ${actual}, expected sha256 ${entry.sha256}`,
      );
    }
    await handle.chmod(entry.mode);
    if (ctx.local.chunkCache) await cacheChunks(handle, remote, ctx.local.chunkCache);
    await handle.close();
    await rename(temp, destination);
    ctx.local.add({ ...entry, path: destination, cached: false });
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  return { written: true, bytesDownloaded: progress.downloaded, bytesReused: progress.reused };
}

/** Copies a chunk from a local file if it still has the right bytes; false when it does not. */
async function copyLocal(
  out: FileHandle,
  from: { path: string; offset: number },
  need: Need,
): Promise<boolean> {
  const buffer = Buffer.allocUnsafe(need.size);
  let source: FileHandle;
  try {
    const info = await lstat(from.path);
    if (!info.isFile()) return false;
    source = await open(from.path, 'r');
  } catch {
    return false;
  }
  try {
    const bytesRead = await readFully(source, buffer, from.offset);
    const digest = createHash('sha256').update(buffer).digest('hex');
    if (bytesRead !== need.size || digest !== need.digest) return false;
  } finally {
    await source.close();
  }
  for (const position of need.positions) await out.write(buffer, 0, need.size, position);
  return true;
}

/** Fetches chunks by pack, coalescing neighbours into one ranged read, a few ranges at a time. */
async function download(
  ctx: RestoreContext,
  entry: StoredFile,
  out: FileHandle,
  needs: Need[],
  placed: (size: number) => void,
): Promise<void> {
  const ranges: { pack: string; start: number; end: number; parts: Need[] }[] = [];
  const located = await Promise.all(
    needs.map(async (need) => {
      const at = await ctx.locate(need.digest);
      if (!at || at.length !== need.size) {
        throw new MissingContent(
          `${entry.path} (sha256 ${entry.sha256}): chunk ${need.digest} is not in ${ctx.backend.description}`,
        );
      }
      return { need, at };
    }),
  );
  located.sort((a, b) => a.at.pack.localeCompare(b.at.pack) || a.at.offset - b.at.offset);
  for (const { need, at } of located) {
    const last = ranges.at(-1);
    if (last && last.pack === at.pack && last.end + 1 === at.offset) {
      last.end += at.length;
      last.parts.push(need);
    } else {
      ranges.push({ pack: at.pack, start: at.offset, end: at.offset + at.length - 1, parts: [need] });
    }
  }
  const label = `${entry.path} (sha256 ${entry.sha256})`;
  await mapLimit(ranges, ctx.concurrency, async (range) => {
    let stream: AsyncIterable<Buffer>;
    try {
      stream = await ctx.backend.get(range.pack, { start: range.start, end: range.end });
    } catch (error) {
      if ((error as Error).name !== 'MissingObject') throw error;
      throw new MissingContent(`${label}: ${(error as Error).message}`);
    }
    // Walk the pieces as they arrive: bytes go to the temp file at once (memory stays flat for
    // any chunk size) and each chunk's digest is checked when its last byte is in.
    let part = 0;
    let within = 0;
    let hash = createHash('sha256');
    for await (const data of stream) {
      let at = 0;
      while (at < data.length) {
        const need = range.parts[part];
        if (!need) throw new CorruptContent(`${label}: ${range.pack} sent more bytes than asked for`);
        const piece = data.subarray(at, at + Math.min(data.length - at, need.size - within));
        hash.update(piece);
        for (const position of need.positions) await out.write(piece, 0, piece.length, position + within);
        within += piece.length;
        at += piece.length;
        if (within === need.size) {
          const got = hash.digest('hex');
          if (got !== need.digest) {
            throw new CorruptContent(
              `${label}: chunk ${need.digest} read from ${range.pack} is corrupt (its bytes hash to ${got})`,
            );
          }
          placed(need.size * need.positions.length);
          part++;
          within = 0;
          hash = createHash('sha256');
        }
      }
    }
    const short = range.parts[part];
    if (short) {
      throw new CorruptContent(`${label}: ${range.pack} is truncated; chunk ${short.digest} ends early`);
    }
  });
}

/** Keeps downloaded chunks (already verified) for later pulls: `<dir>/<sha256>`, written atomically. */
async function cacheChunks(from: FileHandle, needs: Need[], dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const need of needs) {
    const path = join(dir, need.digest);
    if (existsSync(path)) continue;
    const buffer = Buffer.allocUnsafe(need.size);
    await readFully(from, buffer, need.positions[0] as number);
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, buffer);
    await rename(temp, path);
  }
}

/** Fills `buffer` from `position` (a read may return less than asked); the bytes read. */
async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

async function sha256Of(handle: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(size, 4 << 20) || 1);
  for (let position = 0; position < size; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest('hex');
}
