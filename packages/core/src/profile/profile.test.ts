import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { type ColumnProfile, DataProfile, DEFAULT_SKETCH_OPTIONS, detectFormat, profileFile } from '.';
import { readParquet } from './parquet';
import { TableProfiler } from './table';

const root = resolve(import.meta.dirname, '../../../..');
const vega = join(root, 'node_modules', 'vega-datasets', 'data');
const fixtures = join(root, 'test', 'fixtures', 'profile');
const seattle = join(vega, 'seattle-weather.csv');
const scratch = mkdtempSync(join(tmpdir(), 'mcp-profile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function column(profile: DataProfile, name: string): ColumnProfile {
  const found = profile.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

/** The Seattle weather table read the plain way, as the oracle the profile must agree with. */
const records: Record<string, string>[] = parse(readFileSync(seattle), { columns: true });

describe('a profile of real data: seattle-weather.csv from vega-datasets', async () => {
  const profile = await profileFile(seattle);

  it('has the rows, the columns in file order and their types', () => {
    expect(profile.rows).toBe(1461);
    expect(profile.columns.map((c) => [c.name, c.type])).toEqual([
      ['date', 'datetime'],
      ['precipitation', 'number'],
      ['temp_max', 'number'],
      ['temp_min', 'number'],
      ['wind', 'number'],
      ['weather', 'string'],
    ]);
    expect(profile.columns.every((c) => c.missing === 0 && c.missingShare === 0)).toBe(true);
    expect(DataProfile.parse(profile)).toEqual(profile);
  });

  it('matches exact statistics computed from the parsed file', () => {
    for (const name of ['precipitation', 'temp_max', 'temp_min', 'wind']) {
      const values = records.map((r) => Number(r[name]));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
      const numeric = column(profile, name).numeric;
      expect(numeric?.count).toBe(1461);
      expect(numeric?.min).toBe(Math.min(...values));
      expect(numeric?.max).toBe(Math.max(...values));
      expect(Math.abs((numeric?.mean ?? 0) - mean)).toBeLessThan(1e-12 * Math.abs(mean));
      expect(Math.abs((numeric?.std ?? 0) - std)).toBeLessThan(1e-12 * std);
      expect(column(profile, name).distinct).toEqual({ count: new Set(values).size, exact: true });
      // 1461 values fit the sample whole: it is the column, in some order.
      expect([...(column(profile, name).sample.values as number[])].sort((a, b) => a - b)).toEqual(
        [...values].sort((a, b) => a - b),
      );
    }
  });

  it('counts the weather kinds exactly, most frequent first', () => {
    expect(column(profile, 'weather').top.values.map((v) => [v.value, v.count])).toEqual([
      ['rain', 641],
      ['sun', 640],
      ['fog', 101],
      ['drizzle', 53],
      ['snow', 26],
    ]);
    expect(column(profile, 'weather').top.values[0]?.share).toBe(641 / 1461);
  });

  it('reads dates as UTC days: 2012-01-01 to 2015-12-31, every day once', () => {
    const date = column(profile, 'date');
    expect(date.numeric?.min).toBe(Date.UTC(2012, 0, 1));
    expect(date.numeric?.max).toBe(Date.UTC(2015, 11, 31));
    expect(date.distinct.count).toBe(1461);
    expect(date.top.values[0]).toEqual({ value: '2012-01-01T00:00:00.000Z', count: 1, share: 1 / 1461 });
  });

  it('is deterministic: the same file gives the same JSON, byte for byte', async () => {
    const again = await profileFile(seattle);
    expect(JSON.stringify(again)).toBe(JSON.stringify(profile));
  });

  it('reads the same from gzip, from CRLF with a BOM, and from JSON Lines', async () => {
    const text = readFileSync(seattle, 'utf8');
    const gz = join(scratch, 'seattle.csv.gz');
    writeFileSync(gz, gzipSync(text));
    const crlf = join(scratch, 'seattle-crlf.csv');
    writeFileSync(crlf, `\ufeff${text.replaceAll('\n', '\r\n')}`);
    const jsonl = join(scratch, 'seattle.jsonl');
    writeFileSync(jsonl, records.map((r) => JSON.stringify(asJson(r))).join('\n'));
    const same = JSON.stringify(profile.columns);
    expect(JSON.stringify((await profileFile(gz)).columns)).toBe(same);
    expect(JSON.stringify((await profileFile(crlf)).columns)).toBe(same);
    const fromJson = await profileFile(jsonl);
    expect(fromJson.format).toBe('jsonl');
    // JSON numbers lose the CSV's trailing ".0", which only shows in the top values' text.
    for (const c of fromJson.columns) {
      const csv = column(profile, c.name);
      expect({ ...c, top: undefined }).toEqual({ ...csv, top: undefined });
      expect(c.top.values.map((v) => v.count)).toEqual(csv.top.values.map((v) => v.count));
    }
  });
});

function asJson(record: Record<string, string>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(record)) {
    out[key] = key === 'date' || key === 'weather' ? value : Number(value);
  }
  return out;
}

describe('TSV: unemployment.tsv from vega-datasets', () => {
  it('reads tab-separated integers and decimals written without a leading zero', async () => {
    const profile = await profileFile(join(vega, 'unemployment.tsv'));
    expect(profile.format).toBe('tsv');
    expect(profile.rows).toBe(3218);
    expect(profile.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'integer'],
      ['rate', 'number'],
    ]);
    expect(column(profile, 'id').distinct).toEqual({ count: 3218, exact: true });
    expect(column(profile, 'rate').numeric?.min).toBeGreaterThanOrEqual(0);
  });
});

