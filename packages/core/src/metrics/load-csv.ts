import { CsvError, parse } from 'csv-parse/sync';
import type { Metrics } from './load';
import { checkFinite, fail, MetricsBuilder, numericText, type Origin } from './load-tree';

interface Row {
  cells: string[];
  line: number;
}

// Columns that number the folds rather than measure anything: a pandas index (no header) or `fold`.
const INDEX_COLUMN = /^(folds?|)$/i;

/**
 * Three shapes: `metric,value` rows (header optional); a header of metric names over one row
 * of values; a header over several rows, one per fold, which makes every column a fold metric.
 */
export function parseDelimited(text: string, origin: Origin, delimiter: ',' | '\t'): Metrics {
  const rows = readRows(text, origin, delimiter);
  const builder = new MetricsBuilder(origin);
  const first = rows[0];
  if (!first) return builder.metrics;
  if (isNameValueTable(rows)) {
    for (const { cells, line } of isNameValueHeader(first) ? rows.slice(1) : rows) {
      const [name = '', cell = ''] = cells;
      if (name === '') fail(origin, 'empty metric name', { line });
      const value = numericText(cell);
      if (value !== undefined) builder.add(name, checkFinite(origin, name, value, { line }), `line ${line}`);
    }
    return builder.metrics;
  }
  const body = rows.slice(1);
  if (body.length === 0) {
    fail(origin, 'a header row but no values (expected a row of values under the metric names)', {
      line: first.line,
    });
  }
  for (const { cells, line } of body) {
    if (cells.length !== first.cells.length) {
      fail(origin, `${cells.length} fields, expected ${first.cells.length} like the header`, { line });
    }
  }
  first.cells.forEach((name, column) => {
    if (INDEX_COLUMN.test(name)) return;
    const values: number[] = [];
    let stray: { cell: string; line: number; fold: number } | undefined;
    body.forEach(({ cells, line }, index) => {
      const cell = cells[column] ?? '';
      const value = numericText(cell);
      const fold = body.length > 1 ? index + 1 : undefined;
      if (value !== undefined) values.push(checkFinite(origin, name, value, { line, fold }));
      else if (cell !== '') stray ??= { cell, line, fold: index + 1 };
    });
    // A column of words (a model name) is not a metric; words among fold scores are a mistake.
    if (values.length === 0) return;
    if (stray && body.length > 1) {
      const { cell, line, fold } = stray;
      fail(origin, `metric "${name}" fold ${fold} is ${JSON.stringify(cell)} (expected a number)`, { line });
    }
    builder.add(name, body.length > 1 ? values : (values[0] as number), `column ${column + 1}`);
  });
  return builder.metrics;
}

function readRows(text: string, origin: Origin, delimiter: string): Row[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      info: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      comment: '#',
      comment_no_infix: true,
    }) as unknown as typeof records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = typeof error.lines === 'number' ? error.lines : undefined;
    // csv-parse ends its messages with where it was ("on line 3", "at line 3, value is ...").
    const reason = error.message.replace(/,?\s+(on|at) line \d+.*$/s, '');
    return fail(origin, reason, { line });
  }
  return records
    .map(({ record, info }) => ({ cells: record.map((cell) => cell.trim()), line: info.lines }))
    .filter(({ cells }) => cells.some((cell) => cell !== ''));
}

function isNameValueHeader(row: Row): boolean {
  const [name = '', value = ''] = row.cells.map((cell) => cell.toLowerCase());
  return row.cells.length === 2 && (name === 'metric' || name === 'name') && value === 'value';
}

/** `f1,0.9` rows: names down the first column, numbers down the second. */
function isNameValueTable(rows: Row[]): boolean {
  const [first] = rows;
  if (!first || rows.some((row) => row.cells.length !== 2)) return false;
  if (isNameValueHeader(first)) return true;
  return (
    numericText(first.cells[1] ?? '') !== undefined &&
    rows.every((row) => numericText(row.cells[0] ?? '') === undefined)
  );
}
