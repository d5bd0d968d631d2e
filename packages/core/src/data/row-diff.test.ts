import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import {
  type ChunkingOptions,
  type ChunkRef,
  ContentStore,
  LocalDirectoryBackend,
  WorkerPool,
} from '../store';
import { csvRows } from '../store/test-data';
import { diffRows, matchChunks, type RowDiffLimits, type TableKind } from './row-diff';

// Chunks of 64–512 bytes: a few rows each, so edits leave most chunks shared and regions span several.
const SMALL: ChunkingOptions = { min: 64, avg: 128, max: 512 };
const pool = new WorkerPool();

afterAll(() => pool.close());

/**
 * Stores `before`, writes `after` over it (as a re-version does) and compares their rows, reading
 * the previous version from the store only. Returns the change and the stored bytes it read.
 */
async function compare(
  kind: TableKind,
  before: string | Buffer,
  after: string | Buffer,
  options: {
    chunking?: ChunkingOptions;
    limits?: Partial<RowDiffLimits>;
    /** Does something to the store's directory once the previous version is in it. */
    tamper?: (store: string) => void;
  } = {},
) {
  const dir = tempDir();
  const store = new ContentStore({
    backend: new LocalDirectoryBackend(join(dir, 'store')),
    cacheDir: join(dir, 'cache'),
    chunking: options.chunking ?? SMALL,
    pool,
  });
  const file = join(dir, `table.${kind}`);
  writeFileSync(file, before);
  const [old] = (await store.addFiles([{ path: 'table', absolutePath: file }])).files;
  options.tamper?.(join(dir, 'store'));
  writeFileSync(file, after);
  // Chunked by the same code as the store, but never uploaded: only the old side is stored.
  const fresh = new ContentStore({
    backend: new LocalDirectoryBackend(join(dir, 'unused')),
    cacheDir: join(dir, 'cache-new'),
    chunking: options.chunking ?? SMALL,
    pool,
  });
  const [current] = (await fresh.addFiles([{ path: 'table', absolutePath: file }])).files;
  let bytesRead = 0;
  const change = await diffRows({
    kind,
    before: old?.chunks ?? [],
    after: current?.chunks ?? [],
    file,
    readChunk: async (chunk: ChunkRef) => {
      bytesRead += chunk.size;
      return store.readChunk(chunk);
    },
    limits: options.limits,
  });
  return { change, bytesRead, oldChunks: old?.chunks.length ?? 0 };
}

/** The reference: every line of both files, header dropped, compared as multisets. */
function naive(kind: TableKind, before: string, after: string) {
  const rows = (text: string) => {
    const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
    if (text.endsWith('\n') || text === '') lines.pop();
    return kind === 'jsonl' ? lines : lines.slice(1);
  };
  const counts = new Map<string, number>();
  for (const row of rows(before)) counts.set(row, (counts.get(row) ?? 0) + 1);
  let rowsAdded = 0;
  for (const row of rows(after)) {
    const left = counts.get(row) ?? 0;
    if (left > 0) counts.set(row, left - 1);
    else rowsAdded++;
  }
  const rowsRemoved = [...counts.values()].reduce((sum, n) => sum + n, 0);
  return { rowsAdded, rowsRemoved };
}

const header = 'id,label,score,text\n';
const table = (from: number, count: number) => header + csvRows(from, count);
const lines = (from: number, count: number) => csvRows(from, count).split(/(?<=\n)/);

