import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repoWithRemote } from '../../../../test/helpers/git';
import { type Action, runAction } from '../action';
import { LocalPlatform } from '../platform';
import { ContentStore, LocalDirectoryBackend, type StoredFile } from '../store';
import { type DataProfiles, DataVersion, profileFiles, readDataProfiles, versionDataAction } from '.';

const seattle = resolve(
  import.meta.dirname,
  '../../../../node_modules/vega-datasets/data/seattle-weather.csv',
);

async function version(work: string, inputs: Record<string, string>) {
  const lines: string[] = [];
  const platform = await LocalPlatform.create({ env: {}, cwd: work, inputs, log: (l) => lines.push(l) });
  const code = await runAction(versionDataAction as unknown as Action, platform);
  return { code, outputs: platform.outputs(), log: lines };
}

function record(origin: string, name: string, number: number): DataVersion {
  return DataVersion.parse(JSON.parse(git(origin, 'show', `mcp-meta:data/${name}/v${number}.json`)));
}

const store = (work: string) =>
  new ContentStore({
    backend: new LocalDirectoryBackend(join(work, '.mcp/store')),
    cacheDir: join(work, '.mcp/cache'),
  });

describe('version-data stores a profile of each tabular file with the version', () => {
  it('profiles CSV and JSON Lines into one blob the record names; a ragged file is recorded with its reason', async () => {
    const { origin, work } = repoWithRemote({
      'data/weather.csv': readFileSync(seattle, 'utf8'),
      'data/events.jsonl': '{"kind":"rain","mm":2.5}\n{"kind":"sun","mm":null}\n',
      'data/ragged.csv': 'a,b\n1,2\n3\n',
      'data/notes.txt': 'not a table\n',
    });
    const first = await version(work, { path: 'data', name: 'weather' });
    expect(first.code).toBe(0);
    expect(first.log.join('\n')).toContain(
      'ragged.csv line 3: has 1 fields, expected 2 as in the header (no profile recorded for it)',
    );
    const v1 = record(origin, 'weather', 1);
    expect(v1.profiles).toMatch(/^[0-9a-f]{64}$/);
    // The record stays small: the samples live in the store, not on mcp-meta.
    expect(git(origin, 'show', 'mcp-meta:data/weather/v1.json').length).toBeLessThan(4000);
    const profiles = (await readDataProfiles(store(work), v1)) as DataProfiles;
    expect(profiles.files.map((f) => f.path)).toEqual(['events.jsonl', 'ragged.csv', 'weather.csv']);
    const weather = profiles.files[2]?.profile;
    expect(weather?.rows).toBe(1461);
    expect(weather?.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'date:datetime',
      'precipitation:number',
      'temp_max:number',
      'temp_min:number',
      'wind:number',
      'weather:string',
    ]);
    expect(profiles.files[1]).toMatchObject({ path: 'ragged.csv', error: expect.stringMatching(/line 3/) });
    expect(profiles.files[0]?.profile?.columns.find((c) => c.name === 'mm')?.missing).toBe(1);
    // Rows in the manifest come from the profile where there is one.
    expect(v1.files.find((f) => f.path === 'weather.csv')?.rows).toBe(1461);
  }, 30_000);

  it('reuses the profiles of unchanged files: only the edited file is read again', async () => {
    const { origin, work } = repoWithRemote({
      'data/a.csv': 'x,y\n1,a\n2,b\n',
      'data/b.csv': 'x,y\n5,c\n',
    });
    expect((await version(work, { path: 'data', name: 'pair' })).code).toBe(0);
    writeFileSync(join(work, 'data/b.csv'), 'x,y\n5,c\n6,d\n');
    const second = await version(work, { path: 'data', name: 'pair' });
    expect(second.log.filter((l) => l.includes('profiled'))).toEqual([
      expect.stringMatching(/^b\.csv: profiled 2 rows × 2 columns/),
    ]);
    const v1 = (await readDataProfiles(store(work), record(origin, 'pair', 1))) as DataProfiles;
    const v2 = (await readDataProfiles(store(work), record(origin, 'pair', 2))) as DataProfiles;
    expect(v2.files[0]).toEqual(v1.files[0]);
    expect(v2.files[1]?.profile?.rows).toBe(2);
  }, 30_000);

  it('a previous profile is reused without opening the file at all', async () => {
    const previous: DataProfiles = {
      schemaVersion: 1,
      files: [{ path: 'old-name.csv', sha256: 'a'.repeat(64), error: 'old-name.csv line 9: ragged' }],
    };
    const stored: StoredFile[] = [
      { path: 'new-name.csv', size: 1, mode: 0o644, sha256: 'a'.repeat(64), chunks: [] },
    ];
    const log = { info: () => {}, warning: () => {} };
    // The path does not exist: reading it would fail.
    const result = await profileFiles(stored, ['/nonexistent/new-name.csv'], previous, log);
    expect(result.files).toEqual([
      { path: 'new-name.csv', sha256: 'a'.repeat(64), error: 'old-name.csv line 9: ragged' },
    ]);
  });

  it('a record written before profiles existed still reads', () => {
    const old = {
      schemaVersion: 1,
      name: 'old',
      number: 1,
      digest: 'b'.repeat(64),
      root: 'data',
      files: [{ path: 'a.csv', size: 4, mode: 420, sha256: 'c'.repeat(64), rows: 1 }],
      bytes: 4,
      chunks: 'd'.repeat(64),
      store: 'local:.mcp/store',
      createdAt: '2026-01-01T00:00:00.000Z',
      actor: null,
      commit: null,
      runUrl: null,
    };
    const parsed = DataVersion.parse(old);
    expect(parsed.profiles).toBeUndefined();
  });
});
