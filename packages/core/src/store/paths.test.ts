import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import { InputError } from '../errors';
import { confinePath, datasetPath, resolveInside } from './paths';

describe('dataset paths stay inside the dataset root', () => {
  const root = '/data/set';

  it('joins plain relative paths', () => {
    expect(confinePath(root, 'train/part-0.csv')).toBe('/data/set/train/part-0.csv');
    expect(confinePath(root, '.hidden/x..y')).toBe('/data/set/.hidden/x..y');
  });

  it.each([
    ['../etc/passwd', /leaves the dataset root/],
    ['a/../../b', /leaves the dataset root/],
    ['/etc/passwd', /is absolute/],
    ['C:/Windows', /is absolute/],
    ['a\\..\\b', /backslash/],
    ['a//b', /not a normalized/],
    ['./a', /not a normalized/],
    ['', /is empty/],
    ['a\0b', /NUL/],
  ])('refuses %j with an InputError naming it', (path, why) => {
    let error: unknown;
    try {
      confinePath(root, path, 'path');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).toContain(JSON.stringify(path));
  });

  it('refuses symlinks that resolve outside the root, for reads and for writes', async () => {
    const dir = tempDir();
    const dataset = join(dir, 'dataset');
    const outside = join(dir, 'outside');
    mkdirSync(join(dataset, 'inner'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    writeFileSync(join(dataset, 'inner', 'ok.csv'), 'a\n');
    symlinkSync(join(outside, 'secret.txt'), join(dataset, 'leak.txt'));
    symlinkSync(outside, join(dataset, 'escape'));
    symlinkSync(join(dataset, 'inner', 'ok.csv'), join(dataset, 'alias.csv'));
    symlinkSync(join(dir, 'nowhere'), join(dataset, 'dangling'));

    // Reads.
    await expect(resolveInside(dataset, 'leak.txt')).rejects.toThrow(/"leak.txt" resolves outside/);
    await expect(resolveInside(dataset, 'escape/secret.txt')).rejects.toThrow(InputError);
    await expect(resolveInside(dataset, 'dangling')).rejects.toThrow(/symlink to nothing/);
    expect(await resolveInside(dataset, 'alias.csv')).toBe(join(dataset, 'alias.csv'));
    // Writes: the file does not exist yet; the directory it would land in is what counts.
    await expect(resolveInside(dataset, 'escape/new.csv')).rejects.toThrow(
      /"escape\/new.csv" resolves outside/,
    );
    await expect(resolveInside(dataset, 'escape/deeper/new.csv')).rejects.toThrow(InputError);
    expect(await resolveInside(dataset, 'new/dir/file.csv')).toBe(join(dataset, 'new/dir/file.csv'));
    await expect(resolveInside(dataset, '../outside/secret.txt')).rejects.toThrow(InputError);
  });

  it('turns files found under the root into manifest paths', () => {
    expect(datasetPath('/data/set', '/data/set/a/b.csv')).toBe('a/b.csv');
    expect(() => datasetPath('/data/set', '/data/other.csv')).toThrow(InputError);
    expect(() => datasetPath('/data/set', '/data/set')).toThrow(InputError);
  });
});
