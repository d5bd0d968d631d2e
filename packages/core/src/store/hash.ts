import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type ChunkedStream, type ChunkingOptions, chunkingOptions } from './cdc';
import { groupBySize } from './group';
import type { ChunkResult } from './hash-worker';
import { WorkerPool } from './pool';
import { type FileStat, StatCache } from './stat-cache';

export interface FileDigest extends ChunkedStream {
  /** The path as given. */
  path: string;
  /** 0o755 when any execute bit is set, else 0o644 — as git records it, so a digest does not depend on the umask. */
  mode: number;
  /** True when the stat cache answered and the file was not read. */
  cached: boolean;
}

export interface HashProgress {
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
  /** Files answered by the stat cache (counted in `files` and `bytes` too). */
  cachedFiles: number;
}

export interface HashOptions {
  /** Directory of the stat cache (`<cacheDir>/stat.json`); without it every file is read. */
  cacheDir?: string;
  chunking?: Partial<ChunkingOptions>;
  /** Called as files finish and every few tens of MiB inside a large file. */
  onProgress?: (progress: HashProgress) => void;
  /** Worker threads to use; by default a pool of one worker per core, closed when done. */
  pool?: WorkerPool;
}

export const STAT_CACHE_FILE = 'stat.json';

/**
 * Files to hash, grouped into worker tasks, largest first so that one big file does not finish
 * last alone. Small files go in batches: a message per file would cost more than hashing it.
 * Batches stay small enough (a few per worker) that the workers share the load evenly.
 */
function batches<T extends { size: number }>(files: T[], workers: number): T[][] {
  const sorted = [...files].sort((a, b) => b.size - a.size);
  const total = sorted.reduce((sum, f) => sum + f.size, 0);
  const maxBytes = Math.max(1 << 20, Math.min(64 << 20, total / (workers * 8)));
  const maxFiles = Math.max(1, Math.min(256, Math.ceil(sorted.length / (workers * 8))));
  return groupBySize(sorted, maxBytes, maxFiles);
}

/** The permission bits a manifest records for a file of this `st_mode`. */
export function normalMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

/**
 * SHA-256 and content-defined chunks of many files, in parallel on every core (worker threads,
 * streaming each file). Results are in the order of `paths`.
 */
export async function hashFiles(paths: string[], options: HashOptions = {}): Promise<FileDigest[]> {
  const chunking = chunkingOptions(options.chunking);
  const startedAt = Date.now();
  const cache = options.cacheDir
    ? await StatCache.load(join(options.cacheDir, STAT_CACHE_FILE), chunking)
    : undefined;
  const pool = options.pool ?? new WorkerPool();
  const results: FileDigest[] = new Array(paths.length);
  const progress: HashProgress = {
    files: 0,
    totalFiles: paths.length,
    bytes: 0,
    totalBytes: 0,
    cachedFiles: 0,
  };
  const report = () => options.onProgress?.({ ...progress });

  const pending: { index: number; size: number; stat: FileStat }[] = [];
  paths.forEach((path, index) => {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
    progress.totalBytes += stat.size;
    const mode = normalMode(stat.mode);
    const hit = cache?.get(path, stat);
    if (hit) {
      results[index] = { path, mode, cached: true, ...hit };
      progress.files++;
      progress.cachedFiles++;
      progress.bytes += hit.size;
    } else {
      results[index] = { path, mode, cached: false, size: stat.size, sha256: '', chunks: [] };
      pending.push({ index, size: stat.size, stat });
    }
  });
  if (progress.cachedFiles > 0) report();

  try {
    await Promise.all(
      batches(pending, pool.size).map(async (batch) => {
        let counted = 0;
        const digests = await pool.chunk(
          { kind: 'chunk', paths: batch.map(({ index }) => (results[index] as FileDigest).path), chunking },
          (bytes) => {
            counted += bytes;
            progress.bytes += bytes;
            report();
          },
        );
        batch.forEach(({ index, stat }, i) => {
          const result = results[index] as FileDigest;
          const digest = digests[i] as ChunkResult;
          if (digest.size !== stat.size) {
            throw new Error(
              `${result.path} changed while it was being read (${stat.size} bytes, then ${digest.size}); try again`,
            );
          }
          results[index] = { ...result, ...digest };
          cache?.set(result.path, stat, digest, startedAt);
          counted -= digest.size;
        });
        progress.bytes -= counted;
        progress.files += batch.length;
        report();
      }),
    );
  } finally {
    if (!options.pool) await pool.close();
  }
  if (cache && pending.length > 0) await cache.save();
  return results;
}
