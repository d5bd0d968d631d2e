import { utimesSync, writeFileSync } from 'node:fs';
import { RACY_MS } from './stat-cache';

// Test inputs for the store's tests and benchmark: generated from seeds, so large inputs cost
// no space in the repository and are the same on every machine.

/** `size` pseudo-random bytes (xorshift32 words). */
export function noise(size: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer, 0, size);
}

/** CSV rows `id,label,score,text` numbered from `from`, with seeded values. */
export function csvRows(from: number, count: number, seed = 1): string {
  let x = (seed * 2654435761) >>> 0 || 1;
  const lines: string[] = [];
  for (let id = from; id < from + count; id++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const r = (x >>> 0) ^ id;
    lines.push(
      `${id},${r % 7 === 0 ? 'cat' : 'dog'},${(r % 100_000) / 100_000},row ${id} note ${r.toString(36)}\n`,
    );
  }
  return lines.join('');
}

/** Writes a file as an earlier job left it: old enough for the stat cache to trust its mtime. */
export function writeOld(path: string, data: Buffer | string): void {
  writeFileSync(path, data);
  const past = (Date.now() - RACY_MS - 60_000) / 1000;
  utimesSync(path, past, past);
}
