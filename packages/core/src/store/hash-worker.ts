import { type ChunkingOptions, createChunker } from './cdc';

/** What a worker is asked to do. Paths are absolute. */
export type WorkerTask =
  | { kind: 'chunk'; paths: string[]; chunking: ChunkingOptions }
  | { kind: 'pack'; out: string; items: PackItem[] };

/** A byte range of a source file to copy into a pack, with the digest it must have. */
export interface PackItem {
  path: string;
  offset: number;
  size: number;
  digest: string;
}

export interface ChunkResult {
  size: number;
  sha256: string;
  chunks: { digest: string; size: number }[];
}

export interface PackResult {
  sha256: string;
  size: number;
}

export type WorkerMessage =
  | { id: number; progress: number }
  | { id: number; result: ChunkResult[] | PackResult }
  | { id: number; error: { message: string; code?: string } };

/**
 * The worker's code, run with `new Worker(source, { eval: true })`. A worker file next to this
 * one would not survive ncc, which bundles everything into one `index.js`, and pointing a worker
 * at the bundle itself would run the action's entry again; source text needs neither. The
 * functions are turned into text, so each must be self-contained (see `createChunker`).
 */
export function workerSource(): string {
  // `require` is a global in eval workers (as in `node -e`); getBuiltinModule is the newer way.
  const load = `typeof require === 'function' ? require : process.getBuiltinModule`;
  return `"use strict";\n(${workerMain.toString()})(${load}, ${createChunker.toString()});\n`;
}

function workerMain(require: (id: string) => unknown, chunker: typeof createChunker): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const fs = require('node:fs') as typeof import('node:fs');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const gear = workerData.gear as Int32Array;
  // Synchronous reads into one reused buffer: the worker has nothing else to do, and memory
  // stays flat whatever the file size.
  const buffer = Buffer.allocUnsafe(2 << 20);
  const progressEvery = 32 << 20;

  // Progress is posted every few tens of MiB, not per file: a message per small file would cost
  // more than hashing it.
  let sinceProgress = 0;
  const read = (id: number, bytes: number) => {
    sinceProgress += bytes;
    if (sinceProgress >= progressEvery) flush(id);
  };
  const flush = (id: number) => {
    if (sinceProgress > 0) parentPort?.postMessage({ id, progress: sinceProgress });
    sinceProgress = 0;
  };

  // No fstat here: the caller took the file's stat before asking, and a file changed after that
  // has a newer mtime, so the stat cache will not trust what this read saw.
  function chunkFile(id: number, path: string, chunking: ChunkingOptions): ChunkResult {
    const fd = fs.openSync(path, 'r');
    try {
      const chunks = chunker(gear, createHash, chunking);
      for (;;) {
        const n = fs.readSync(fd, buffer, 0, buffer.length, null);
        if (n === 0) break;
        chunks.update(buffer.subarray(0, n));
        read(id, n);
      }
      return chunks.end();
    } finally {
      fs.closeSync(fd);
    }
  }

  // Copies chunks into a new pack file, checking each against the digest it had when the file
  // was chunked: a file edited since then must not put wrong bytes under a chunk's name.
  function writePack(id: number, out: string, items: PackItem[]): PackResult {
    const pack = createHash('sha256');
    const outFd = fs.openSync(out, 'w');
    let written = 0;
    try {
      let path = '';
      let fd = -1;
      try {
        for (const item of items) {
          if (item.path !== path) {
            if (fd >= 0) fs.closeSync(fd);
            fd = fs.openSync(item.path, 'r');
            path = item.path;
          }
          const chunk = createHash('sha256');
          let done = 0;
          while (done < item.size) {
            const n = fs.readSync(
              fd,
              buffer,
              0,
              Math.min(buffer.length, item.size - done),
              item.offset + done,
            );
            if (n === 0) break;
            const piece = buffer.subarray(0, n);
            chunk.update(piece);
            pack.update(piece);
            for (let at = 0; at < n; ) at += fs.writeSync(outFd, piece, at, n - at);
            done += n;
          }
          if (done !== item.size || chunk.digest('hex') !== item.digest) {
            throw Object.assign(new Error(`${item.path} changed while it was being stored; try again`), {
              code: 'ECHANGED',
            });
          }
          written += done;
          read(id, done);
        }
      } finally {
        if (fd >= 0) fs.closeSync(fd);
      }
    } finally {
      fs.closeSync(outFd);
    }
    return { sha256: pack.digest('hex'), size: written };
  }

  parentPort?.on('message', ({ id, task }: { id: number; task: WorkerTask }) => {
    sinceProgress = 0;
    try {
      const result =
        task.kind === 'chunk'
          ? task.paths.map((path) => chunkFile(id, path, task.chunking))
          : writePack(id, task.out, task.items);
      flush(id);
      parentPort.postMessage({ id, result });
    } catch (error) {
      const { message, code } = error as NodeJS.ErrnoException;
      parentPort.postMessage({ id, error: { message, code } });
    }
  });
}
