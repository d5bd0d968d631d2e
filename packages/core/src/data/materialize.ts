import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { McpError } from '../errors';
import { type ChunkRef, type ContentStore, mapLimit, resolveInside, type StoredFile } from '../store';

/** The store blob that holds files' chunk lists: what a record needs to read its files back. */
export const ChunkLists = z.object({
  schemaVersion: z.literal(1),
  files: z.array(
    z.object({
      path: z.string(),
      sha256: z.string(),
      chunks: z.array(z.object({ digest: z.string(), size: z.number() })),
    }),
  ),
});

/** `files` with their chunk lists from `blob`; `what` names the record in messages. */
export function withChunks(
  files: readonly { path: string; size: number; mode: number; sha256: string }[],
  blob: Buffer,
  what: string,
): StoredFile[] {
  let value: unknown;
  try {
    value = JSON.parse(blob.toString('utf8'));
  } catch {
    throw new McpError(`the chunk lists of ${what} are malformed`);
  }
  const parsed = ChunkLists.safeParse(value);
  if (!parsed.success) throw new McpError(`the chunk lists of ${what} are malformed`);
  const lists = new Map<string, ChunkRef[]>(
    parsed.data.files.map((f) => [`${f.path}\0${f.sha256}`, f.chunks]),
  );
  return files.map((file) => {
    const chunks = lists.get(`${file.path}\0${file.sha256}`);
    if (!chunks) throw new McpError(`${file.path}: no chunk list in ${what}`);
    return { path: file.path, size: file.size, mode: file.mode, sha256: file.sha256, chunks };
  });
}

export interface MaterializeProgress {
  files: number;
  totalFiles: number;
  /** Bytes in place (downloaded, reused or already right), of `totalBytes`; moves within a file. */
  bytes: number;
  totalBytes: number;
  bytesDownloaded: number;
}

/** Files read from the store at once during a pull. */
const FILES_IN_FLIGHT = 4;

export interface Materialized {
  /** Absolute paths of the files, in the order of the entries. */
  targets: string[];
  written: number;
  bytesDownloaded: number;
}

/**
 * Writes stored files under `destination`: files already right are left alone, chunks found
 * locally are reused, the rest downloaded. Everything is staged beside the destination first and
 * renamed into place only when every file verified, so a tampered store leaves it as it was.
 */
export async function materialize(
  store: ContentStore,
  entries: StoredFile[],
  destination: string,
  onProgress: (progress: MaterializeProgress) => void = () => {},
): Promise<Materialized> {
  await mkdir(destination, { recursive: true });
  const targets = await Promise.all(entries.map((e) => resolveInside(destination, e.path)));
  const reuse = await store.localChunks(targets);
  const staging = join(destination, `.mcp-pull-${process.pid}-${randomBytes(4).toString('hex')}`);
  let downloaded = 0;
  let written = 0;
  try {
    await mkdir(staging, { recursive: true });
    // Several files at a time (each one's missing ranges are fetched in parallel as well), so a
    // dataset of many small files is not one round trip after another.
    let done = 0;
    let placed = 0;
    const totalBytes = entries.reduce((sum, e) => sum + e.size, 0);
    const report = () =>
      onProgress({
        files: done,
        totalFiles: entries.length,
        bytes: placed,
        totalBytes,
        bytesDownloaded: downloaded,
      });
    const staged = await mapLimit([...entries.keys()], FILES_IN_FLIGHT, async (i) => {
      const entry = entries[i] as StoredFile;
      const present = reuse.files.get(targets[i] as string);
      if (present?.sha256 === entry.sha256 && present.mode === entry.mode) {
        done++;
        placed += entry.size;
        report();
        return undefined;
      }
      const path = join(staging, String(i));
      // Progress inside the file too, so one large file is not silent until it is done.
      let here = 0;
      const result = await store.readFile(entry, path, {
        reuse,
        onProgress: (p) => {
          placed += p.bytes - here;
          here = p.bytes;
          report();
        },
      });
      placed += entry.size - here;
      downloaded += result.bytesDownloaded;
      done++;
      report();
      return path;
    });
    const moves = staged.flatMap((path, i) => (path ? [[path, targets[i] as string] as const] : []));
    for (const [staged, target] of moves) {
      await mkdir(dirname(target), { recursive: true });
      await rename(staged, target);
      written++;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { targets, written, bytesDownloaded: downloaded };
}
