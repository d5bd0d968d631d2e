import { details, escapeMarkdown, table } from '../markdown';
import type { ReportData, ResultData, RowData } from './report-data';

export interface RenderOptions {
  /** Hidden marker at the top: keys the sticky comment. */
  marker: string;
  /** Largest size, as measured by `measure` (characters for comments, bytes for the summary). */
  limit: number;
  measure?: (text: string) => number;
  runUrl?: string;
  /** Set when a trusted job posts what a `pull_request` run reported. */
  reportedBy?: string;
}

const VISIBLE_ROWS = 20;
export const utf8Bytes = (text: string) => Buffer.byteLength(text);

/** The markdown report: verdict first, then the metric table, failing rows first. */
export function renderReport(data: ReportData, options: RenderOptions): string {
  const measure = options.measure ?? ((text: string) => text.length);
  const results = data.rows.flatMap((row) => row.results);
  const failed = results.filter((r) => r.status === 'fail').length;
  const noBaseline = results.filter((r) => r.status === 'no-baseline').length;
  const counts = [
    `${results.length} rule${results.length === 1 ? '' : 's'}`,
    `${failed} failed`,
    ...(noBaseline ? [`${noBaseline} without baseline`] : []),
  ].join(', ');
  const sources = [
    `candidate ${code(data.candidateSource)}`,
    data.baselineSource ? `baseline ${code(data.baselineSource)}` : 'no baseline',
    ...(data.bootstrap
      ? [
          `${Math.round(data.bootstrap.confidence * 100)}% paired-bootstrap intervals (${data.bootstrap.resamples} resamples)`,
        ]
      : []),
  ].join(' · ');
  const head = [
    options.marker,
    `### ${data.passed ? '✅' : '❌'} ${escapeMarkdown(data.title)}: ${data.passed ? 'passed' : 'failed'}`,
    '',
    `**${counts}** · ${sources}`,
    '',
  ];
  // Failing rows are already first; past 20 rows the rest fold, but a failing row never does.
  const rows = data.rows.flatMap(tableRows);
  const shown = Math.max(VISIBLE_ROWS, rows.filter((r) => r.failing).length);
  const visible = rows.length > VISIBLE_ROWS ? rows.slice(0, shown) : rows;
  const folded = rows.slice(visible.length);
  const extra = data.confusion ? `\n\n${confusionTable(data.confusion)}` : '';
  const tail = footer(data, options);
  const render = (keep: number) => {
    const parts = [...head, visible.length ? metricTable(visible.map((r) => r.cells)) : '_No metrics._'];
    if (keep)
      parts.push('', details(`${keep} more metrics`, metricTable(folded.slice(0, keep).map((r) => r.cells))));
    if (keep < folded.length) {
      parts.push(
        '',
        `_${folded.length - keep} rows left out to stay under this platform’s size limit; the job’s report file has them all._`,
      );
    }
    return `${parts.join('\n')}${extra}\n\n${tail}\n`;
  };
  let keep = folded.length;
  let text = render(keep);
  // Over the limit: drop folded rows (the least important) until it fits.
  while (keep > 0 && measure(text) > options.limit) {
    keep = Math.floor(keep * 0.8);
    text = render(keep);
  }
  if (measure(text) > options.limit) {
    const cut = '\n\n_Report truncated to the size limit._\n';
    let end = options.limit - measure(cut);
    while (end > 0 && measure(text.slice(0, end)) > options.limit - measure(cut)) end -= 1024;
    text = text.slice(0, Math.max(0, end)) + cut;
  }
  return text;
}

interface TableRow {
  failing: boolean;
  cells: string[];
}

function tableRows(row: RowData): TableRow[] {
  const common = [escapeMarkdown(row.name), fmt(row.baseline), candidateCell(row), deltaCell(row)];
  if (!row.results.length) return [{ failing: false, cells: [...common, '', ''] }];
  return row.results.map((result) => ({
    failing: result.status === 'fail',
    cells: [...common, escapeMarkdown(result.rule), resultCell(result)],
  }));
}

