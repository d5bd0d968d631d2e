import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import { ContentStore, LocalDirectoryBackend } from '../store';
import { noise } from '../store/test-data';
import { type MaterializeProgress, materialize } from './materialize';

describe('materialize', () => {
  it('reports bytes inside a large file as its chunks land, ending at the total', async () => {
    const root = tempDir();
    const source = join(root, 'big.bin');
    const bytes = noise(3 << 20, 42);
    writeFileSync(source, bytes);
    const store = new ContentStore({
      backend: new LocalDirectoryBackend(join(root, 'store')),
      cacheDir: join(root, 'cache'),
      chunking: { min: 16 << 10, avg: 64 << 10, max: 256 << 10 },
    });
    try {
      const added = await store.addFiles([{ path: 'big.bin', absolutePath: source }]);
      const seen: MaterializeProgress[] = [];
      const out = join(root, 'out');
      const result = await materialize(store, added.files, out, (p) => seen.push(p));
      expect(readFileSync(join(out, 'big.bin')).equals(bytes)).toBe(true);
      expect(result.written).toBe(1);
      const inside = seen.filter((p) => p.files === 0 && p.bytes > 0 && p.bytes < bytes.length);
      expect(inside.length).toBeGreaterThan(1);
      expect(seen.map((p) => p.bytes)).toEqual([...seen.map((p) => p.bytes)].sort((a, b) => a - b));
      expect(seen.at(-1)).toMatchObject({
        files: 1,
        totalFiles: 1,
        bytes: bytes.length,
        totalBytes: bytes.length,
      });
    } finally {
      await store.close();
    }
  });
});
