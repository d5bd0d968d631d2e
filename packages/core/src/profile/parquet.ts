import { asyncBufferFromFile, parquetMetadataAsync, parquetScan, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InputError } from '../errors';
import type { ColumnProfiler, NumericKind } from './column';
import type { TableProfiler } from './table';

type SchemaElement = ReturnType<typeof parquetSchema>['element'];

export interface ParquetReadOptions {
  /** Read only the first rows of the file (the first row groups, the start of the next). */
  maxRows?: number;
}

/**
 * Reads a Parquet file into the table one row group and one column at a time (hyparquet's lazy
 * scan, every codec through hyparquet-compressors), so memory holds a row group's column chunks,
 * never the file. Types come from the schema: integers, floats and decimals, booleans, strings,
 * dates and timestamps (as datetimes); nested columns count as their JSON text.
 */
export async function readParquet(
  path: string,
  where: string,
  input: string,
  table: TableProfiler,
  { maxRows = Number.POSITIVE_INFINITY }: ParquetReadOptions = {},
): Promise<void> {
  const file = await asyncBufferFromFile(path);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new InputError(
      `${where} is not a Parquet file (${error instanceof Error ? error.message : error})`,
      input,
    );
  }
  const fields = parquetSchema(metadata).children.map((child) => ({
    name: child.element.name,
    numericKind: numericKind(child.element),
    column: table.column(child.element.name),
  }));
  const scan = await parquetScan({ file, metadata, compressors, parsers: EPOCH_MILLISECONDS });
  const rows = Math.min(Number(metadata.num_rows), maxRows);
  for (const { rowStart, rowEnd } of scan.ranges) {
    if (rowStart >= rows) break;
    for (const field of fields) {
      const values = await scan.readColumn({ column: field.name, rowStart, rowEnd: Math.min(rowEnd, rows) });
      addValues(field.column, values, field.numericKind);
    }
  }
  table.rows = rows;
}

/**
 * Dates and timestamps as epoch milliseconds rather than Date objects: the profile wants the
 * number, and millions of Dates are garbage. Sub-millisecond digits are dropped, as Date would.
 */
const EPOCH_MILLISECONDS = {
  timestampFromMilliseconds: (millis: bigint) => Number(millis),
  timestampFromMicroseconds: (micros: bigint) => Number(micros / 1000n),
  timestampFromNanoseconds: (nanos: bigint) => Number(nanos / 1_000_000n),
  dateFromDays: (days: number) => days * 86_400_000,
};

/** How a column's numbers read: its logical or converted type, else its physical type. */
function numericKind(element: SchemaElement): NumericKind {
  const logical = element.logical_type?.type;
  const converted = element.converted_type;
  if (logical === 'TIMESTAMP' || logical === 'DATE' || element.type === 'INT96') return 'datetime';
  if (converted === 'DATE' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS') {
    return 'datetime';
  }
  if (logical === 'DECIMAL' || converted === 'DECIMAL') return 'number';
  return element.type === 'FLOAT' || element.type === 'DOUBLE' ? 'number' : 'integer';
}

function addValues(column: ColumnProfiler, values: ArrayLike<unknown>, kind: NumericKind): void {
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (value === null || value === undefined) continue;
    if (typeof value === 'number') column.addNumber(kind, value);
    else if (typeof value === 'bigint') column.addNumber(kind, Number(value));
    else if (typeof value === 'boolean') column.addBoolean(value);
    else if (value instanceof Date) column.addNumber('datetime', value.getTime());
    else column.addText(textOf(value));
  }
}

/** The text of a value that counts as text: a string, bytes in base64, anything nested as JSON. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object') {
    return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
  return String(value);
}
