import { type FileHandle, open } from 'node:fs/promises';
import type { ChunkRef, ContentStore, StoredFile } from '../store';
import { withChunks } from './materialize';
import type { DataVersion } from './record';

/** Files whose rows are counted and compared: a CSV/TSV's first line is its header, not a row. */
export type TableKind = 'csv' | 'tsv' | 'jsonl';

export function tableKind(path: string): TableKind | undefined {
  const ext = /\.(csv|tsv|jsonl|ndjson)$/i.exec(path)?.[1]?.toLowerCase();
  if (!ext) return undefined;
  return ext === 'ndjson' ? 'jsonl' : (ext as TableKind);
}

/** Rows of a modified table, compared as multisets: a changed row is one removed and one added. */
export interface RowChange {
  rowsAdded: number;
  rowsRemoved: number;
  /** The header line (CSV/TSV) differs. */
  headerChanged: boolean;
}

export interface RowDiffLimits {
  /** Bytes compared at most: both sides of the differing regions, widened to whole rows. */
  maxBytes: number;
  /** Rows on either side at most (8 bytes of memory each). */
  maxRows: number;
}

/**
 * Beyond these a file's rows are counted instead, and the diff says so: 256 MiB read and hashed
 * (about a second), at most 2 × 4M row hashes (64 MiB) in memory.
 */
export const ROW_DIFF_LIMITS: RowDiffLimits = { maxBytes: 256 << 20, maxRows: 4 << 20 };

export interface RowDiffInput {
  kind: TableKind;
  /** The previous version's chunk list. */
  before: ChunkRef[];
  /** The new version's chunk list: the content of `file`. */
  after: ChunkRef[];
  /** The new version's file on this machine. */
  file: string;
  /** A chunk of the previous version, verified (from the store). */
  readChunk(chunk: ChunkRef): Promise<Buffer>;
  limits?: Partial<RowDiffLimits>;
}

/**
 * Exact row changes of the tables modified since `previous`, by path, read from `store` and the
 * files just stored. A table whose differing part is past `limits`, or whose previous chunks
 * cannot be read (a warning says why), is left out: its rows are counted instead.
 */
export async function compareTables(
  store: ContentStore,
  previous: DataVersion,
  current: { stored: StoredFile; absolutePath: string }[],
  warn: (line: string) => void,
  limits?: Partial<RowDiffLimits>,
): Promise<Map<string, RowChange>> {
  const changes = new Map<string, RowChange>();
  const before = new Map(previous.files.map((f) => [f.path, f]));
  const tables = current.filter(({ stored }) => {
    const was = before.get(stored.path);
    return was !== undefined && was.sha256 !== stored.sha256 && tableKind(stored.path) !== undefined;
  });
  if (tables.length === 0) return changes;
  const what = `${previous.name} v${previous.number}`;
  let lists: Map<string, StoredFile>;
  try {
    const entries = withChunks(previous.files, await store.getBlob(previous.chunks), what);
    lists = new Map(entries.map((e) => [e.path, e]));
  } catch (error) {
    warn(
      `rows counted, not compared: the chunk lists of ${what} cannot be read (${(error as Error).message})`,
    );
    return changes;
  }
  for (const { stored, absolutePath } of tables) {
    try {
      const change = await diffRows({
        kind: tableKind(stored.path) as TableKind,
        before: lists.get(stored.path)?.chunks ?? [],
        after: stored.chunks,
        file: absolutePath,
        readChunk: (chunk) => store.readChunk(chunk),
        limits,
      });
      if (change) changes.set(stored.path, change);
    } catch (error) {
      warn(`${stored.path}: rows counted, not compared (${(error as Error).message})`);
    }
  }
  return changes;
}

/**
 * Rows added and removed between two versions of a table, exactly, reading only what differs.
 * The chunks both versions share (content-defined, so an edit leaves the chunks around it
 * alone) are aligned by digest; each differing stretch is widened to whole rows with bytes of
 * its shared neighbours, which the new file holds; the previous version's side of it is read
 * from the store chunk by chunk, the new side from the file. The rows of both sides are compared
 * as multisets of 64-bit hashes (sorted, then merged), so reordered rows are no change.
 * Undefined when the differing regions exceed `limits`.
 */
