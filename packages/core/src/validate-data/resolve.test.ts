import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import { canonicalJson } from '../audit';
import { type DataProfiles, DataVersion, manifestDigest } from '../data';
import { InputError } from '../errors';
import type { MetaView } from '../meta';
import { profileFile } from '../profile';
import type { ModelState } from '../registry';
import { ContentStore, LocalDirectoryBackend } from '../store';
import { resolveSide, type Sources } from './resolve';

/**
 * mcp-meta as records at their paths, a local content store, and a registry where `rain` v1.0.0
 * holds production: what version-data, train and register-model leave behind.
 */
async function world() {
  const dir = tempDir('mcp-resolve-');
  const store = new ContentStore({
    backend: new LocalDirectoryBackend(join(dir, 'store')),
    cacheDir: join(dir, 'cache'),
  });
  const files = new Map<string, string>();
  const add = async (number: number, csv: string, withProfiles: boolean) => {
    const path = join(dir, `v${number}.csv`);
    writeFileSync(path, csv);
    const { files: stored } = await store.addFiles([{ path: 'weather.csv', absolutePath: path }]);
    const entry = stored[0] as (typeof stored)[number];
    const manifest = [{ path: entry.path, size: entry.size, mode: entry.mode, sha256: entry.sha256 }];
    const profiles: DataProfiles = {
      schemaVersion: 1,
      files: [{ path: 'weather.csv', sha256: entry.sha256, profile: await profileFile(path) }],
    };
    const record = DataVersion.parse({
      schemaVersion: 1,
      name: 'weather',
      number,
      digest: manifestDigest(manifest),
      root: 'data',
      files: manifest,
      bytes: entry.size,
      chunks: await store.putBlob(
        canonicalJson({
          schemaVersion: 1,
          files: [{ path: entry.path, sha256: entry.sha256, chunks: entry.chunks }],
        }),
      ),
      profiles: withProfiles ? await store.putBlob(canonicalJson(profiles)) : undefined,
      store: 'local:store',
      createdAt: '2026-11-29T08:00:00.000Z',
      actor: null,
      commit: null,
      runUrl: null,
    });
    files.set(`data/weather/v${number}.json`, JSON.stringify(record));
    return record;
  };
  const v1 = await add(1, 'temp,sky\n1,sun\n2,rain\n', true);
  await add(2, 'temp,sky\n3,sun\n4,sun\n5,fog\n', false);
  files.set(
    'models/rain/v1.0.0.json',
    JSON.stringify({
      schemaVersion: 1,
      name: 'rain',
      semver: '1.0.0',
      tag: 'rain@v1.0.0',
      commit: 'a'.repeat(40),
      files: [],
      digest: 'b'.repeat(64),
      runId: null,
      data: [{ name: 'weather', number: 1, digest: v1.digest }],
      metrics: {},
      description: null,
      labels: [],
      createdAt: '2026-11-29T08:00:00.000Z',
      actor: null,
      runUrl: null,
    }),
  );
  const view = {
    read: async (path: string) => files.get(path),
    list: async (prefix: string) =>
      [...files.keys()].filter((p) => p.startsWith(`${prefix}/`)).map((p) => p.slice(prefix.length + 1)),
  } as unknown as MetaView;
  const registry = new Map([
    ['rain', { name: 'rain', stages: { production: { stage: 'production', version: 'v1.0.0' } } }],
  ]) as unknown as Map<string, ModelState>;
  const lines: string[] = [];
  const sources: Sources = {
    workspace: dir,
    store: () => store,
    meta: async () => view,
    registry: async () => registry,
    info: (line) => lines.push(line),
  };
  return { sources, lines, dir };
}

describe('what reference and current name', () => {
  it('name@production is the data version the production model was trained on', async () => {
    const { sources, lines } = await world();
    const side = await resolveSide('weather@production', 'reference', sources);
    expect(side.version).toMatchObject({ name: 'weather', number: 1, path: 'weather.csv' });
    expect(side.label).toBe('weather v1 (weather.csv)');
    expect(side.profile.rows).toBe(2);
    expect(lines).toEqual(['reference: weather@production is v1, which rain@v1.0.0 was trained on']);
    await expect(resolveSide('weather@staging', 'reference', sources)).rejects.toThrow(
      new InputError(
        'reference: no model holds stage "staging", so weather@staging names no data version',
        'reference',
      ),
    );
  });

  it('a version recorded before profiles is read back from the store and profiled', async () => {
    const { sources, lines } = await world();
    const side = await resolveSide('weather@latest', 'current', sources);
    expect(side.version?.number).toBe(2);
    expect(side.profile.rows).toBe(3);
    expect(side.profile.columns.find((c) => c.name === 'sky')?.top.values[0]).toMatchObject({
      value: 'sun',
      count: 2,
    });
    expect(lines).toEqual([
      'current: weather v2 was recorded without profiles; reading weather.csv from the store to profile it',
    ]);
  });

  it('a file in the workspace is profiled now; anything else is one clear line', async () => {
    const { sources, dir } = await world();
    writeFileSync(join(dir, 'today.jsonl'), '{"temp":7}\n{"temp":8}\n');
    expect((await resolveSide('today.jsonl', 'current', sources)).profile.rows).toBe(2);
    await expect(resolveSide('yesterday.csv', 'current', sources)).rejects.toThrow(
      'current: "yesterday.csv" is neither a file in the workspace nor a data version (name@N, name@latest, name@production)',
    );
    await expect(resolveSide('weather@1:other.csv', 'current', sources)).rejects.toThrow(
      'current: weather v1 has no tabular file other.csv (it has weather.csv)',
    );
  });
});
