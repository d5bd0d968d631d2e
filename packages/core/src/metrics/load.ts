import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { InputError } from '../errors';
import { parseDelimited } from './load-csv';
import { parseJson, readJsonLeaf } from './load-json';
import { fail, flattenTree, type LeafReader, numericText, type Origin } from './load-tree';

/** A metric's value; for K-fold scores (an array) the mean, with the folds' spread beside it. */
export interface MetricValue {
  value: number;
  folds?: { values: number[]; mean: number; std: number; min: number; max: number };
}

/** Metric name → value, in the order the file gives them. */
export type Metrics = Map<string, MetricValue>;

export type MetricsFormat = 'json' | 'yaml' | 'csv' | 'tsv';

const EXTENSIONS: Record<string, MetricsFormat> = {
  '.json': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.csv': 'csv',
  '.tsv': 'tsv',
};

const EXAMPLES: Record<MetricsFormat, string> = {
  json: '{"f1": 0.9}',
  yaml: 'f1: 0.9',
  csv: 'f1,0.9',
  tsv: 'f1<tab>0.9',
};

/**
 * Reads a metrics file; the format follows the extension, or the content when the extension
 * says nothing. `source` names the file in messages (default: `path`).
 */
export async function loadMetricsFile(
  path: string,
  options: { input: string; source?: string },
): Promise<Metrics> {
  const source = options.source ?? path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? `no such file "${source}"`
        : code === 'EISDIR'
          ? `"${source}" is a directory (expected a metrics file)`
          : `cannot read "${source}" (${code ?? String(error)})`;
    throw new InputError(`${options.input}: ${reason}`, options.input);
  }
  return parseMetrics(text, { input: options.input, source, format: formatOf(path) });
}

/** Parses metrics text (a file's content, or a file read from a git ref). */
export function parseMetrics(
  text: string,
  options: { input: string; source: string; format?: MetricsFormat },
): Metrics {
  const origin: Origin = { input: options.input, source: options.source };
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') fail(origin, 'the file is empty (expected metrics as JSON, YAML or CSV)');
  const format = options.format ?? formatOf(options.source) ?? sniff(body);
  const metrics =
    format === 'json'
      ? flattenTree(parseJson(body, origin), origin, readJsonLeaf)
      : format === 'yaml'
        ? flattenTree(parseYaml(body, origin), origin, readYamlLeaf)
        : parseDelimited(body, origin, format === 'tsv' ? '\t' : ',');
  if (metrics.size === 0)
    fail(origin, `no numeric metric in it (expected numbers, e.g. ${EXAMPLES[format]})`);
  return metrics;
}

/**
 * A metric by name: `f1`, `test.f1`, or a fold statistic `f1.mean`, `f1.std`, `f1.min`,
 * `f1.max`, `f1.n`. A metric really named `f1.std` wins over the statistic. A plain
 * (single-value) metric has a mean, min and max (itself) but no std or n.
 */
export function lookupMetric(metrics: Metrics, name: string): number | undefined {
  const exact = metrics.get(name);
  if (exact) return exact.value;
  const dot = name.lastIndexOf('.');
  const metric = dot > 0 ? metrics.get(name.slice(0, dot)) : undefined;
  if (!metric) return undefined;
  const { folds } = metric;
  switch (name.slice(dot + 1)) {
    case 'mean':
      return folds?.mean ?? metric.value;
    case 'min':
      return folds?.min ?? metric.value;
    case 'max':
      return folds?.max ?? metric.value;
    case 'std':
      return folds?.std;
    case 'n':
      return folds?.values.length;
    default:
      return undefined;
  }
}

function formatOf(path: string): MetricsFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

function sniff(text: string): MetricsFormat {
  const start = text.trimStart();
  if (start.startsWith('{') || start.startsWith('[')) return 'json';
  const line = start.split('\n').find((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '';
  if (line.includes('\t')) return 'tsv';
  if (/:(\s|$)/.test(line) || !line.includes(',')) return 'yaml';
  return 'csv';
}

function parseYaml(text: string, origin: Origin): unknown {
  const document = parseDocument(text, { uniqueKeys: true });
  const [error] = document.errors;
  if (error) {
    const place = error.linePos?.[0];
    // yaml appends " at line L, column C:" and a code frame; the place is given separately.
    const reason = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
    fail(origin, reason, place ? { line: place.line, column: place.col } : {});
  }
  return document.toJS();
}

const readYamlLeaf: LeafReader = (leaf) => {
  if (typeof leaf === 'number') return leaf;
  if (typeof leaf === 'string') return numericText(leaf);
  return undefined;
};