describe('exact row diff of a table between two versions', () => {
  it('counts appended rows, reading only the last chunk of the previous version', async () => {
    const { change, bytesRead } = await compare('csv', table(0, 5000), table(0, 5050));
    expect(change).toEqual({ rowsAdded: 50, rowsRemoved: 0, headerChanged: false });
    expect(bytesRead).toBeGreaterThan(0);
    expect(bytesRead).toBeLessThanOrEqual(SMALL.max);
  });

  it('counts rows deleted in the middle', async () => {
    const rows = lines(0, 3000);
    rows.splice(1200, 40);
    const { change, bytesRead } = await compare('csv', table(0, 3000), header + rows.join(''));
    expect(change).toEqual({ rowsAdded: 0, rowsRemoved: 40, headerChanged: false });
    expect(bytesRead).toBeLessThan(10 * SMALL.max);
  });

  it('counts one changed row as one removed and one added', async () => {
    const rows = lines(0, 3000);
    rows[1500] = '1500,cat,0.5,edited\n';
    const { change } = await compare('csv', table(0, 3000), header + rows.join(''));
    expect(change).toEqual({ rowsAdded: 1, rowsRemoved: 1, headerChanged: false });
  });

  it('sees no change in reordered rows', async () => {
    const rows = lines(0, 2000);
    const reordered = [...rows.slice(1000), ...rows.slice(0, 1000).reverse()];
    const { change } = await compare('csv', table(0, 2000), header + reordered.join(''));
    expect(change).toEqual({ rowsAdded: 0, rowsRemoved: 0, headerChanged: false });
  });

  it('does not count a changed header as a row', async () => {
    const { change } = await compare('csv', table(0, 2000), `id,kind,score,note\n${csvRows(0, 2000)}`);
    expect(change).toEqual({ rowsAdded: 0, rowsRemoved: 0, headerChanged: true });
  });

  it('reads CRLF rows as rows, and a change of line endings alone as no change', async () => {
    const crlf = (text: string) => text.replaceAll('\n', '\r\n');
    const rows = lines(0, 2000);
    rows[700] = '700,cat,0.1,edited\n';
    const edited = await compare('csv', crlf(table(0, 2000)), crlf(header + rows.join('')));
    expect(edited.change).toEqual({ rowsAdded: 1, rowsRemoved: 1, headerChanged: false });
    const endings = await compare('csv', table(0, 2000), crlf(table(0, 2000)));
    expect(endings.change).toEqual({ rowsAdded: 0, rowsRemoved: 0, headerChanged: false });
  });

  it('reads a last row without a newline as a row, before and after an append', async () => {
    const before = table(0, 1000).slice(0, -1);
    const { change } = await compare('csv', before, `${before}\n${csvRows(1000, 3)}`);
    expect(change).toEqual({ rowsAdded: 3, rowsRemoved: 0, headerChanged: false });
    const jsonl = await compare('jsonl', '{"a":1}\n{"a":2}', '{"a":1}\n{"a":3}');
    expect(jsonl.change).toEqual({ rowsAdded: 1, rowsRemoved: 1, headerChanged: false });
  });

  it('compares edits whose regions span several chunks, reading a small part of the old file', async () => {
    const rows = lines(0, 20_000);
    rows.splice(15_000, 300, ...lines(50_000, 100)); // a block of 300 rows replaced by 100 others
    rows.splice(2000, 0, ...lines(60_000, 200)); // 200 rows inserted far from it
    rows[9000] = '9000,cat,0.9,edited\n';
    const { change, bytesRead, oldChunks } = await compare('csv', table(0, 20_000), header + rows.join(''));
    expect(change).toEqual({ rowsAdded: 301, rowsRemoved: 301, headerChanged: false });
    // ~50 KiB of 1.2 MiB: the three edited stretches and a chunk or two around each.
    expect(oldChunks).toBeGreaterThan(1000);
    expect(bytesRead).toBeLessThan(100 * 1024);
  });

  it('compares a row longer than a chunk, edited at both ends, whole', async () => {
    const pad = csvRows(10_000, 60).replaceAll('\n', ' ');
    const long = (a: string, b: string) => `{"a":"${a}","pad":"${pad}","b":"${b}"}\n`;
    const before = csvRows(0, 500) + long('x', 'y') + csvRows(500, 500);
    // The old row again at the end: only a row hashed with all its middle bytes matches it.
    const after = csvRows(0, 500) + long('X', 'Y') + csvRows(500, 500) + long('x', 'y');
    const { change } = await compare('jsonl', before, after);
    expect(change).toEqual({ rowsAdded: 1, rowsRemoved: 0, headerChanged: false });
  });

  it('reads the previous version verified: a tampered store is an error, not a wrong count', async () => {
    const tamper = (store: string) => {
      for (const name of readdirSync(store).filter((n) => n.endsWith('.pack'))) {
        const bytes = readFileSync(join(store, name), 'latin1');
        writeFileSync(join(store, name), bytes.replace('\n1000,', '\n1000;'), 'latin1');
      }
    };
    const rows = lines(0, 2000);
    rows[1000] = '1000,cat,0.5,edited\n';
    await expect(compare('csv', table(0, 2000), header + rows.join(''), { tamper })).rejects.toThrow(
      /^chunk [0-9a-f]{64} read from pack-[0-9a-f]{64}\.pack in local directory .* is corrupt/,
    );
  });

  it('gives up past its limits, so that the caller counts rows instead', async () => {
    const reordered = [...lines(0, 2000)].reverse();
    const bytes = await compare('csv', table(0, 2000), header + reordered.join(''), {
      limits: { maxBytes: 64 << 10 },
    });
    expect(bytes.change).toBeUndefined();
    const rows = await compare('jsonl', csvRows(0, 2000), csvRows(0, 3000), { limits: { maxRows: 500 } });
    expect(rows.change).toBeUndefined();
  });

  it('agrees with a naive multiset diff of whole files on random edits', async () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 30 }),
      insert: fc.array(fc.constantFrom('1,cat,0.5,x', '2,dog,0.1,y', '', '9,cat,1,"a\r"', 'w'.repeat(1500)), {
        maxLength: 30,
      }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(edit, { maxLength: 4 }),
        fc.constantFrom<TableKind>('csv', 'jsonl'),
        fc.boolean(),
        async (edits, kind, newline) => {
          const rows = lines(0, 600);
          for (const { at, remove, insert } of edits) {
            rows.splice(at % (rows.length + 1), remove, ...insert.map((r) => `${r}\n`));
          }
          const before = table(0, 600);
          let after = (kind === 'csv' ? header : '') + rows.join('');
          if (!newline) after = after.replace(/\n$/, '');
          const { change } = await compare(kind, before, after);
          const expected = naive(kind, before, after);
          expect(change).toMatchObject(expected);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});

describe('chunk alignment', () => {
  const refs = (digests: string) => [...digests].map((digest) => ({ digest, size: 1 }));

  it('pairs shared chunks in order, around edits, moves and repeats', () => {
    expect(matchChunks(refs('abcdef'), refs('abXdef'))).toEqual([
      [0, 0],
      [1, 1],
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    expect(matchChunks(refs('abcdef'), refs('defabc'))).toEqual([
      [3, 0],
      [4, 1],
      [5, 2],
    ]);
    expect(matchChunks(refs('aab'), refs('aaab'))).toEqual([
      [0, 0],
      [1, 1],
      [2, 3],
    ]);
    expect(matchChunks([], refs('ab'))).toEqual([]);
  });
});
