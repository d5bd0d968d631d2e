import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Cell, classifyText, MISSING_TEXT, parseDatetime } from './cells';

function kindOf(text: string): string {
  return classifyText(text).kind;
}

describe('a text cell is read as pandas would read it', () => {
  it('integers, decimals and exponents; surrounding spaces ignored', () => {
    expect(['0', '-12', '+7', ' 42 ', '007'].map(kindOf)).toEqual(Array(5).fill('integer'));
    expect(['1.5', '-.5', '3.', '1e5', '-2.5E-3', ' 0.0'].map(kindOf)).toEqual(Array(6).fill('number'));
    const cell = classifyText('-2.5E-3');
    expect(cell.kind === 'number' && cell.value).toBe(-0.0025);
  });

  it("pandas' NA strings and blanks are missing; other words are strings", () => {
    for (const text of MISSING_TEXT) expect(kindOf(text)).toBe('missing');
    expect(kindOf('   ')).toBe('missing');
    expect(['n.a.', 'missing', '1.2.3', '12abc', '--1', 'e5'].map(kindOf)).toEqual(Array(6).fill('string'));
  });

  it('booleans in any case; infinities as numbers', () => {
    expect(['true', 'False', 'TRUE'].map(kindOf)).toEqual(['boolean', 'boolean', 'boolean']);
    const inf = classifyText('-inf');
    expect(inf.kind === 'number' && inf.value).toBe(Number.NEGATIVE_INFINITY);
    expect(kindOf('Infinity')).toBe('number');
  });

  it('ISO 8601 datetimes, in UTC unless an offset says otherwise', () => {
    expect(parseDatetime('2012-01-01')).toBe(Date.UTC(2012, 0, 1));
    expect(parseDatetime('2024-02-29T23:59:59.5Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 500));
    expect(parseDatetime('2024-03-01 12:00')).toBe(Date.UTC(2024, 2, 1, 12));
    expect(parseDatetime('2024-03-01T12:00:00+02:00')).toBe(Date.UTC(2024, 2, 1, 10));
    expect(parseDatetime('2024-03-01T12:00:00-0530')).toBe(Date.UTC(2024, 2, 1, 17, 30));
    expect(parseDatetime('0050-06-15')).toBe(new Date('0050-06-15T00:00:00Z').getTime());
    expect(parseDatetime('1969-12-31T23:59:59.999Z')).toBe(-1);
  });

  it('refuses impossible dates and times', () => {
    for (const text of [
      '2023-02-29',
      '2024-13-01',
      '2024-04-31',
      '2024-01-01T24:00',
      '2024-1-1',
      '2024-01-01T',
    ]) {
      expect(parseDatetime(text), text).toBeUndefined();
    }
    expect(kindOf('2023-02-29')).toBe('string');
    expect(kindOf('2023-02-28')).toBe('datetime');
  });
});

// The classifier reads cells by character codes for speed; these are its definition, as it was
// first written with regular expressions, which it must agree with on every text.
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITE = /^[+-]?(?:inf|infinity)$/i;
const BOOLEAN = /^(?:true|false)$/i;
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function classifiedByRegex(text: string): Cell {
  if (MISSING_TEXT.has(text) || text.trim() === '') return { kind: 'missing' };
  const trimmed = text.trim();
  if (INTEGER.test(trimmed)) return { kind: 'integer', value: Number(trimmed) };
  if (DECIMAL.test(trimmed)) return { kind: 'number', value: Number(trimmed) };
  const datetime = datetimeByRegex(trimmed);
  if (datetime !== undefined) return { kind: 'datetime', value: datetime };
  if (INFINITE.test(trimmed))
    return { kind: 'number', value: trimmed.startsWith('-') ? -Infinity : Infinity };
  if (BOOLEAN.test(trimmed)) return { kind: 'boolean', value: trimmed.toLowerCase() === 'true' };
  return { kind: 'string' };
}

function datetimeByRegex(text: string): number | undefined {
  const match = DATETIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[];
  const date = new Date(0);
  date.setUTCFullYear(year as number, (month as number) - 1, day);
  if (date.getUTCMonth() !== (month as number) - 1 || (hour as number) > 23) return undefined;
  if ((minute as number) > 59 || (second as number) > 59) return undefined;
  const sign = offset?.startsWith('-') ? -1 : 1;
  const digits = offset && offset !== 'Z' ? offset.replace(':', '') : '+0000';
  const offsetMinutes = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  return (
    date.getTime() +
    (((hour as number) * 60 + (minute as number)) * 60 + (second as number)) * 1000 +
    ms -
    offsetMinutes * 60_000
  );
}

const pieces = [
  ...'0123456789',
  ...'+-.eE ',
  '\t',
  '\u00a0',
  'inf',
  'Infinity',
  'true',
  'FALSE',
  'NA',
  'n/a',
  'x',
  '-',
  'T',
  ':',
  'Z',
  '2024-02-29',
  '12:34',
  '000000000000000000',
  '9007199254740993',
];
const texts = fc.oneof(
  fc.array(fc.constantFrom(...pieces), { maxLength: 8 }).map((parts) => parts.join('')),
  fc.double().map(String),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map((x) => x.toFixed(3)),
  fc.string(),
);

describe('the character-code classifier is the regular expressions', () => {
  it('agrees with them on every kind of text', () => {
    fc.assert(
      fc.property(texts, (text) => {
        expect({ ...classifyText(text) }, JSON.stringify(text)).toEqual(classifiedByRegex(text));
      }),
      { seed: 20260711, numRuns: 5_000 },
    );
  });

  it('reads datetimes as they do', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const datetimes = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        fc.integer({ min: 0, max: 13 }).map((n) => String(n).padStart(2, '0')),
        fc.integer({ min: 0, max: 32 }).map((n) => String(n).padStart(2, '0')),
        fc.constantFrom('', 'T', ' ', 't'),
        two,
        fc.constantFrom('', ':'),
        two,
        fc.constantFrom('', ':00', ':5', ':59', ':60'),
        fc.constantFrom('', '.', '.5', '.123', '.1234567890', '.123456789'),
        fc.constantFrom('', 'Z', 'z', '+02:00', '-0530', '+2', '-00:00', '+99:99', '+05:3'),
      )
      .map(([y, mo, d, t, h, c, mi, s, f, o]) =>
        t === '' ? `${y}-${mo}-${d}` : `${y}-${mo}-${d}${t}${h}${c}${mi}${s}${f}${o}`,
      );
    fc.assert(
      fc.property(datetimes, (text) => {
        expect(parseDatetime(text), text).toBe(datetimeByRegex(text));
      }),
      { seed: 20260711, numRuns: 5_000 },
    );
  });
});
