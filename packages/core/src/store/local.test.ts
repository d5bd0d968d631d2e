import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import { MissingObject } from './backend';
import { LocalDirectoryBackend } from './local';

describe('local directory backend', () => {
  it('puts, lists, reads whole and in ranges, and deletes', async () => {
    const dir = tempDir();
    const backend = new LocalDirectoryBackend(join(dir, 'store'));
    expect(await backend.list()).toEqual([]);
    const source = join(dir, 'source');
    writeFileSync(source, '0123456789');
    await backend.put('blob-a.json', source, 10);
    await backend.put('blob-a.json', source, 10); // content-addressed: a second put is a no-op
    expect(await backend.list()).toEqual([{ name: 'blob-a.json', size: 10 }]);
    expect(await text(await backend.get('blob-a.json'))).toBe('0123456789');
    expect(await text(await backend.get('blob-a.json', { start: 2, end: 4 }))).toBe('234');
    expect(await text(await backend.get('blob-a.json', { start: 8, end: 20 }))).toBe('89');
    await backend.delete('blob-a.json');
    await expect(backend.get('blob-a.json')).rejects.toThrow(MissingObject);
    expect(readdirSync(join(dir, 'store'))).toEqual([]);
  });

  it('refuses names that are not object names and objects over the size limit', async () => {
    const dir = tempDir();
    const backend = new LocalDirectoryBackend(dir, { maxObjectSize: 4 });
    const source = join(dir, 'source');
    writeFileSync(source, '12345');
    await expect(backend.put('../escape', source, 5)).rejects.toThrow(/not an object name/);
    await expect(backend.put('big.bin', source, 5)).rejects.toThrow(/over the 4-byte limit/);
    await expect(backend.put('liar.bin', source, 3)).rejects.toThrow(/5 bytes, not the 3/);
    await expect(backend.get('Upper')).rejects.toThrow(/not an object name/);
    expect(readdirSync(dir)).toEqual(['source']);
  });
});