describe('Parquet: flights-3m.parquet (3 million rows) from vega-datasets', () => {
  const flights = join(vega, 'flights-3m.parquet');

  it('profiles the first rows, across a row group boundary: types from the schema, sketches past their bounds', async () => {
    // The file has 3 000 000 rows in row groups of 272 727: the first, and the start of the second.
    expect((await parquetMetadataAsync(await asyncBufferFromFile(flights))).num_rows).toBe(3_000_000n);
    const table = new TableProfiler(DEFAULT_SKETCH_OPTIONS);
    await readParquet(flights, `file: ${flights}`, 'file', table, { maxRows: 300_000 });
    const profile = table.finish('parquet');
    expect(profile.format).toBe('parquet');
    expect(profile.rows).toBe(300_000);
    expect(profile.columns.map((c) => [c.name, c.type, c.missing])).toEqual([
      ['date', 'datetime', 0],
      ['delay', 'integer', 0],
      ['distance', 'integer', 0],
      ['origin', 'string', 0],
      ['destination', 'string', 0],
    ]);
    const date = column(profile, 'date');
    expect(new Date(date.numeric?.min ?? 0).toISOString().slice(0, 7)).toBe('2001-01');
    expect(date.distinct.exact).toBe(false); // over 10 000 distinct timestamps: a HyperLogLog estimate
    const origin = column(profile, 'origin');
    expect(origin.distinct.exact).toBe(true);
    expect(origin.top.values.length).toBe(20);
    expect(origin.top.values.reduce((a, v) => a + v.share, 0)).toBeLessThan(1);
    expect(origin.sample.values.length).toBe(10_000);
    expect(column(profile, 'distance').numeric?.count).toBe(300_000);
    expect(DataProfile.safeParse(profile).success).toBe(true);
  });

  it('refuses a file that is not Parquet', async () => {
    await expect(profileFile(join(fixtures, 'not-parquet.parquet'), { input: 'path' })).rejects.toThrow(
      /path: .*not-parquet\.parquet is not a Parquet file/,
    );
  });
});

