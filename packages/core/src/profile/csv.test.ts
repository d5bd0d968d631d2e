import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { profileFile } from '.';

// The CSV reader is hand-written for speed in place of PapaParse, and must read every file as
// PapaParse did, or stored profiles would change: PapaParse is the oracle here.

const scratch = mkdtempSync(join(tmpdir(), 'mcp-profile-csv-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cell = fc.constantFrom(
  '1',
  '-2.5',
  '',
  ' ',
  'NA',
  'x y',
  'true',
  '2024-01-01',
  'a"b',
  '"q"',
  '"a,b"',
  '"a\tb"',
  '"two\nlines"',
  '"two\r\nlines"',
  '"cr\ronly"',
  '"say ""hi"""',
  '""',
  '"spaced"  ',
  '"1.5"',
  'é',
);
const files = fc
  .record({
    delimiter: fc.constantFrom(',', '\t'),
    newline: fc.constantFrom('\n', '\r\n', '\r'),
    width: fc.integer({ min: 1, max: 4 }),
    rows: fc.array(fc.array(cell, { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 30 }),
    end: fc.boolean(),
  })
  .map(({ delimiter, newline, width, rows, end }) => {
    const header = ['a', 'b', 'c', 'd'].slice(0, width).join(delimiter);
    const body = rows.map((row) => row.slice(0, width).join(delimiter));
    return { delimiter, text: [header, ...body].join(newline) + (end ? newline : '') };
  });

async function profileText(text: string, delimiter: string): Promise<string> {
  const path = join(scratch, delimiter === ',' ? 'file.csv' : 'file.tsv');
  writeFileSync(path, text);
  return JSON.stringify(await profileFile(path));
}

describe('the CSV reader reads a file as PapaParse does', () => {
  it('the same records, whatever the quoting, line endings and delimiter', async () => {
    await fc.assert(
      fc.asyncProperty(files, async ({ text, delimiter }) => {
        const parsed = Papa.parse<string[]>(text, { delimiter });
        const records = parsed.data.filter((row) => !(row.length === 1 && row[0] === ''));
        fc.pre(parsed.errors.length === 0 && records.every((row) => row.length === records[0]?.length));
        // The records PapaParse found, written plainly: every field quoted, lines ending in \n.
        const plain = records
          .map((row) => row.map((field) => `"${field.replaceAll('"', '""')}"`).join(delimiter))
          .join('\n');
        expect(await profileText(text, delimiter)).toBe(await profileText(plain, delimiter));
      }),
      { seed: 20260711, numRuns: 150 },
    );
  });
});
