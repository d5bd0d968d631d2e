import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { InputError } from '../errors';
import { classifyJsonString, type PresentCell } from './cells';
import type { TableProfiler } from './table';

export interface JsonLinesSource {
  stream: Readable;
  where: string;
  input: string;
}

/**
 * Streams JSON Lines into the table: one object per line, blank lines skipped, LF or CRLF. Its
 * top-level keys are the columns, in order of first appearance; a key a row lacks, or null, is
 * missing. A line that is not a JSON object is an InputError naming the file and line.
 */
export async function readJsonLines(source: JsonLinesSource, table: TableProfiler): Promise<void> {
  const lines = createInterface({ input: source.stream, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const raw of lines) {
    number++;
    const line = number === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.trim() === '') continue;
    const record = parseRecord(line, number, source);
    table.rows++;
    for (const name in record) addJsonValue(table, name, record[name]);
  }
}

function parseRecord(line: string, number: number, source: JsonLinesSource): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`${source.where} line ${number}: not valid JSON (${reason})`, source.input);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new InputError(`${source.where} line ${number}: expected a JSON object, got ${got}`, source.input);
  }
  return value as Record<string, unknown>;
}

function addJsonValue(table: TableProfiler, name: string, value: unknown): void {
  if (value === null || value === undefined) {
    table.column(name); // a column whose every value is null is still a column
    return;
  }
  const column = table.column(name);
  const cell = jsonCell(value);
  column.add(
    cell,
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value),
  );
}

function jsonCell(value: unknown): PresentCell {
  if (typeof value === 'number') return { kind: Number.isInteger(value) ? 'integer' : 'number', value };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (typeof value === 'string') return classifyJsonString(value);
  return { kind: 'string' }; // objects and arrays: their JSON text is the value
}