export async function diffRows(input: RowDiffInput): Promise<RowChange | undefined> {
  const limits = { ...ROW_DIFF_LIMITS, ...input.limits };
  const gaps = differingStretches(input.before, input.after);
  const handle = await open(input.file, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size !== input.after.reduce((sum, c) => sum + c.size, 0)) {
      throw new Error(`${input.file} changed since it was hashed`);
    }
    const regions = await widenToRows(handle, size, gaps, limits.maxBytes);
    if (!regions) return undefined;
    const header = input.kind === 'csv' || input.kind === 'tsv';
    const oldRows = new RowHashes(limits.maxRows);
    const newRows = new RowHashes(limits.maxRows);
    let headerChanged = false;
    for (const region of regions) {
      // A region starting at 0 starts at 0 in both versions: its first line is the header.
      const skipHeader = header && region.start === 0;
      const newLines = new LineHasher(newRows, skipHeader);
      for await (const piece of readRange(handle, region.start, region.end)) newLines.update(piece);
      newLines.end();
      const oldLines = new LineHasher(oldRows, skipHeader);
      for (const part of region.old) {
        if ('chunk' in part) oldLines.update(await input.readChunk(part.chunk));
        else for await (const piece of readRange(handle, part.start, part.end)) oldLines.update(piece);
      }
      oldLines.end();
      if (newRows.full || oldRows.full) return undefined;
      if (skipHeader) headerChanged = newLines.header !== oldLines.header;
    }
    const common = commonCount(oldRows.sorted(), newRows.sorted());
    return { rowsAdded: newRows.count - common, rowsRemoved: oldRows.count - common, headerChanged };
  } finally {
    await handle.close();
  }
}

/** Chunks of one version and not the other, between two shared ones, with byte offsets. */
interface Gap {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
  oldChunks: ChunkRef[];
}

/**
 * Pairs of equal chunks (old index, new index), increasing in both: chunks unique to both lists
 * anchor the alignment (the longest increasing run of them, as patience diff does), and equal
 * neighbours of each anchor join it. Any such pairing gives the right rows; a better one reads less.
 */
export function matchChunks(before: ChunkRef[], after: ChunkRef[]): [number, number][] {
  const seen = new Map<string, { old: number; new: number; at: number }>();
  before.forEach((c, i) => {
    const s = seen.get(c.digest) ?? { old: 0, new: 0, at: i };
    s.old++;
    seen.set(c.digest, s);
  });
  const anchors: [number, number][] = [];
  for (const c of after) {
    const s = seen.get(c.digest);
    if (s) s.new++;
  }
  after.forEach((c, j) => {
    const s = seen.get(c.digest);
    if (s && s.old === 1 && s.new === 1) anchors.push([s.at, j]);
  });
  anchors.sort((a, b) => a[0] - b[0]);
  const same = (i: number, j: number) => before[i]?.digest === after[j]?.digest;
  const pairs: [number, number][] = [];
  let [pi, pj] = [-1, -1];
  for (const [ai, aj] of [...longestIncreasing(anchors), [before.length, after.length] as const]) {
    while (pi + 1 < ai && pj + 1 < aj && same(pi + 1, pj + 1)) pairs.push([++pi, ++pj]);
    const back: [number, number][] = [];
    for (let i = ai - 1, j = aj - 1; i > pi && j > pj && same(i, j); i--, j--) back.push([i, j]);
    pairs.push(...back.reverse());
    if (ai < before.length) pairs.push([ai, aj]);
    [pi, pj] = [ai, aj];
  }
  return pairs;
}

/** The longest run of pairs increasing in their second element (the first already is). */
function longestIncreasing(pairs: [number, number][]): [number, number][] {
  const tails: number[] = [];
  const previous: number[] = new Array(pairs.length).fill(-1);
  pairs.forEach(([, j], k) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((pairs[tails[mid] as number] as [number, number])[1] < j) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[k] = tails[lo - 1] as number;
    tails[lo] = k;
  });
  const run: [number, number][] = [];
  for (let k = tails.at(-1) ?? -1; k !== -1; k = previous[k] as number)
    run.push(pairs[k] as [number, number]);
  return run.reverse();
}

