import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ChunkedStream,
  type ChunkingOptions,
  chunkingOptions,
  createChunker,
  DEFAULT_CHUNKING,
} from './cdc';
import { GEAR } from './gear';
import { csvRows, noise } from './test-data';

const small: ChunkingOptions = { min: 64 << 10, avg: 256 << 10, max: 1 << 20 };
const tiny: ChunkingOptions = { min: 4 << 10, avg: 16 << 10, max: 64 << 10 };

/** Chunks `data`, fed in pieces of `piece` bytes (the whole at once by default). */
function chunk(data: Uint8Array, options: ChunkingOptions, piece = data.length || 1): ChunkedStream {
  const chunker = createChunker(GEAR, createHash, options);
  for (let i = 0; i < data.length; i += piece) chunker.update(data.subarray(i, i + piece));
  return chunker.end();
}

/** Cut offsets: where each chunk ends. */
function boundaries(result: ChunkedStream): number[] {
  let offset = 0;
  return result.chunks.map((c) => (offset += c.size));
}

function digests(result: ChunkedStream): Set<string> {
  return new Set(result.chunks.map((c) => c.digest));
}

describe('FastCDC chunking', () => {
  it('uses the committed gear table: SplitMix64 seeded with "mcp-gear", high 32 bits', () => {
    const mask = (1n << 64n) - 1n;
    let state = BigInt(`0x${Buffer.from('mcp-gear').toString('hex')}`);
    const table = Array.from({ length: 256 }, () => {
      state = (state + 0x9e3779b97f4a7c15n) & mask;
      let z = state;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
      return Number(BigInt.asIntN(32, (z ^ (z >> 31n)) >> 32n));
    });
    expect([...GEAR]).toEqual(table);
  });

  it('cuts a seeded 20 MiB input at the same (golden) offsets on every machine', () => {
    const data = noise(20 << 20, 20);
    expect(boundaries(chunk(data, small))).toEqual(GOLDEN_SMALL);
    expect(boundaries(chunk(data, DEFAULT_CHUNKING))).toEqual(GOLDEN_DEFAULT);
  });

  it('cuts at the same offsets whatever pieces the bytes arrive in, and hashes as sha256 does', () => {
    const data = noise(3 << 20, 3);
    const whole = chunk(data, small);
    for (const piece of [1 << 20, 65_537, 4093]) expect(chunk(data, small, piece)).toEqual(whole);
    expect(whole.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(whole.size).toBe(data.length);
    let offset = 0;
    for (const c of whole.chunks) {
      expect(c.digest).toBe(
        createHash('sha256')
          .update(data.subarray(offset, offset + c.size))
          .digest('hex'),
      );
      offset += c.size;
    }
  });

  it('keeps chunks between min and max (the last may be shorter), near the average', () => {
    const result = chunk(noise(8 << 20, 8), tiny);
    const sizes = result.chunks.map((c) => c.size);
    expect(sizes.slice(0, -1).every((s) => s >= tiny.min && s <= tiny.max)).toBe(true);
    const mean = result.size / sizes.length;
    expect(mean).toBeGreaterThan(tiny.avg * 0.75);
    expect(mean).toBeLessThan(tiny.avg * 1.5);
  });

  it('makes a file smaller than min one chunk (its digest is the file digest), and an empty file none', () => {
    const data = noise(small.min - 1, 5);
    const result = chunk(data, small);
    expect(result.chunks).toEqual([{ digest: result.sha256, size: data.length }]);
    expect(chunk(new Uint8Array(0), small)).toEqual({
      size: 0,
      sha256: createHash('sha256').digest('hex'),
      chunks: [],
    });
  });

  it('cuts content without any boundary (all zeros) at max', () => {
    const result = chunk(new Uint8Array(5 * small.max + 10), small);
    expect(result.chunks.map((c) => c.size)).toEqual([...Array(5).fill(small.max), 10]);
    expect(new Set(result.chunks.slice(0, 5).map((c) => c.digest)).size).toBe(1);
  });

  it('reuses all but the last chunks of a CSV after 1% more rows are appended', () => {
    const before = csvRows(0, 100_000);
    const after = before + csvRows(100_000, 1000);
    const old = chunk(Buffer.from(before), tiny);
    const now = chunk(Buffer.from(after), tiny);
    expect(old.chunks.length).toBeGreaterThan(100);
    const kept = digests(now);
    // Every old chunk but the last one or two is in the new version.
    expect(old.chunks.slice(0, -2).every((c) => kept.has(c.digest))).toBe(true);
    const known = digests(old);
    const newBytes = now.chunks.filter((c) => !known.has(c.digest)).reduce((sum, c) => sum + c.size, 0);
    expect(newBytes).toBeLessThan(after.length - before.length + 2 * tiny.max);
    expect(newBytes / after.length).toBeLessThan(0.05);
  });

  it('changes only the chunks near bytes inserted in the middle', () => {
    const data = noise(4 << 20, 44);
    const middle = 2 << 20;
    const edited = Buffer.concat([
      data.subarray(0, middle),
      Buffer.from('inserted bytes'),
      data.subarray(middle),
    ]);
    const old = chunk(data, tiny);
    const now = chunk(edited, tiny);
    const known = digests(old);
    const changed = now.chunks.filter((c) => !known.has(c.digest));
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(changed.length).toBeLessThanOrEqual(3);
    expect(now.chunks.length - changed.length).toBeGreaterThan(old.chunks.length - 4);
  });

  it('refuses chunk sizes that make no sense', () => {
    expect(() => chunkingOptions({ min: 8 << 20 })).toThrow(/min <= avg/);
    expect(() => chunkingOptions({ min: 16, avg: 32, max: 64 })).toThrow(/64 <= min/);
    expect(chunkingOptions()).toEqual(DEFAULT_CHUNKING);
  });
});

// Cut offsets of `noise(20 MiB, seed 20)`. A change here changes every stored chunk's name:
// only with a new store format.
const GOLDEN_SMALL = [
  300808, 573583, 868083, 1139685, 1252763, 1538587, 1858224, 2128366, 2416830, 2704733, 3142182, 3309369,
  3575056, 3837750, 4173699, 4448862, 4724647, 4897458, 5176325, 5464604, 5730054, 6069162, 6195242, 6496702,
  6901833, 7166475, 7451493, 7757020, 8087985, 8501937, 8750282, 8990069, 9169142, 9434551, 9761452, 10026357,
  10296633, 10660502, 10794210, 11071577, 11155600, 11482165, 11762388, 11855988, 12222814, 12527695,
  12864141, 13274745, 13553845, 13821934, 14070256, 14272998, 14746643, 15059263, 15175995, 15536710,
  15821550, 16113732, 16293357, 16602494, 16918053, 17236787, 17616411, 18074132, 18372830, 18635441,
  18928848, 19198734, 19464795, 19778629, 20060637, 20373058, 20666868, 20868559, 20971520,
];
const GOLDEN_DEFAULT = [4225222, 8501937, 11855988, 16293357, 20868559, 20971520];