function metricTable(rows: string[][]): string {
  return table(
    ['Metric', 'Baseline', 'Candidate', 'Δ', 'Rule', 'Result'],
    ['left', 'right', 'right', 'right', 'left', 'left'],
    rows,
  );
}

function candidateCell(row: RowData): string {
  if (row.candidate === undefined) return '—';
  if (row.folds) return `${fmt(row.candidate)} ± ${fmt(row.folds.std)} (${row.folds.n} folds)`;
  return fmt(row.candidate);
}

function deltaCell(row: RowData): string {
  if (row.delta === undefined || row.baseline === undefined) return '—';
  const good = row.direction === 'higher' ? row.delta > 0 : row.delta < 0;
  const mark = row.delta === 0 ? '⚪' : good ? '🟢' : '🔴';
  const relative = row.baseline !== 0 ? ` (${signed((row.delta / Math.abs(row.baseline)) * 100, 1)}%)` : '';
  const ci = row.deltaInterval
    ? ` [${signedFmt(row.deltaInterval.low)}, ${signedFmt(row.deltaInterval.high)}]`
    : '';
  return `${mark} ${signedFmt(row.delta)}${relative}${ci}`;
}

function resultCell(result: ResultData): string {
  const significance = result.significance;
  let note = '';
  if (significance && 'interval' in significance) {
    note = significance.significant ? ' (significant)' : significance.withinNoise ? ' (within noise)' : '';
    note += ` slack [${signedFmt(significance.interval.low)}, ${signedFmt(significance.interval.high)}]`;
  } else if (significance) {
    note = ` (${escapeMarkdown(significance.unavailable)})`;
  }
  switch (result.status) {
    case 'pass':
      return `✅ pass${note}`;
    case 'fail':
      return `❌ **fail**${note}`;
    case 'no-baseline':
      return '⚠️ no baseline';
  }
}

function confusionTable(confusion: { labels: string[]; matrix: number[][] }): string {
  const labels = confusion.labels.map(escapeMarkdown);
  const rows = confusion.matrix.map((counts, i) => [`**${labels[i] ?? ''}**`, ...counts.map(String)]);
  return details(
    'Confusion matrix (rows: true, columns: predicted)',
    table(['', ...labels], ['left', ...labels.map(() => 'right' as const)], rows),
  );
}

function footer(data: ReportData, options: RenderOptions): string {
  const parts = ['mcp validate-metrics'];
  if (options.reportedBy) parts.push(escapeMarkdown(options.reportedBy));
  if (options.runUrl) parts.push(`[run](${encodeURI(options.runUrl)})`);
  if (data.sha) parts.push(`commit ${code(data.sha.slice(0, 7))}`);
  return `<sub>${parts.join(' · ')}</sub>`;
}

/** Markdown is still parsed inside inline HTML, so the text is escaped as everywhere else. */
function code(text: string): string {
  return `<code>${escapeMarkdown(text)}</code>`;
}

/** Four significant digits, no exponent for ordinary metric values. */
export function fmt(value: number | undefined): string {
  if (value === undefined) return '—';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(1);
  if (abs >= 1e-4) return String(Number(value.toPrecision(4)));
  return value.toPrecision(3);
}

function signedFmt(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${fmt(Math.abs(value))}`;
}

function signed(value: number, digits: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value).toFixed(digits)}`;
}

/**
 * The same table as plain text for the log. Names are the user's: control characters go, and
 * every line is indented, so no metric name can start a runner command (`::warning::`…).
 */
export function renderText(data: ReportData): string {
  const clean = (text: string) => text.replace(/\p{Cc}/gu, '?');
  const header = ['metric', 'baseline', 'candidate', 'delta', 'rule', 'result'];
  const lines: string[][] = [];
  for (const row of data.rows) {
    const base = [
      clean(row.name),
      fmt(row.baseline),
      fmt(row.candidate),
      row.delta === undefined ? '—' : signedFmt(row.delta),
    ];
    if (!row.results.length) lines.push([...base, '', '']);
    for (const result of row.results) lines.push([...base, clean(result.rule), result.status]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [format(header), ...lines.map(format)].join('\n');
}
