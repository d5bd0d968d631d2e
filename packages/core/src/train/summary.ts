import { details, escapeMarkdown, formatBytes, table } from '../markdown';
import type { RunRecord } from './record';

const MAX_ROWS = 50;

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Params flattened to `a.b` keys for display. */
export function flattenParams(params: Record<string, unknown>, prefix = ''): [string, string][] {
  const rows: [string, string][] = [];
  for (const [key, value] of Object.entries(params)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      rows.push(...flattenParams(value as Record<string, unknown>, name));
    } else rows.push([name, JSON.stringify(value)]);
  }
  return rows;
}

const code = (text: string) => `<code>${escapeMarkdown(text)}</code>`;

/** The job summary of one run; every user-controlled text escaped. */
export function runMarkdown(run: RunRecord, modelDigest: string | null): string {
  const duration = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  const verdict = run.cachedFrom
    ? `restored from run ${code(run.cachedFrom)} (cache hit): the command did not run`
    : run.exitCode === 0 && !run.problems?.length
      ? 'succeeded'
      : run.timedOut
        ? `timed out (exit code ${run.exitCode})`
        : `failed (exit code ${run.exitCode})`;
  const lines = [`### Training run ${escapeMarkdown(run.name)} ${code(run.id)}: ${verdict}`, ''];
  for (const problem of run.problems ?? []) lines.push(`- ${escapeMarkdown(problem)}`);
  if (run.problems?.length) lines.push('');
  const facts: [string, string][] = [
    ['command', code(run.command)],
    [
      'commit',
      run.commit ? `${code(run.commit.slice(0, 12))}${run.dirty ? ' (with uncommitted changes)' : ''}` : '—',
    ],
    ['exit code', String(run.exitCode)],
    ['duration', formatDuration(duration)],
    ['peak memory', run.peakMemoryBytes === null ? '—' : formatBytes(run.peakMemoryBytes)],
    ['cache', run.cachedFrom ? `hit (${code(run.cachedFrom)})` : 'miss'],
    ['cache key', code(run.cacheKey.slice(0, 12))],
  ];
  if (modelDigest) facts.push(['model digest', code(modelDigest.slice(0, 12))]);
  if (run.message) facts.push(['message', escapeMarkdown(run.message)]);
  lines.push(table(['run', ''], ['left', 'left'], facts), '');

  const section = (title: string, header: string[], align: ('left' | 'right')[], rows: string[][]) => {
    if (rows.length === 0) return;
    const shown = rows.slice(0, MAX_ROWS);
    const body =
      table(header, align, shown) + (rows.length > MAX_ROWS ? `\n\nand ${rows.length - MAX_ROWS} more` : '');
    lines.push(rows.length > 10 ? details(`${title} (${rows.length})`, body) : `**${title}**\n\n${body}`, '');
  };
  section(
    'Metrics',
    ['metric', 'value'],
    ['left', 'right'],
    Object.entries(run.metrics).map(([name, value]) => [escapeMarkdown(name), String(value)]),
  );
  section(
    'Params',
    ['param', 'value'],
    ['left', 'left'],
    flattenParams(run.params).map(([name, value]) => [escapeMarkdown(name), code(value)]),
  );
  section(
    'Data',
    ['dataset', 'version', 'digest', 'path'],
    ['left', 'right', 'left', 'left'],
    run.data.map((d) => [
      escapeMarkdown(d.name),
      `v${d.number}`,
      code(d.digest.slice(0, 12)),
      escapeMarkdown(d.path),
    ]),
  );
  section(
    'Outputs',
    ['file', 'size', 'sha256'],
    ['left', 'right', 'left'],
    run.outputs.map((o) => [escapeMarkdown(o.path), formatBytes(o.size), code(o.sha256.slice(0, 12))]),
  );
  return lines.join('\n');
}