function differingStretches(before: ChunkRef[], after: ChunkRef[]): Gap[] {
  const offsets = (chunks: ChunkRef[]) => {
    const at = [0];
    for (const c of chunks) at.push((at.at(-1) as number) + c.size);
    return at;
  };
  const oldAt = offsets(before);
  const newAt = offsets(after);
  const gaps: Gap[] = [];
  let [pi, pj] = [-1, -1];
  const pairs: [number, number][] = [...matchChunks(before, after), [before.length, after.length]];
  for (const [i, j] of pairs) {
    if (i > pi + 1 || j > pj + 1) {
      gaps.push({
        oldStart: oldAt[pi + 1] as number,
        oldEnd: oldAt[i] as number,
        newStart: newAt[pj + 1] as number,
        newEnd: newAt[j] as number,
        oldChunks: before.slice(pi + 1, i),
      });
    }
    [pi, pj] = [i, j];
  }
  return gaps;
}

/** A stretch of whole rows: `start`–`end` of the new file, and the same rows' old bytes. */
interface Region {
  start: number;
  end: number;
  /** The old side in order: chunks from the store, and shared bytes (new-file offsets). */
  old: ({ chunk: ChunkRef } | { start: number; end: number })[];
}

/**
 * Each gap widened back to the start of its first row and on to the end of its last, with the
 * shared bytes around it (equal in both versions, so both sides widen alike). A shared stretch
 * with no line end joins the gaps on either side into one region. Undefined past `maxBytes`.
 */
async function widenToRows(
  handle: FileHandle,
  size: number,
  gaps: Gap[],
  maxBytes: number,
): Promise<Region[] | undefined> {
  const regions: Region[] = [];
  let budget = maxBytes;
  let floor = 0;
  for (let g = 0; g < gaps.length; ) {
    let last = gaps[g++] as Gap;
    const before = await lastNewline(handle, floor, last.newStart, budget);
    if (before === OVER) return undefined;
    // No line end before the gap since the previous region (or the file's start): start there.
    const start = before === -1 ? floor : before + 1;
    const old: Region['old'] = [];
    const shared = (from: number, to: number) => {
      if (from < to) old.push({ start: from, end: to });
    };
    shared(start, last.newStart);
    old.push(...last.oldChunks.map((chunk) => ({ chunk })));
    let end: number;
    for (;;) {
      const next = gaps[g];
      const newline = await firstNewline(handle, last.newEnd, next ? next.newStart : size, budget);
      if (newline === OVER) return undefined;
      if (newline !== -1) {
        end = newline + 1;
        break;
      }
      if (!next) {
        end = size;
        break;
      }
      // No row ends between this gap and the next: they share a row, so one region.
      shared(last.newEnd, next.newStart);
      old.push(...next.oldChunks.map((chunk) => ({ chunk })));
      last = next;
      g++;
    }
    shared(last.newEnd, end);
    const oldBytes = old.reduce((sum, p) => sum + ('chunk' in p ? p.chunk.size : p.end - p.start), 0);
    budget -= end - start + oldBytes;
    if (budget < 0) return undefined;
    regions.push({ start, end, old });
    floor = end;
  }
  return regions;
}

const BLOCK = 1 << 20;

async function* readRange(handle: FileHandle, start: number, end: number): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(1, end - start)));
  for (let at = start; at < end; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - at), at);
    if (bytesRead === 0) throw new Error(`${end - at} bytes short: the file changed while it was read`);
    yield buffer.subarray(0, bytesRead);
    at += bytesRead;
  }
}

/** A scan for a line end would read more than the budget allows. */
const OVER = -2;

/** Offset of the first `\n` in `from`–`to`, -1 if none, OVER past `budget` bytes. */
async function firstNewline(handle: FileHandle, from: number, to: number, budget: number): Promise<number> {
  let at = from;
  for await (const piece of readRange(handle, from, Math.min(to, from + budget))) {
    const i = piece.indexOf(0x0a);
    if (i !== -1) return at + i;
    at += piece.length;
  }
  return at < to ? OVER : -1;
}

