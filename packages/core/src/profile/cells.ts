/** The types a column can be inferred to have; `string` is what anything else falls back to. */
export const COLUMN_TYPES = ['integer', 'number', 'boolean', 'datetime', 'string'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/**
 * Text cells read as missing: pandas' default `na_values`, so a file profiles with the missing
 * share pandas would report.
 */
export const MISSING_TEXT: ReadonlySet<string> = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITE = /^[+-]?(?:inf|infinity)$/i;
const BOOLEAN = /^(?:true|false)$/i;
/** ISO 8601 dates and date-times; a time without an offset is read as UTC, never as local time. */
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export type Cell =
  | { kind: 'missing' }
  | { kind: 'integer' | 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'datetime'; value: number }
  | { kind: 'string' };

/** A value that is there: everything a column counts. */
export type PresentCell = Exclude<Cell, { kind: 'missing' }>;

const MISSING: Cell = { kind: 'missing' };
const STRING: PresentCell = { kind: 'string' };
const TRUE: PresentCell = { kind: 'boolean', value: true };
const FALSE: PresentCell = { kind: 'boolean', value: false };
// Reused for every text cell: classifyText runs once per cell of a file, and its result is
// consumed before the next call, so one object per kind spares the collector millions of them.
const INTEGER_CELL = { kind: 'integer' as const, value: 0 };
const NUMBER_CELL = { kind: 'number' as const, value: 0 };
const DATETIME_CELL = { kind: 'datetime' as const, value: 0 };

/**
 * What a CSV/TSV cell holds. Datetimes become milliseconds since the epoch (UTC). The result is
 * valid until the next call (numeric cells are reused objects): read it, don't keep it.
 */
export function classifyText(text: string): Cell {
  if (mayBeMissing(text) && MISSING_TEXT.has(text)) return MISSING;
  const trimmed = text.trim();
  if (trimmed === '') return MISSING;
  const first = trimmed.charCodeAt(0);
  const startsNumeric = (first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46;
  if (startsNumeric) {
    if (INTEGER.test(trimmed)) return numeric(INTEGER_CELL, Number(trimmed));
    if (DECIMAL.test(trimmed)) return numeric(NUMBER_CELL, Number(trimmed));
    const datetime = parseDatetime(trimmed);
    if (datetime !== undefined) return numeric(DATETIME_CELL, datetime);
  }
  if (INFINITE.test(trimmed)) return numeric(NUMBER_CELL, trimmed.startsWith('-') ? -Infinity : Infinity);
  if (BOOLEAN.test(trimmed)) return trimmed.toLowerCase() === 'true' ? TRUE : FALSE;
  return STRING;
}

function numeric<C extends { value: number }>(cell: C, value: number): C {
  cell.value = value;
  return cell;
}

/** A cheap screen before the set lookup, which must hash every cell: NA strings are short and start so. */
function mayBeMissing(text: string): boolean {
  if (text.length > 8) return false;
  const first = text.charCodeAt(0);
  // '' # - 1 < N n
  return (
    Number.isNaN(first) ||
    first === 35 ||
    first === 45 ||
    first === 49 ||
    first === 60 ||
    first === 78 ||
    first === 110
  );
}

/** A JSON string is text, or a datetime when it is written as one; it is never read as a number. */
export function classifyJsonString(text: string): PresentCell {
  const datetime = text.length >= 10 ? parseDatetime(text) : undefined;
  return datetime === undefined ? STRING : { kind: 'datetime', value: datetime };
}

// Files sorted by time repeat a date row after row: one remembered parse saves the rest.
let lastDatetimeText = '';
let lastDatetime: number | undefined;

/** Epoch milliseconds of an ISO 8601 date or date-time, or undefined when it is not a valid one. */
export function parseDatetime(text: string): number | undefined {
  if (text === lastDatetimeText) return lastDatetime;
  const value = parseDatetimeUncached(text);
  lastDatetimeText = text;
  lastDatetime = value;
  return value;
}

function parseDatetimeUncached(text: string): number | undefined {
  if (text.length === 10) return parsePlainDate(text);
  const match = DATETIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const milliseconds = Number(fraction.padEnd(3, '0').slice(0, 3));
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return seconds * 1000 + milliseconds - offsetMinutes(offset) * 60_000;
}

/** YYYY-MM-DD by character codes: the commonest datetime in data files, without a regex match. */
function parsePlainDate(text: string): number | undefined {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day) * 86_400_000;
}

/** The decimal number in text[from, to), or −1 when a character there is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function offsetMinutes(offset: string | undefined): number {
  if (offset === undefined || offset === 'Z') return 0;
  const digits = offset.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return offset.startsWith('-') ? -minutes : minutes;
}
