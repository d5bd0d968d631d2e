import { escapeMarkdown, table } from '../markdown';
import type { DataFile } from './record';
import type { RowChange } from './row-diff';

/** Rows of one modified CSV/TSV/JSONL file. */
export interface TableDiff {
  path: string;
  rowsAdded: number;
  rowsRemoved: number;
  /** False when the rows were counted (the change of the line count), not compared. */
  exact: boolean;
  /** Present (true) when the header line of a CSV/TSV changed; a header is not a row. */
  headerChanged?: true;
}

/**
 * What changed between two versions. Rows of a modified table are compared row by row (a row
 * edited in place is one removed and one added, reordered rows are no change) unless its
 * differing part is too big, when the change of its line count stands in and `rowsApproximate`
 * says so. Rows of added and removed files are their row counts.
 */
export interface DataDiff {
  added: string[];
  removed: string[];
  modified: string[];
  bytesAdded: number;
  bytesRemoved: number;
  rowsAdded: number;
  rowsRemoved: number;
  /** True when a modified table's rows were counted, not compared (those have `exact: false`). */
  rowsApproximate: boolean;
  /** The modified CSV/TSV/JSONL files, by path. */
  tables: TableDiff[];
  /** Version number the diff is against; null for a dataset's first version. */
  against: number | null;
}

export function diffFiles(
  previous: readonly DataFile[],
  current: readonly DataFile[],
  against: number | null,
  rows: ReadonlyMap<string, RowChange> = new Map(),
): DataDiff {
  const before = new Map(previous.map((f) => [f.path, f]));
  const diff: DataDiff = {
    added: [],
    removed: [],
    modified: [],
    bytesAdded: 0,
    bytesRemoved: 0,
    rowsAdded: 0,
    rowsRemoved: 0,
    rowsApproximate: false,
    tables: [],
    against,
  };
  const count = (from: DataFile | undefined, to: DataFile | undefined) => {
    const bytes = (to?.size ?? 0) - (from?.size ?? 0);
    if (bytes > 0) diff.bytesAdded += bytes;
    else diff.bytesRemoved -= bytes;
    if (from && to && (from.rows !== undefined || to.rows !== undefined)) {
      diff.tables.push(tableDiff(from, to, rows.get(to.path)));
      return;
    }
    diff.rowsAdded += to?.rows ?? 0;
    diff.rowsRemoved += from?.rows ?? 0;
  };
  for (const file of current) {
    const old = before.get(file.path);
    before.delete(file.path);
    if (!old) diff.added.push(file.path);
    else if (old.sha256 !== file.sha256 || old.mode !== file.mode) diff.modified.push(file.path);
    else continue;
    count(old, file);
  }
  for (const old of before.values()) {
    diff.removed.push(old.path);
    count(old, undefined);
  }
  for (const table of diff.tables) {
    diff.rowsAdded += table.rowsAdded;
    diff.rowsRemoved += table.rowsRemoved;
    if (!table.exact) diff.rowsApproximate = true;
  }
  diff.added.sort();
  diff.removed.sort();
  diff.modified.sort();
  diff.tables.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return diff;
}

function tableDiff(from: DataFile, to: DataFile, change: RowChange | undefined): TableDiff {
  const path = to.path;
  if (change) {
    const { rowsAdded, rowsRemoved, headerChanged } = change;
    return { path, rowsAdded, rowsRemoved, exact: true, ...(headerChanged ? { headerChanged } : {}) };
  }
  // Same bytes, another mode: no row changed.
  if (from.sha256 === to.sha256) return { path, rowsAdded: 0, rowsRemoved: 0, exact: true };
  const delta = (to.rows ?? 0) - (from.rows ?? 0);
  return { path, rowsAdded: Math.max(0, delta), rowsRemoved: Math.max(0, -delta), exact: false };
}

/** The diff as the `diff` output: counts always, file lists capped (job outputs are limited). */
export function diffOutput(diff: DataDiff, maxPaths = 100): string {
  const cap = <T>(items: T[]): (T | '…')[] =>
    items.length > maxPaths ? [...items.slice(0, maxPaths), '…'] : items;
  return JSON.stringify({
    ...diff,
    added: cap(diff.added),
    removed: cap(diff.removed),
    modified: cap(diff.modified),
    tables: cap(diff.tables),
  });
}

