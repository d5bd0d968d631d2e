import { details, escapeMarkdown, table } from '../markdown';
import { compare } from '../metrics';
import type { Interval, MetricRow, RuleResult, Verdict } from './evaluate';

export interface ReportContext {
  title: string;
  /** Hidden marker at the top: keys the sticky comment. */
  marker: string;
  /** Hidden metadata line, so a later `workflow_run` job can post this report. */
  meta: ReportMeta;
  candidateSource: string;
  baselineSource?: string;
  bootstrap?: { resamples: number; confidence: number };
  confusion?: { labels: string[]; matrix: number[][] };
  runUrl?: string;
  sha?: string;
}

export interface ReportMeta {
  action: 'validate-metrics';
  title: string;
  passed: boolean;
  repository?: string;
  change?: number;
  sha?: string;
}

const META_PREFIX = '<!-- mcp-report ';
const VISIBLE_ROWS = 20;

export function readReportMeta(markdown: string): ReportMeta | undefined {
  const line = markdown.split('\n').find((l) => l.startsWith(META_PREFIX));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice(META_PREFIX.length, line.lastIndexOf(' -->'))) as ReportMeta;
  } catch {
    return undefined;
  }
}

/** The markdown report: verdict first, then the metric table, failing rows first. */
export function renderReport(verdict: Verdict, context: ReportContext, limit: number): string {
  const failed = verdict.results.filter((r) => r.status === 'fail').length;
  const noBaseline = verdict.results.filter((r) => r.status === 'no-baseline').length;
  const icon = verdict.passed ? '✅' : '❌';
  const counts = [
    `${verdict.results.length} rule${verdict.results.length === 1 ? '' : 's'}`,
    `${failed} failed`,
    ...(noBaseline ? [`${noBaseline} without baseline`] : []),
  ].join(', ');
  const sources = [
    `candidate ${code(context.candidateSource)}`,
    context.baselineSource ? `baseline ${code(context.baselineSource)}` : 'no baseline',
    ...(context.bootstrap
      ? [
          `${Math.round(context.bootstrap.confidence * 100)}% paired-bootstrap intervals (${context.bootstrap.resamples} resamples)`,
        ]
      : []),
  ].join(' · ');
  const head = [
    context.marker,
    `${META_PREFIX}${JSON.stringify(context.meta).replace(/--/g, '-\\u002d')} -->`,
    `### ${icon} ${escapeMarkdown(context.title)}: ${verdict.passed ? 'passed' : 'failed'}`,
    '',
    `**${counts}** · ${sources}`,
    '',
  ];
  const rows = verdict.rows.flatMap(tableRows);
  const main = rows.filter((r) => r.ruled);
  const rest = rows.filter((r) => !r.ruled);
  const visible = main.length + rest.length > VISIBLE_ROWS ? main : [...main, ...rest];
  const folded = visible === main ? rest : [];
  const tail = footer(context);
  const extra = context.confusion ? `\n\n${confusionTable(context.confusion)}` : '';
  const render = (foldedCount: number, omitted: number) => {
    const parts = [...head];
    if (visible.length) parts.push(metricTable(visible.map((r) => r.cells)));
    else parts.push('_No metrics._');
    if (foldedCount) {
      parts.push(
        '',
        details(`${foldedCount} more metrics`, metricTable(folded.slice(0, foldedCount).map((r) => r.cells))),
      );
    }
    if (omitted) {
      parts.push(
        '',
        `_${omitted} rows left out to stay under this platform’s size limit; the job’s report file has them all._`,
      );
    }
    return `${parts.join('\n')}${extra}\n\n${tail}\n`;
  };
  let text = render(folded.length, 0);
  if (text.length <= limit) return text;
  // Over the limit: drop folded rows (least important) until it fits.
  let keep = folded.length;
  while (keep > 0 && text.length > limit) {
    keep = Math.floor(keep * 0.8);
    text = render(keep, folded.length - keep);
  }
  if (text.length > limit) {
    const cut = '\n\n_Report truncated to the size limit._\n';
    text = text.slice(0, limit - cut.length) + cut;
  }
  return text;
}

