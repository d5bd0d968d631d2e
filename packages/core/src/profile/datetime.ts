/**
 * Epoch milliseconds of an ISO 8601 date or date-time, or undefined when it is not a valid one. A
 * time without an offset is read as UTC, never as local time.
 */
export function parseDatetime(text: string): number | undefined {
  return parseDatetimeIn(text, 0, text.length);
}

/**
 * parseDatetime(text.slice(start, end)), by character codes: it runs on every cell of a datetime
 * column. The grammar is the regular expression
 * `^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$`
 * with a valid calendar date and time of day; a fraction is cut to the millisecond, and an
 * offset's hours and minutes are taken as written.
 */
export function parseDatetimeIn(text: string, start: number, end: number): number | undefined {
  if (end - start < 10) return undefined;
  const days = civilDays(text, start);
  if (days === undefined) return undefined;
  if (end - start === 10) return days * 86_400_000;
  let at = start + 10;
  const separator = text.charCodeAt(at);
  if ((separator !== 84 && separator !== 32) || at + 6 > end || text.charCodeAt(at + 3) !== 58)
    return undefined;
  const hour = digits(text, at + 1, at + 3);
  const minute = digits(text, at + 4, at + 6);
  at += 6;
  let second = 0;
  let milliseconds = 0;
  if (at < end && text.charCodeAt(at) === 58) {
    second = at + 3 <= end ? digits(text, at + 1, at + 3) : -1;
    at += 3;
    if (at < end && text.charCodeAt(at) === 46) {
      const from = at + 1;
      for (at = from; at < end && at - from < 9 && isDigit(text.charCodeAt(at)); at++) {
        if (at - from < 3) milliseconds += (text.charCodeAt(at) - 48) * 10 ** (2 - (at - from));
      }
      if (at === from) return undefined;
    }
  }
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const offset = offsetMinutes(text, at, end);
  if (offset === undefined) return undefined;
  const seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  return seconds * 1000 + milliseconds - offset * 60_000;
}

// Dates in a file come in runs of one month: the month's first day is worked out once per run.
let cachedMonth = -1;
let cachedMonthStart = 0;

/** Days since the epoch of the valid date YYYY-MM-DD at text[at, at + 10), else undefined. */
function civilDays(text: string, at: number): number | undefined {
  if (text.charCodeAt(at + 4) !== 45 || text.charCodeAt(at + 7) !== 45) return undefined;
  const year = digits(text, at, at + 4);
  const month = digits(text, at + 5, at + 7);
  const day = digits(text, at + 8, at + 10);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const yearMonth = year * 12 + month;
  if (yearMonth !== cachedMonth) {
    cachedMonth = yearMonth;
    cachedMonthStart = daysFromCivil(year, month, 1);
  }
  return cachedMonthStart + day - 1;
}

/** Minutes east of UTC of what ends the text from `at`: nothing or Z (0), ±HH:MM or ±HHMM. */
function offsetMinutes(text: string, at: number, end: number): number | undefined {
  if (at === end) return 0;
  const sign = text.charCodeAt(at);
  if (sign === 90) return at + 1 === end ? 0 : undefined;
  if (sign !== 43 && sign !== 45) return undefined;
  const colon = end - at === 6 && text.charCodeAt(at + 3) === 58 ? 1 : 0;
  if (end - at !== 5 + colon) return undefined;
  const hours = digits(text, at + 1, at + 3);
  const minutes = digits(text, at + 3 + colon, at + 5 + colon);
  if (hours < 0 || minutes < 0) return undefined;
  const total = hours * 60 + minutes;
  return sign === 45 ? -total : total;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
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