/** The rows part of a summary: `≈` when some table's rows were counted, not compared. */
function rowsText(diff: DataDiff): string {
  return `${diff.rowsApproximate ? '≈' : ''}+${diff.rowsAdded} −${diff.rowsRemoved} rows`;
}

function tableText(t: TableDiff): string {
  const notes = [t.exact ? '' : 'counted, not compared', t.headerChanged ? 'header changed' : ''];
  const note = notes.filter(Boolean).join(', ');
  return `${t.exact ? '' : '≈'}+${t.rowsAdded} −${t.rowsRemoved} rows${note ? ` (${note})` : ''}`;
}

/** One line for the log. */
export function diffText(diff: DataDiff): string {
  const against = diff.against === null ? 'first version' : `against v${diff.against}`;
  return (
    `${against}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.modified.length} modified files; ` +
    `+${diff.bytesAdded} −${diff.bytesRemoved} bytes; ${rowsText(diff)}`
  );
}

/** A log line per modified table (the first `max`), rows added and removed. */
export function tableLines(diff: DataDiff, max = 10): string[] {
  const lines = diff.tables.slice(0, max).map((t) => `  ${t.path}: ${tableText(t)}`);
  if (diff.tables.length > max) lines.push(`  and ${diff.tables.length - max} more tables`);
  return lines;
}

export function diffMarkdown(
  title: { name: string; number: number; digest: string; changed: boolean },
  diff: DataDiff,
  bytesUploaded: number,
  maxPaths = 20,
): string {
  const head = title.changed
    ? `### Data version ${escapeMarkdown(title.name)} v${title.number}`
    : `### Data version ${escapeMarkdown(title.name)} v${title.number} (unchanged)`;
  const against = diff.against === null ? 'first version' : `v${diff.against}`;
  const rows = [
    ['files added', String(diff.added.length)],
    ['files removed', String(diff.removed.length)],
    ['files modified', String(diff.modified.length)],
    ['bytes', `+${diff.bytesAdded} / −${diff.bytesRemoved}`],
    [
      diff.rowsApproximate ? 'rows (CSV/TSV/JSONL; ≈ some counted, not compared)' : 'rows (CSV/TSV/JSONL)',
      `${diff.rowsApproximate ? '≈' : ''}+${diff.rowsAdded} / −${diff.rowsRemoved}`,
    ],
    ['bytes uploaded', String(bytesUploaded)],
  ];
  const lines = [head, '', `digest \`${title.digest.slice(0, 12)}\`, compared with ${against}`, ''];
  lines.push(table(['', 'change'], ['left', 'right'], rows), '');
  if (diff.tables.length > 0) {
    const shown = diff.tables.slice(0, maxPaths).map((t) => {
      const notes = [t.exact ? '' : 'counted, not compared', t.headerChanged ? 'header changed' : ''];
      return [
        escapeMarkdown(t.path),
        `${t.exact ? '' : '≈'}+${t.rowsAdded}`,
        `${t.exact ? '' : '≈'}−${t.rowsRemoved}`,
        notes.filter(Boolean).join(', '),
      ];
    });
    if (diff.tables.length > maxPaths) shown.push([`and ${diff.tables.length - maxPaths} more`, '', '', '']);
    lines.push(
      table(['modified table', 'rows added', 'rows removed', ''], ['left', 'right', 'right', 'left'], shown),
      '',
    );
  }
  for (const [label, paths] of [
    ['added', diff.added],
    ['removed', diff.removed],
    ['modified', diff.modified],
  ] as const) {
    if (paths.length === 0) continue;
    const shown = paths.slice(0, maxPaths).map((p) => escapeMarkdown(p));
    if (paths.length > maxPaths) shown.push(`and ${paths.length - maxPaths} more`);
    lines.push(`${label}: ${shown.join(', ')}`, '');
  }
  return lines.join('\n');
}
