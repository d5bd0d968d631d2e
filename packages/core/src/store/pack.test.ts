import { describe, expect, it } from 'vitest';
import type { PackItem } from './hash-worker';
import { indexName, packIndex, packName, parsePackIndex, planPacks } from './pack';

const item = (n: number, size: number): PackItem => ({
  path: `/data/${n}`,
  offset: 0,
  size,
  digest: n.toString(16).padStart(64, '0'),
});

describe('packs', () => {
  it('fills packs up to the target in the given order, never over the object limit', () => {
    const items = [item(1, 40), item(2, 40), item(3, 40), item(4, 90), item(5, 10)];
    const packs = planPacks(items, 100, 1000);
    expect(packs.map((p) => p.map((i) => i.size))).toEqual([[40, 40], [40], [90, 10]]);
    expect(planPacks(items, 10_000, 100).every((p) => p.reduce((s, i) => s + i.size, 0) <= 100)).toBe(true);
    expect(() => planPacks([item(1, 101)], 100, 100)).toThrow(/cannot fit/);
  });

  it('caps the chunks per pack so that the index fits the object limit too', () => {
    const items = Array.from({ length: 1000 }, (_, n) => item(n, 1));
    const packs = planPacks(items, 1 << 20, 4096);
    for (const pack of packs) {
      const index = JSON.stringify(packIndex('a'.repeat(64), pack));
      expect(index.length).toBeLessThanOrEqual(4096);
    }
    expect(packs.flat()).toEqual(items);
  });

  it('indexes chunks by digest with their offsets in the pack, and reads the index back checked', () => {
    const sha = 'c'.repeat(64);
    const index = packIndex(sha, [item(9, 5), item(2, 7)]);
    expect(index).toEqual({
      schemaVersion: 1,
      pack: packName(sha),
      size: 12,
      chunks: [
        { digest: item(2, 0).digest, offset: 5, length: 7 },
        { digest: item(9, 0).digest, offset: 0, length: 5 },
      ],
    });
    const text = JSON.stringify(index);
    expect(parsePackIndex(text, indexName(sha), 12)).toEqual(index);
    expect(() => parsePackIndex(text, indexName(sha), 11)).toThrow(/says 12 bytes, pack has 11/);
    expect(() => parsePackIndex(text, indexName('d'.repeat(64)), 12)).toThrow(/names pack-c/);
    expect(() => parsePackIndex('{', indexName(sha), 12)).toThrow(/not JSON/);
    const beyond = { ...index, chunks: [{ digest: item(1, 0).digest, offset: 10, length: 7 }] };
    expect(() => parsePackIndex(JSON.stringify(beyond), indexName(sha), 12)).toThrow(/bad entry/);
  });
});
