import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChunkedStream, ChunkingOptions, ChunkRef } from './cdc';

/** What identifies an unchanged file without reading it. */
export interface FileStat {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** `[size, mtimeMs, ino, sha256, chunks]`; chunks flattened as digest, size, … and left out for a one-chunk file. */
type Entry = [number, number, number, string, (string | number)[]?];

interface CacheFile {
  schemaVersion: 1;
  chunking: ChunkingOptions;
  entries: Record<string, Entry>;
}

/**
 * Modified within this long before hashing began, a file's stat is not trusted: on file systems
 * with coarse timestamps a second write in the same tick keeps size and mtime (git's "racy
 * clean" problem). Such files are hashed again next time.
 */
export const RACY_MS = 2000;

/**
 * path + size + mtime → SHA-256 and chunk list, kept in one JSON file (under `.mcp/`, so
 * the actions cache can restore it). Re-hashing an unchanged tree then opens no file.
 */
export class StatCache {
  private constructor(
    readonly file: string,
    private readonly chunking: ChunkingOptions,
    // The parsed object itself, not a Map built from it: at 100k files the copy costs more
    // than the lookups. Keys are absolute paths, so never `__proto__` and the like.
    private readonly entries: Record<string, Entry>,
  ) {}

  /** The cache in `file`; empty when the file is missing, unreadable or made with other chunk sizes. */
  static async load(file: string, chunking: ChunkingOptions): Promise<StatCache> {
    let entries: Record<string, Entry> = {};
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
      const same = (['min', 'avg', 'max'] as const).every((k) => parsed.chunking?.[k] === chunking[k]);
      if (parsed.schemaVersion === 1 && same && typeof parsed.entries === 'object') entries = parsed.entries;
    } catch {
      // A missing or damaged cache only costs a re-hash.
    }
    return new StatCache(file, chunking, entries);
  }

  get(path: string, stat: FileStat): ChunkedStream | undefined {
    const entry = Object.hasOwn(this.entries, path) ? this.entries[path] : undefined;
    // The inode is kept but not compared (as git's core.checkStat=minimal): files restored by
    // actions/cache on a fresh runner keep size and mtime but never their inode.
    const same = Array.isArray(entry) && entry[0] === stat.size && entry[1] === stat.mtimeMs;
    if (!same) return;
    const [size, , , sha256, flat] = entry;
    const chunks: ChunkRef[] = [];
    if (flat) {
      for (let i = 0; i + 1 < flat.length; i += 2)
        chunks.push({ digest: String(flat[i]), size: Number(flat[i + 1]) });
    } else if (size > 0) {
      chunks.push({ digest: sha256, size });
    }
    return { size, sha256, chunks };
  }

  /** Remembers a file hashed at `startedAt` (ms since the epoch), unless its stat is racy. */
  set(path: string, stat: FileStat, digest: ChunkedStream, startedAt: number): void {
    if (stat.mtimeMs > startedAt - RACY_MS) {
      delete this.entries[path];
      return;
    }
    const single = digest.chunks.length <= 1 && (digest.chunks[0]?.digest ?? digest.sha256) === digest.sha256;
    const entry: Entry = [stat.size, stat.mtimeMs, stat.ino, digest.sha256];
    if (!single) entry.push(digest.chunks.flatMap((c) => [c.digest, c.size]));
    this.entries[path] = entry;
  }

  /** Writes the cache atomically; concurrent writers lose each other's additions, never the file. */
  async save(): Promise<void> {
    const data: CacheFile = {
      schemaVersion: 1,
      chunking: this.chunking,
      entries: this.entries,
    };
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, JSON.stringify(data));
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
