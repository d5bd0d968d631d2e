import { InputError } from '../errors';
import type { Metrics, MetricValue } from './load';

/** Which input a text came from and how to name it in messages (`metrics`, `m.json`). */
export interface Origin {
  input: string;
  source: string;
}

export interface Place {
  line?: number;
  column?: number;
}

export function fail(origin: Origin, message: string, place: Place = {}): never {
  const at =
    place.line === undefined
      ? ''
      : ` line ${place.line}${place.column === undefined ? '' : `, column ${place.column}`}`;
  throw new InputError(`${origin.input}: ${origin.source}${at}: ${message}`, origin.input);
}

/** 1-based line and column of a UTF-16 offset, the way editors count them. */
export function placeOf(text: string, offset: number): Required<Place> {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * A number written as text (YAML strings, CSV cells). `nan`/`inf` spellings (numpy, pandas,
 * YAML's `.nan`) come back as NaN/±Infinity so that the caller reports them instead of
 * skipping them as words.
 */
export function numericText(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
  if (/^[+-]?\.?nan$/i.test(t)) return Number.NaN;
  const inf = /^([+-]?)\.?inf(inity)?$/i.exec(t);
  if (inf) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return undefined;
}

export function checkFinite(
  origin: Origin,
  name: string,
  value: number,
  where: Place & { fold?: number } = {},
): number {
  if (Number.isFinite(value)) return value;
  const fold = where.fold === undefined ? '' : ` fold ${where.fold}`;
  return fail(origin, `metric "${name}"${fold} is ${value} (expected a finite number)`, where);
}

export function foldStats(values: number[]): NonNullable<MetricValue['folds']> {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  // Population std (ddof=0), as numpy's default `scores.std()` reports K-fold spread.
  const std = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
  return { values, mean, std, min: Math.min(...values), max: Math.max(...values) };
}

/** Collects metrics in file order and refuses a name given twice, naming both places. */
export class MetricsBuilder {
  readonly metrics: Metrics = new Map();
  private readonly places = new Map<string, string>();

  constructor(private readonly origin: Origin) {}

  add(name: string, value: number | number[], place: string): void {
    const first = this.places.get(name);
    if (first !== undefined)
      fail(this.origin, `${first} and ${place} both give metric "${name}" (expected unique names)`);
    this.places.set(name, place);
    if (typeof value === 'number') this.metrics.set(name, { value });
    else {
      const folds = foldStats(value);
      this.metrics.set(name, { value: folds.mean, folds });
    }
  }
}

/** How a format reads one leaf: a number, or undefined for leaves that are not metrics. */
export type LeafReader = (leaf: unknown) => number | undefined;

/**
 * Flattens parsed JSON/YAML: nested keys join with dots, arrays of numbers and arrays of
 * objects become fold metrics, and anything else (strings, booleans, null, matrices) is
 * skipped, so that dvclive / `dvc metrics show` files read as they are.
 */
export function flattenTree(tree: unknown, origin: Origin, read: LeafReader): Metrics {
  const builder = new MetricsBuilder(origin);
  if (isRecord(tree)) walk(tree, [], builder, origin, read);
  else if (Array.isArray(tree) && tree.length > 0 && tree.every(isRecord))
    addFoldRows(tree, [], builder, origin, read);
  else fail(origin, `expected an object of metric names and values, found ${kindOf(tree)}`);
  return builder.metrics;
}

function walk(
  node: Record<string, unknown>,
  path: string[],
  builder: MetricsBuilder,
  origin: Origin,
  read: LeafReader,
) {
  for (const [key, value] of Object.entries(node)) {
    const at = [...path, key];
    const name = at.join('.');
    if (isRecord(value)) walk(value, at, builder, origin, read);
    else if (Array.isArray(value)) {
      if (value.length === 0) continue;
      const numbers = value.map(read);
      if (numbers.every((n) => n !== undefined)) {
        builder.add(
          name,
          numbers.map((n, i) => checkFinite(origin, name, n, { fold: i + 1 })),
          describePath(at),
        );
      } else if (value.every(isRecord)) addFoldRows(value, at, builder, origin, read);
    } else {
      const n = read(value);
      if (n !== undefined) builder.add(name, checkFinite(origin, name, n), describePath(at));
    }
  }
}

/** `[{"f1": 0.8}, {"f1": 0.9}]`: one object per fold, each key a fold metric. */
function addFoldRows(
  rows: Record<string, unknown>[],
  path: string[],
  builder: MetricsBuilder,
  origin: Origin,
  read: LeafReader,
) {
  const columns = new Map<string, { at: string[]; values: number[] }>();
  rows.forEach((row, index) => {
    for (const [at, leaf] of leaves(row, path)) {
      const n = read(leaf);
      if (n === undefined) continue;
      const name = at.join('.');
      checkFinite(origin, name, n, { fold: index + 1 });
      const column = columns.get(name) ?? { at, values: [] };
      column.values.push(n);
      columns.set(name, column);
    }
  });
  for (const [name, { at, values }] of columns) builder.add(name, values, describePath(at));
}

function* leaves(node: Record<string, unknown>, path: string[]): Generator<[string[], unknown]> {
  for (const [key, value] of Object.entries(node)) {
    if (isRecord(value)) yield* leaves(value, [...path, key]);
    else if (!Array.isArray(value)) yield [[...path, key], value];
  }
}

function describePath(path: string[]): string {
  return path.map((key) => JSON.stringify(key)).join(' > ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'string' ? `the text ${JSON.stringify(value.slice(0, 40))}` : `a ${typeof value}`;
}
