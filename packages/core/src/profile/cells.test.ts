import { describe, expect, it } from 'vitest';
import { classifyText, MISSING_TEXT, parseDatetime } from './cells';

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
