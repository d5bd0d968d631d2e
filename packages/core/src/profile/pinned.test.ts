import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { profileFile } from '.';

// Profiles are stored with data versions and compared across runs and releases: a change in how
// the profiler reads or counts must show here, even one that every other test would let through.

const root = resolve(import.meta.dirname, '../../../..');
const seattle = join(root, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv');
const scratch = mkdtempSync(join(tmpdir(), 'mcp-profile-pinned-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('a profile is pinned byte for byte', () => {
  it('seattle-weather.csv gives exactly the stored profile', async () => {
    const profile = await profileFile(seattle);
    // The profile's JSON, indented only so that a change reads as a diff (.snap: kept out of the
    // formatter, which would reflow it).
    await expect(`${JSON.stringify(profile, null, 2)}\n`).toMatchFileSnapshot(
      '__snapshots__/seattle-weather.profile.snap',
    );
  });

  it('a generated file of every kind of cell, past every sketch bound, gives the same digest', async () => {
    const path = join(scratch, 'every-cell.csv');
    writeFileSync(path, everyKindOfCell(15_000));
    const profile = await profileFile(path);
    expect(profile.rows).toBe(15_000);
    expect(profile.columns.map((c) => [c.name, c.type, c.distinct.exact])).toEqual([
      ['id', 'integer', false],
      ['at', 'datetime', false],
      ['day', 'datetime', true],
      ['temp', 'number', true],
      ['ratio', 'number', false],
      ['code', 'string', false],
      ['weather', 'string', true],
      ['flag', 'boolean', true],
      ['note', 'string', true],
      ['mixed', 'string', true],
    ]);
    expect(sha256(JSON.stringify(profile))).toBe(
      '027c8a60534c551d21a013e5cd7526c01a4514dd6586d7f30528b94b9900db2b',
    );
  });
});

/**
 * A seeded CSV whose columns exceed the exact-distinct bound (numbers, datetimes and text), hold
 * missing values in pandas' spellings, infinities, padded numbers, quoted fields with commas,
 * doubled quotes and line breaks, non-ASCII text, and a column mixing every kind of cell.
 */
function everyKindOfCell(rows: number): string {
  let state = 2463534242;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const weather = ['sun', 'rain', 'fog', 'drizzle', 'snow', 'NA', '', 'café', '雪'];
  const notes = ['ok', '"dry, windy"', '"said ""hi"""', '"two\nlines"', '"crlf\r\ninside"', '', 'n/a', '😀'];
  const mixed = ['1', '1.0', ' 2 ', '+3', '.5', '-0', '1e3', 'x', 'TRUE', 'false', '2024-01-01', 'inf'];
  const lines = ['id,at,day,temp,ratio,code,weather,flag,note,mixed'];
  for (let i = 0; i < rows; i++) {
    const at = new Date(Date.UTC(2020, 0, 1) + Math.floor(random() * 4e10)).toISOString();
    const day = new Date(Date.UTC(2000, 0, 1) + (i % 3000) * 86_400_000).toISOString().slice(0, 10);
    const temp = random() < 0.02 ? pick(['', 'NaN', 'null', '-nan']) : (random() * 40 - 5).toFixed(2);
    const ratio = random() < 0.001 ? pick(['inf', '-Infinity']) : `${pick(['', ' ', '+'])}${random() * 1e3}`;
    const code = `u${Math.floor(random() * 100_000)}`;
    const flag = pick(['true', 'false', 'True', 'FALSE']);
    lines.push(
      `${i},${at},${day},${temp},${ratio},${code},${pick(weather)},${flag},${pick(notes)},${pick(mixed)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