interface TableRow {
  ruled: boolean;
  cells: string[];
}

function tableRows(row: MetricRow): TableRow[] {
  const name = escapeMarkdown(row.name);
  const common = [name, fmt(row.baseline), candidateCell(row), deltaCell(row)];
  if (!row.results.length) return [{ ruled: false, cells: [...common, '', ''] }];
  return row.results.map((result) => ({
    ruled: true,
    cells: [...common, escapeMarkdown(result.rule.text), resultCell(result)],
  }));
}

function metricTable(rows: string[][]): string {
  return table(
    ['Metric', 'Baseline', 'Candidate', 'Δ', 'Rule', 'Result'],
    ['left', 'right', 'right', 'right', 'left', 'left'],
    rows,
  );
}

function candidateCell(row: MetricRow): string {
  if (row.candidate === undefined) return '—';
  if (row.folds) return `${fmt(row.candidate)} ± ${fmt(row.folds.std)} (${row.folds.n} folds)`;
  return fmt(row.candidate);
}

function deltaCell(row: MetricRow): string {
  if (row.delta === undefined || row.baseline === undefined) return '—';
  const good = row.direction === 'higher' ? row.delta > 0 : row.delta < 0;
  const mark = row.delta === 0 ? '⚪' : good ? '🟢' : '🔴';
  const relative = row.baseline !== 0 ? ` (${signed((row.delta / Math.abs(row.baseline)) * 100, 1)}%)` : '';
  const ci = row.deltaInterval
    ? ` [${signedFmt(row.deltaInterval.low)}, ${signedFmt(row.deltaInterval.high)}]`
    : '';
  return `${mark} ${signedFmt(row.delta)}${relative}${ci}`;
}

function resultCell(result: RuleResult): string {
  const significance = result.significance;
  let note = '';
  if (significance && 'interval' in significance) {
    note = significance.significant
      ? ' (significant)'
      : result.status === 'pass' &&
          result.bound !== undefined &&
          !compare(result.rule.op, result.candidate, result.bound)
        ? ' (within noise)'
        : '';
    note += ` slack ${intervalText(significance.interval)}`;
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
  const rows = confusion.matrix.map((counts, i) => [`**${labels[i]}**`, ...counts.map(String)]);
  return details(
    'Confusion matrix (rows: true, columns: predicted)',
    table(['', ...labels], ['left', ...labels.map(() => 'right' as const)], rows),
  );
}

function footer(context: ReportContext): string {
  const parts = ['mcp validate-metrics'];
  if (context.runUrl) parts.push(`[run](${encodeURI(context.runUrl)})`);
  if (context.sha) parts.push(`commit ${code(context.sha.slice(0, 7))}`);
  return `<sub>${parts.join(' · ')}</sub>`;
}

function code(text: string): string {
  return `<code>${escapeMarkdown(text)
    .replace(/\\([\\`*_{}[\]()#+!|~])/g, '$1')
    .replace(/\|/g, '&#124;')}</code>`;
}

function intervalText(i: Interval): string {
  return `[${signedFmt(i.low)}, ${signedFmt(i.high)}]`;
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

/** The same verdict as plain text for the log. */
export function renderText(verdict: Verdict): string {
  const header = ['metric', 'baseline', 'candidate', 'delta', 'rule', 'result'];
  const lines: string[][] = [];
  for (const row of verdict.rows) {
    const base = [
      row.name,
      fmt(row.baseline),
      fmt(row.candidate),
      row.delta === undefined ? '—' : signedFmt(row.delta),
    ];
    if (!row.results.length) lines.push([...base, '', '']);
    for (const result of row.results) lines.push([...base, result.rule.text, result.status]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(header), ...lines.map(format)].join('\n');
}
