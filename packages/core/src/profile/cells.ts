import { parseDatetime, parseDatetimeIn } from './datetime';

export { parseDatetime } from './datetime';

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
/**
 * A numeric cell, of a class of its own: V8 then keeps `value` as an unboxed double, where an
 * object shaped like the boolean cells would box every number stored in it.
 */
class NumericCell<K extends 'integer' | 'number' | 'datetime'> {
  constructor(
    readonly kind: K,
    public value: number,
  ) {}
}
// Reused for every text cell: classifyText runs once per cell of a file, and its result is
// consumed before the next call, so one object per kind spares the collector millions of them.
const INTEGER_CELL = new NumericCell('integer', 0);
const NUMBER_CELL = new NumericCell('number', 0);
const DATETIME_CELL = new NumericCell('datetime', 0);

/**
 * What a CSV/TSV cell holds. Datetimes become milliseconds since the epoch (UTC). The result is
 * valid until the next call (numeric cells are reused objects): read it, don't keep it.
 */
export function classifyText(text: string): Cell {
  return classifyRange(text, 0, text.length);
}

/**
 * classifyText(text.slice(start, end)), without the slice unless the cell turns out to be text:
 * a CSV reader classifies its cells where they lie in the decoded chunk.
 *
 * The grammar is that of the regular expressions `^[+-]?\d+$` (integer),
 * `^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$` (number), `^[+-]?(?:inf|infinity)$`i and
 * `^(?:true|false)$`i after trimming, then ISO 8601 datetimes; it is read by character codes since
 * this runs once per cell of a file, where a regex match per cell was a fifth of a profile's time.
 */
export function classifyRange(text: string, start: number, end: number): Cell {
  if (start === end) return MISSING;
  if (isTrimmed(text, start, end)) return classifyTrimmed(text, start, end, undefined);
  const raw = text.slice(start, end);
  const trimmed = raw.trim();
  return trimmed === '' ? MISSING : classifyTrimmed(trimmed, 0, trimmed.length, raw);
}

/** Whether trim() would leave text[start, end) as is: its ends are printable ASCII. */
function isTrimmed(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start);
  const last = text.charCodeAt(end - 1);
  return first > 32 && first < 127 && last > 32 && last < 127;
}

/** A non-empty trimmed cell; `raw` is the cell before trimming when it differs (for the NA check). */
function classifyTrimmed(text: string, start: number, end: number, raw: string | undefined): Cell {
  const first = text.charCodeAt(start);
  if ((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46) {
    // A date first when one may be there (a dash after four digits): no text reads as both.
    if (text.charCodeAt(start + 4) === 45) {
      const datetime = parseDatetimeIn(text, start, end);
      if (datetime !== undefined) return withValue(DATETIME_CELL, datetime);
    }
    const numeric = readNumber(text, start, end);
    if (numeric !== NOT_A_NUMBER) return numeric;
  }
  const word = readWord(text, start, end);
  if (word !== STRING) return word;
  // No NA spelling reads as anything else, so only text needs the set lookup (which hashes).
  const rawLength = raw === undefined ? end - start : raw.length;
  if (rawLength > 8 || !mayBeMissing(raw === undefined ? first : raw.charCodeAt(0))) return STRING;
  return MISSING_TEXT.has(raw ?? text.slice(start, end)) ? MISSING : STRING;
}

/** Whether an NA string may start with this character: # - 1 < N n. */
function mayBeMissing(first: number): boolean {
  return first === 35 || first === 45 || first === 49 || first === 60 || first === 78 || first === 110;
}

const NOT_A_NUMBER: Cell = { kind: 'string' };
/** 10^0 to 10^22: the powers of ten a double holds exactly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * The integer or number cell text[start, end) is, or NOT_A_NUMBER. The value is Number(text):
 * computed here when it has at most 15 digits and a power of ten within 10^±22 (Clinger's fast
 * path: an integer below 2^53 times or over an exact power of ten is rounded once, so correctly),
 * else by Number.
 */
function readNumber(text: string, start: number, end: number): Cell {
  let at = start;
  let code = text.charCodeAt(at);
  const negative = code === 45;
  if (negative || code === 43) code = text.charCodeAt(++at);
  let mantissa = 0;
  const integerStart = at;
  for (; at < end && code >= 48 && code <= 57; code = text.charCodeAt(++at))
    mantissa = mantissa * 10 + (code - 48);
  const integerDigits = at - integerStart;
  if (at === end) {
    if (integerDigits === 0) return NOT_A_NUMBER; // a sign alone
    if (integerDigits > 15) return withValue(INTEGER_CELL, Number(text.slice(start, end)));
    return withValue(INTEGER_CELL, negative ? -mantissa : mantissa);
  }
  let fractionDigits = 0;
  if (code === 46) {
    const fractionStart = at + 1;
    for (code = text.charCodeAt(++at); at < end && code >= 48 && code <= 57; code = text.charCodeAt(++at)) {
      mantissa = mantissa * 10 + (code - 48);
    }
    fractionDigits = at - fractionStart;
  }
  const digits = integerDigits + fractionDigits;
  if (digits === 0) return NOT_A_NUMBER; // ".", "+.", "-e5"
  let exponent = 0;
  if (at < end && (code === 101 || code === 69)) {
    code = text.charCodeAt(++at);
    const negativeExponent = code === 45;
    if (at < end && (negativeExponent || code === 43)) code = text.charCodeAt(++at);
    const exponentStart = at;
    for (; at < end && code >= 48 && code <= 57; code = text.charCodeAt(++at)) {
      if (exponent < 1e6) exponent = exponent * 10 + (code - 48); // past that, Number decides
    }
    if (at === exponentStart) return NOT_A_NUMBER;
    if (negativeExponent) exponent = -exponent;
  }
  if (at !== end) return NOT_A_NUMBER;
  const scale = exponent - fractionDigits;
  if (digits > 15 || scale > 22 || scale < -22) return withValue(NUMBER_CELL, Number(text.slice(start, end)));
  const value =
    scale < 0 ? mantissa / (POWERS_OF_TEN[-scale] as number) : mantissa * (POWERS_OF_TEN[scale] as number);
  return withValue(NUMBER_CELL, negative ? -value : value);
}

/** ±inf, ±infinity, true or false in any ASCII case; STRING for anything else. */
function readWord(text: string, start: number, end: number): Cell {
  const length = end - start;
  if (length === 4 && equalsLowercase(text, start, end, 'true')) return TRUE;
  if (length === 5 && equalsLowercase(text, start, end, 'false')) return FALSE;
  const first = text.charCodeAt(start);
  const from = first === 43 || first === 45 ? start + 1 : start;
  if (equalsLowercase(text, from, end, 'inf') || equalsLowercase(text, from, end, 'infinity')) {
    return withValue(NUMBER_CELL, first === 45 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  }
  return STRING;
}

/** Whether text[start, end) is `word` (lowercase ASCII letters) in any ASCII case. */
function equalsLowercase(text: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((text.charCodeAt(start + i) | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

function withValue<C extends { value: number }>(cell: C, value: number): C {
  cell.value = value;
  return cell;
}

/** A JSON string is text, or a datetime when it is written as one; it is never read as a number. */
export function classifyJsonString(text: string): PresentCell {
  const datetime = text.length >= 10 ? parseDatetime(text) : undefined;
  return datetime === undefined ? STRING : { kind: 'datetime', value: datetime };
}
