import { escapeMarkdown, table } from '../markdown';
import type { DataFile } from './record';

/**
 * What changed between two versions. Rows are counted as lines (less a CSV/TSV header), so a
 * modified table's `rowsAdded`/`rowsRemoved` is the change of its line count, not a row-by-row
 * comparison: an edited row in place counts as neither.
 */
export interface DataDiff {
  added: string[];
  removed: string[];
  modified: string[];
  bytesAdded: number;
  bytesRemoved: number;
  rowsAdded: number;
  rowsRemoved: number;
  /** Version number the diff is against; null for a dataset's first version. */
  against: number | null;
}

export function diffFiles(
  previous: readonly DataFile[],
  current: readonly DataFile[],
  against: number | null,
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
    against,
  };
  const count = (from: DataFile | undefined, to: DataFile | undefined) => {
    const bytes = (to?.size ?? 0) - (from?.size ?? 0);
    if (bytes > 0) diff.bytesAdded += bytes;
    else diff.bytesRemoved -= bytes;
    const rows = (to?.rows ?? 0) - (from?.rows ?? 0);
    if (rows > 0) diff.rowsAdded += rows;
    else diff.rowsRemoved -= rows;
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
  diff.added.sort();
  diff.removed.sort();
  diff.modified.sort();
  return diff;
}

/** The diff as the `diff` output: counts always, file lists capped (job outputs are limited). */
export function diffOutput(diff: DataDiff, maxPaths = 100): string {
  const cap = (paths: string[]) => (paths.length > maxPaths ? [...paths.slice(0, maxPaths), '…'] : paths);
  return JSON.stringify({
    ...diff,
    added: cap(diff.added),
    removed: cap(diff.removed),
    modified: cap(diff.modified),
  });
}

export function diffText(diff: DataDiff): string {
  const against = diff.against === null ? 'first version' : `against v${diff.against}`;
  return (
    `${against}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.modified.length} modified files; ` +
    `+${diff.bytesAdded} −${diff.bytesRemoved} bytes; +${diff.rowsAdded} −${diff.rowsRemoved} rows`
  );
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
    ['rows (CSV/TSV/JSONL lines)', `+${diff.rowsAdded} / −${diff.rowsRemoved}`],
    ['bytes uploaded', String(bytesUploaded)],
  ];
  const lines = [head, '', `digest \`${title.digest.slice(0, 12)}\`, compared with ${against}`, ''];
  lines.push(table(['', 'change'], ['left', 'right'], rows), '');
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
