import { groupBySize } from './group';
import type { PackItem } from './hash-worker';

/**
 * Chunks travel in packs: `pack-<sha256>.pack` is chunks concatenated, `pack-<sha256>.idx` (same
 * digest: the pack's bytes) lists where each chunk is. So a version of 100k small files costs a
 * few objects and API calls, not 100k, and a reader fetches one chunk with a byte range.
 * The pack is uploaded before its index: an index never names a pack that is not there.
 */
export interface PackIndex {
  schemaVersion: 1;
  /** The pack's object name. */
  pack: string;
  size: number;
  /** Sorted by digest. */
  chunks: PackEntry[];
}

export interface PackEntry {
  digest: string;
  offset: number;
  length: number;
}

export const DEFAULT_PACK_SIZE = 256 << 20;

const PACK = /^pack-([0-9a-f]{64})\.pack$/;
const INDEX = /^pack-([0-9a-f]{64})\.idx$/;
const DIGEST = /^[0-9a-f]{64}$/;

export const packName = (sha256: string) => `pack-${sha256}.pack`;
export const indexName = (sha256: string) => `pack-${sha256}.idx`;
export const packDigestOf = (name: string) => PACK.exec(name)?.[1];
export const indexDigestOf = (name: string) => INDEX.exec(name)?.[1];

/**
 * The bytes one index entry may take (64-hex digest, two offsets below 2^53, keys, punctuation),
 * so that no index exceeds the backend's object size either.
 */
const INDEX_ENTRY_BYTES = 140;
const INDEX_HEADER_BYTES = 256;

/**
 * Groups chunks (in the order given, so that a file's chunks sit together and read back with
 * few ranges) into packs of about `target` bytes, none over `limit` bytes and none whose index
 * would be.
 */
export function planPacks(items: PackItem[], target: number, limit: number): PackItem[][] {
  const maxEntries = Math.max(1, Math.floor((limit - INDEX_HEADER_BYTES) / INDEX_ENTRY_BYTES));
  for (const item of items) {
    if (item.size > limit) throw new Error(`a ${item.size}-byte chunk cannot fit a ${limit}-byte object`);
  }
  return groupBySize(items, Math.min(target, limit), maxEntries);
}

/** The index of a pack written from `items` in order. */
export function packIndex(sha256: string, items: PackItem[]): PackIndex {
  let offset = 0;
  const chunks = items.map((item) => {
    const entry = { digest: item.digest, offset, length: item.size };
    offset += item.size;
    return entry;
  });
  chunks.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  return { schemaVersion: 1, pack: packName(sha256), size: offset, chunks };
}

/**
 * An index read back from a store, checked for shape and against the pack's listed size. A bad
 * index is an error rather than skipped: skipping would make the store look as if it lacked
 * chunks it has, and a later upload would not repair what a reader needs.
 */
export function parsePackIndex(text: string, name: string, packSize: number | undefined): PackIndex {
  const fail = (why: string) => new Error(`${name} is not a valid pack index: ${why}`);
  let index: PackIndex;
  try {
    index = JSON.parse(text) as PackIndex;
  } catch {
    throw fail('not JSON');
  }
  const digest = indexDigestOf(name);
  if (index?.schemaVersion !== 1 || !Array.isArray(index.chunks)) throw fail('unknown format');
  if (index.pack !== packName(digest ?? '')) throw fail(`names ${index.pack}`);
  if (packSize !== undefined && index.size !== packSize) {
    throw fail(`says ${index.size} bytes, pack has ${packSize}`);
  }
  for (const c of index.chunks) {
    const ok =
      typeof c?.digest === 'string' &&
      DIGEST.test(c.digest) &&
      Number.isSafeInteger(c.offset) &&
      Number.isSafeInteger(c.length) &&
      c.offset >= 0 &&
      c.length > 0 &&
      c.offset + c.length <= index.size;
    if (!ok) throw fail(`bad entry ${JSON.stringify(c)}`);
  }
  return index;
}
