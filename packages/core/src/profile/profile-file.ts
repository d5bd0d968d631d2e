import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors';
import { readDelimited } from './csv';
import { readJsonLines } from './jsonl';
import { DEFAULT_SKETCH_OPTIONS, type SketchOptions } from './options';
import { readParquet } from './parquet';
import type { DataProfile, ProfileFormat } from './schema';
import { TableProfiler } from './table';

export interface ProfileOptions extends Partial<SketchOptions> {
  /** The input the file came from, named in error messages (default `file`). */
  input?: string;
  /** Skip detection from the extension. */
  format?: ProfileFormat;
}

const EXTENSIONS: [RegExp, ProfileFormat][] = [
  [/\.csv(\.gz)?$/i, 'csv'],
  [/\.(tsv|tab)(\.gz)?$/i, 'tsv'],
  [/\.(jsonl|ndjson)(\.gz)?$/i, 'jsonl'],
  [/\.(parquet|pq)$/i, 'parquet'],
];

/** The format a path's extension names (.csv, .tsv/.tab, .jsonl/.ndjson, each optionally .gz; .parquet/.pq). */
export function detectFormat(path: string): ProfileFormat | undefined {
  return EXTENSIONS.find(([pattern]) => pattern.test(path))?.[1];
}

/**
 * Profiles a tabular file in one streaming pass: row count and, per column, type, missing share,
 * distinct count, numeric summary and quantiles, top values and a seeded sample. The same file and
 * options give the same profile, byte for byte once serialized.
 */
export async function profileFile(path: string, options: ProfileOptions = {}): Promise<DataProfile> {
  const input = options.input ?? 'file';
  const where = `${input}: ${path}`;
  const format = options.format ?? detectFormat(path);
  if (!format) {
    throw new InputError(
      `${where}: unknown format (expected .csv, .tsv, .jsonl, .ndjson or .parquet)`,
      input,
    );
  }
  await checkReadable(path, where, input);
  const table = new TableProfiler(sketchOptions(options));
  try {
    await readTable(path, format, where, input, table);
  } catch (error) {
    throw asInputError(error, where, input);
  }
  return table.finish(format);
}

async function readTable(
  path: string,
  format: ProfileFormat,
  where: string,
  input: string,
  table: TableProfiler,
): Promise<void> {
  if (format === 'parquet') await readParquet(path, where, input, table);
  else if (format === 'jsonl') await readJsonLines({ stream: open(path), where, input }, table);
  else
    await readDelimited(
      { stream: open(path), where, input, delimiter: format === 'tsv' ? '\t' : ',' },
      table,
    );
}

/** Read errors that are the file's fault, in one line: a corrupt gzip stream. */
function asInputError(error: unknown, where: string, input: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new InputError(`${where} is not valid gzip (${(error as Error).message})`, input);
  }
  return error;
}

function sketchOptions(options: ProfileOptions): SketchOptions {
  const merged = { ...DEFAULT_SKETCH_OPTIONS };
  for (const key of Object.keys(DEFAULT_SKETCH_OPTIONS) as (keyof SketchOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!(Number.isInteger(value) && value >= (key === 'seed' ? 0 : 1))) {
      throw new RangeError(`profile: ${key} must be a positive integer, got ${value}`);
    }
    merged[key] = value;
  }
  return merged;
}

function open(path: string): Readable {
  const stream = createReadStream(path);
  if (!path.toLowerCase().endsWith('.gz')) return stream;
  const gunzip = createGunzip();
  stream.on('error', (error) => gunzip.destroy(error)); // pipe() does not forward a read error
  return stream.pipe(gunzip);
}

async function checkReadable(path: string, where: string, input: string): Promise<void> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new InputError(`${where} is a directory, expected a file`, input);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `${where} does not exist` : `${where}: ${String(error)}`, input);
  }
}