describe('CSV edge cases', () => {
  it('RFC 4180 quoting: commas, doubled quotes and line breaks inside quotes; NA and blanks missing', async () => {
    const profile = await profileFile(join(fixtures, 'quoted.csv'));
    expect(profile.rows).toBe(5);
    const comment = column(profile, 'comment');
    expect(comment.missing).toBe(1);
    expect(comment.top.values.map((v) => v.value).sort()).toEqual([
      'plain',
      'two\nlines',
      'with "quotes"',
      'with, comma',
    ]);
    const amount = column(profile, 'amount');
    expect([amount.type, amount.missing, amount.numeric?.min, amount.numeric?.max]).toEqual([
      'number',
      2,
      -300,
      20.5,
    ]);
  });

  it('a ragged row is an error naming the file and its line', async () => {
    const error = await profileFile(join(fixtures, 'ragged.csv'), { input: 'path' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(
      /^path: .*ragged\.csv line 4: has 2 fields, expected 3 as in the header$/,
    );
  });

  it('counts lines inside quoted fields when it names a line', async () => {
    const path = join(scratch, 'late-ragged.csv');
    writeFileSync(path, 'a,b\n1,"x\ny\nz"\n2,3\n4\n');
    await expect(profileFile(path)).rejects.toThrow(/late-ragged\.csv line 6: has 1 fields, expected 2/);
  });

  it('an unclosed quote is an error with its line', async () => {
    await expect(profileFile(join(fixtures, 'unclosed-quote.csv'))).rejects.toThrow(
      /unclosed-quote\.csv line 3: /,
    );
  });

  it('reads a character whole when the file is read in two chunks across it', async () => {
    const path = join(scratch, 'split-character.csv');
    // A file is read 64 KiB at a time: the two bytes of this é are bytes 65535 and 65536.
    const before = `words\n${'x\n'.repeat(32_763)}caf`;
    expect(Buffer.byteLength(before)).toBe(65_535);
    writeFileSync(path, `${before}é\n${'café\n'.repeat(9)}`);
    const words = column(await profileFile(path), 'words');
    expect(words.top.values.map((v) => [v.value, v.count])).toEqual([
      ['x', 32_763],
      ['café', 10],
    ]);
  });

  it('names columns as pandas does: blanks are Unnamed, repeats get a suffix', async () => {
    const path = join(scratch, 'headers.csv');
    writeFileSync(path, ',a,a,b\n0,1,2,3\n');
    expect((await profileFile(path)).columns.map((c) => c.name)).toEqual(['Unnamed: 0', 'a', 'a.1', 'b']);
  });

  it('a header and no rows: columns, 0 rows, nothing missing', async () => {
    const path = join(scratch, 'header-only.csv');
    writeFileSync(path, 'x,y\n');
    const profile = await profileFile(path);
    expect(profile.rows).toBe(0);
    expect(profile.columns.map((c) => [c.name, c.type, c.missingShare])).toEqual([
      ['x', 'string', 0],
      ['y', 'string', 0],
    ]);
  });

  it('an empty file, a missing file, a directory and an unknown extension are input errors', async () => {
    const empty = join(scratch, 'empty.csv');
    writeFileSync(empty, '');
    await expect(profileFile(empty)).rejects.toThrow(/empty\.csv is empty \(expected a header row\)/);
    await expect(profileFile(join(scratch, 'nope.csv'))).rejects.toThrow(/nope\.csv does not exist/);
    await expect(profileFile(scratch, { format: 'csv' })).rejects.toThrow(/is a directory/);
    await expect(profileFile(join(scratch, 'data.xlsx'))).rejects.toThrow(/unknown format/);
  });

  it('a corrupt gzip file is an input error, CSV or JSON Lines', async () => {
    const good = gzipSync('a,b\n1,2\n'.repeat(1000));
    const corrupt = Buffer.concat([good.subarray(0, 40), Buffer.from('not gzip at all'), good.subarray(60)]);
    for (const name of ['corrupt.csv.gz', 'corrupt.jsonl.gz']) {
      writeFileSync(join(scratch, name), corrupt);
      await expect(profileFile(join(scratch, name)), name).rejects.toThrow(/is not valid gzip/);
    }
  });

  it('past 10 000 distinct values: estimated distinct count, bounded top counts', async () => {
    const path = join(scratch, 'many.csv');
    const lines = ['key,group'];
    for (let i = 0; i < 60_000; i++) lines.push(`k${i % 25_000},${i % 7 === 0 ? 'hot' : `g${i % 3000}`}`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const profile = await profileFile(path);
    const key = column(profile, 'key');
    expect(key.distinct.exact).toBe(false);
    expect(Math.abs(key.distinct.count - 25_000) / 25_000).toBeLessThan(0.033);
    const group = column(profile, 'group');
    expect(group.distinct).toEqual({ count: 3001, exact: true });
    expect(group.top.values[0]).toEqual({ value: 'hot', count: 8572, share: 8572 / 60_000 });
  });
});

describe('JSON Lines', () => {
  it('columns in order of first appearance; absent keys and nulls are missing', async () => {
    const profile = await profileFile(join(fixtures, 'mixed.jsonl'));
    expect(profile.rows).toBe(3);
    expect(profile.columns.map((c) => [c.name, c.type, c.missing])).toEqual([
      ['id', 'integer', 0],
      ['when', 'datetime', 1],
      ['tags', 'string', 2],
      ['ok', 'boolean', 0],
      ['v', 'number', 1],
      ['extra', 'string', 2],
    ]);
    expect(column(profile, 'tags').top.values[0]?.value).toBe('["a"]');
    expect(column(profile, 'ok').sample.values).toEqual([true, false, true]);
  });

  it('a line that is not JSON, or not an object, is an error with its line number', async () => {
    await expect(profileFile(join(fixtures, 'bad-line.jsonl'), { input: 'reference' })).rejects.toThrow(
      /^reference: .*bad-line\.jsonl line 4: not valid JSON/,
    );
    await expect(profileFile(join(fixtures, 'not-object.jsonl'))).rejects.toThrow(
      /not-object\.jsonl line 2: expected a JSON object, got an array/,
    );
  });
});

describe('formats and options', () => {
  it('detects the format from the extension', () => {
    expect(
      ['a.csv', 'b.TSV', 'c.tab.gz', 'd.ndjson', 'e.jsonl.gz', 'f.parquet', 'g.txt'].map(detectFormat),
    ).toEqual(['csv', 'tsv', 'tsv', 'jsonl', 'jsonl', 'parquet', undefined]);
  });

  it('the seed and sample size are recorded and change only the random parts', async () => {
    const small = await profileFile(seattle, { seed: 7, sampleSize: 100 });
    expect(small.sketch).toMatchObject({ seed: 7, sampleSize: 100 });
    expect(column(small, 'wind').sample.values.length).toBe(100);
    const other = await profileFile(seattle, { seed: 8, sampleSize: 100 });
    expect(column(other, 'wind').sample.values).not.toEqual(column(small, 'wind').sample.values);
    expect(column(other, 'wind').numeric?.mean).toBe(column(small, 'wind').numeric?.mean);
    await expect(profileFile(seattle, { sampleSize: 0 })).rejects.toThrow(
      /sampleSize must be a positive integer/,
    );
  });
});