/** Offset of the last `\n` in `from`–`to`, -1 if none, OVER past `budget` bytes. Reads backwards. */
async function lastNewline(handle: FileHandle, from: number, to: number, budget: number): Promise<number> {
  const buffer = Buffer.allocUnsafe(Math.min(64 << 10, Math.max(1, to - from)));
  let end = to;
  while (end > from) {
    if (to - end >= budget) return OVER;
    const start = Math.max(from, end - buffer.length);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    const i = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (i !== -1) return start + i;
    end = start;
  }
  return -1;
}

/** 64-bit hashes of rows, two 32-bit words each, up to `max` rows (then `full`). */
class RowHashes {
  count = 0;
  full = false;
  private words = new Uint32Array(2048);

  constructor(private readonly max: number) {}

  push(lo: number, hi: number): void {
    if (this.count >= this.max) {
      this.full = true;
      return;
    }
    if (2 * this.count === this.words.length) {
      const grown = new Uint32Array(Math.min(2 * this.words.length, 2 * this.max));
      grown.set(this.words);
      this.words = grown;
    }
    this.words[2 * this.count] = lo;
    this.words[2 * this.count + 1] = hi;
    this.count++;
  }

  /** The hashes in ascending order, as word pairs (sorted natively as 64-bit integers). */
  sorted(): Uint32Array {
    new BigUint64Array(this.words.buffer, 0, this.count).sort();
    return this.words.subarray(0, 2 * this.count);
  }
}

// Which word of a pair is the high half of the 64-bit integer the sort saw.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** How many hashes two sorted multisets share. */
function commonCount(a: Uint32Array, b: Uint32Array): number {
  let common = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a[i + HI] as number;
    const y = b[j + HI] as number;
    const order = x !== y ? x - y : (a[i + LO] as number) - (b[j + LO] as number);
    if (order === 0) {
      common++;
      i += 2;
      j += 2;
    } else if (order < 0) i += 2;
    else j += 2;
  }
  return common;
}

/**
 * Splits a byte stream into lines and hashes each into `rows`: a line is a row whatever ends it
 * (`\n`, `\r\n`, or the end of the file), so line endings and a missing last newline do not
 * count as a change. Two 32-bit lanes (FNV-1a and a rotate-multiply), each a bijection per byte,
 * so lines of one length that differ in one byte never collide, finished with murmur3's mixer.
 */
class LineHasher {
  /** The first line's hash, when it is a header and not a row. */
  header: string | undefined;
  private h1 = FNV_OFFSET;
  private h2 = LANE2_SEED;
  private length = 0;
  private open = false;
  private cr = false;

  constructor(
    private readonly rows: RowHashes,
    private skipFirst: boolean,
  ) {}

  update(data: Uint8Array): void {
    let { h1, h2, length, open, cr } = this;
    for (let i = 0; i < data.length; i++) {
      const b = data[i] as number;
      if (b === 0x0a) {
        this.line(h1, h2, length);
        h1 = FNV_OFFSET;
        h2 = LANE2_SEED;
        length = 0;
        open = false;
        cr = false;
        continue;
      }
      open = true;
      if (cr) {
        // A `\r` not followed by `\n` belongs to the row.
        h1 = Math.imul(h1 ^ 0x0d, 0x01000193);
        h2 = Math.imul(((h2 << 5) | (h2 >>> 27)) ^ 0x0d, 0x9e3779b1);
        length++;
        cr = false;
      }
      if (b === 0x0d) {
        cr = true;
        continue;
      }
      h1 = Math.imul(h1 ^ b, 0x01000193);
      h2 = Math.imul(((h2 << 5) | (h2 >>> 27)) ^ b, 0x9e3779b1);
      length++;
    }
    Object.assign(this, { h1, h2, length, open, cr });
  }

  end(): void {
    if (this.open) this.line(this.h1, this.h2, this.length);
    this.open = false;
  }

  private line(h1: number, h2: number, length: number): void {
    const lo = fmix32(h1 ^ length);
    const hi = fmix32(h2 ^ Math.imul(length, 0x85ebca6b));
    if (this.skipFirst) {
      this.skipFirst = false;
      this.header = `${lo}:${hi}`;
    } else this.rows.push(lo, hi);
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const LANE2_SEED = 0x2545f491;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
