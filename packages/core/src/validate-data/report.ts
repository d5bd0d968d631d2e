import { escapeMarkdown, table } from '../markdown';
import {
  type ColumnResult,
  type Comparison,
  type Histogram,
  SCORE_THRESHOLDS,
  schemaBroken,
} from './compare';
import type { DataRuleResult } from './rules';

export interface DataReport {
  title: string;
  passed: boolean;
  reference: string;
  current: string;
  comparison: Comparison;
  /** Undefined when no rules were given (the gate is then: no column drifted). */
  rules?: DataRuleResult[];
}

/** At most this many drifted columns get a chart: a comment has a size limit. */
const MAX_CHARTS = 8;

const TEST_NAMES = { ks: 'KS', 'chi-square': 'χ²', psi: 'PSI', wasserstein: 'Wasserstein/σ' } as const;
const EFFECT_NAMES = { ks: 'D', 'chi-square': 'V', psi: 'PSI', wasserstein: 'W/σ' } as const;

export function headline(report: DataReport): string {
  const { comparison } = report;
  const drifted = `${comparison.drifted.length} of ${comparison.tested.length} columns drifted`;
  if (!report.rules) {
    const { removed, retyped } = comparison.schema;
    const schema = schemaBroken(comparison.schema)
      ? `; schema changed: ${[...removed.map((c) => `removed ${c.column}`), ...retyped.map((c) => `retyped ${c.column}`)].join(', ')}`
      : '';
    return `${report.title}: ${report.passed ? 'passed' : 'failed'} (${drifted}${schema})`;
  }
  const failed = report.rules.filter((r) => !r.passed).length;
  return `${report.title}: ${report.passed ? 'passed' : 'failed'} (${failed} of ${report.rules.length} rules failed; ${drifted})`;
}

/** How the verdicts were reached, in one paragraph: the tests, the thresholds, the correction. */
export function methodNote(comparison: Comparison): string {
  const { method, correction, alpha } = comparison.options;
  const tests =
    method === 'auto'
      ? 'numeric columns by KS, categorical ones by χ²'
      : `${TEST_NAMES[method]} where it applies, the default test elsewhere`;
  const verdict =
    method === 'psi' || method === 'wasserstein'
      ? `a column drifts at ${TEST_NAMES[method]} ≥ ${SCORE_THRESHOLDS[method]} where it applies, elsewhere at adjusted p < ${alpha}`
      : `drift at adjusted p < ${alpha}`;
  const named = correction === 'bonferroni' ? 'Bonferroni' : 'Benjamini–Hochberg';
  return `Tests: ${tests}. p-values corrected by ${named} across ${comparison.tested.length} columns, ${verdict}.`;
}

export function renderDataMarkdown(
  report: DataReport,
  options: { marker: string; limit: number; runUrl?: string },
): string {
  const { comparison } = report;
  const icon = report.passed ? '✅' : '❌';
  const head = [
    options.marker,
    `### ${icon} ${escapeMarkdown(report.title)}${headline(report).slice(report.title.length)}`,
    '',
    `Reference: ${escapeMarkdown(report.reference)}, ${comparison.reference.rows} rows · Current: ${escapeMarkdown(report.current)}, ${comparison.current.rows} rows`,
    '',
    methodNote(comparison),
  ];
  const rules =
    report.rules && report.rules.length > 0 ? ['', '#### Rules', '', rulesTable(report.rules)] : [];
  const schema = ['', '#### Schema', '', schemaText(comparison)];
  const untested =
    comparison.untested.length > 0
      ? [
          '',
          '#### Not tested',
          '',
          ...comparison.untested.map((u) => `- ${escapeMarkdown(u.column)}: ${escapeMarkdown(u.reason)}`),
        ]
      : [];
  const footer = options.runUrl ? ['', `[Run](${options.runUrl})`] : [];
  const charts = comparison.tested
    .filter((r) => r.drifted)
    .slice(0, MAX_CHARTS)
    .map((r) => chart(r));
  const chartSection =
    charts.length > 0
      ? ['', '#### Drifted columns: reference (bars) and current (line), share of values', '', ...charts]
      : [];
  const build = (columns: ColumnResult[], withCharts: boolean, note = '') =>
    [
      ...head,
      ...rules,
      '',
      '#### Columns',
      '',
      columns.length > 0 ? columnsTable(columns) : 'No column was tested.',
      ...(note ? ['', note] : []),
      ...schema,
      ...untested,
      ...(withCharts ? chartSection : []),
      ...footer,
    ].join('\n');
  let body = build(comparison.tested, true);
  if (body.length <= options.limit) return body;
  body = build(comparison.tested, false);
  if (body.length <= options.limit) return body;
  const drifted = comparison.tested.filter((r) => r.drifted);
  return build(
    drifted,
    false,
    `Only the ${drifted.length} drifted columns are listed: the full table is too long for here.`,
  ).slice(0, options.limit);
}

function rulesTable(results: DataRuleResult[]): string {
  return table(
    ['', 'rule', 'value', 'detail'],
    ['left', 'left', 'right', 'left'],
    results.map((r) => [
      r.passed ? '✅' : '❌',
      `\`${r.rule.replace(/`/g, "'")}\``,
      r.left === undefined ? '' : `${number(r.left)} vs ${number(r.right as number)}`,
      escapeMarkdown(r.detail ?? ''),
    ]),
  );
}

function columnsTable(columns: ColumnResult[]): string {
  // Drifted columns first, then by p-value: what needs a look leads.
  const ordered = [...columns].sort((a, b) => Number(b.drifted) - Number(a.drifted) || a.pValue - b.pValue);
  return table(
    ['', 'column', 'type', 'test', 'statistic', 'p-value (adjusted)', 'effect sizes', 'missing', 'verdict'],
    ['left', 'left', 'left', 'left', 'right', 'right', 'left', 'right', 'left'],
    ordered.map((r) => [
      r.drifted ? '❌' : '✅',
      escapeMarkdown(r.column),
      r.referenceType === r.currentType ? r.currentType : `${r.referenceType} → ${r.currentType}`,
      TEST_NAMES[r.test],
      number(r.statistic),
      `${pValue(r.pValue)} (${pValue(r.adjustedPValue)})`,
      effectSizes(r),
      `${percent(r.missing.reference)} → ${percent(r.missing.current)}`,
      r.drifted ? 'drifted' : 'stable',
    ]),
  );
}

function effectSizes(r: ColumnResult): string {
  return (Object.entries(r.scores) as [keyof typeof EFFECT_NAMES, number][])
    .map(([method, value]) => `${EFFECT_NAMES[method]} ${number(value)}`)
    .join(', ');
}

function schemaText(comparison: Comparison): string {
  const { added, removed, retyped } = comparison.schema;
  if (added.length + removed.length + retyped.length === 0) {
    return `Unchanged: ${comparison.current.columns.length} columns, same names and types.`;
  }
  return [
    ...added.map((c) => `- added: ${escapeMarkdown(c.column)} (${c.type})`),
    ...removed.map((c) => `- removed: ${escapeMarkdown(c.column)} (${c.type})`),
    ...retyped.map((c) => `- retyped: ${escapeMarkdown(c.column)} ${c.from} → ${c.to}`),
  ].join('\n');
}

/** A Mermaid `xychart-beta`: the reference's shares as bars, the current's as a line. */
export function chart(result: ColumnResult): string {
  const h: Histogram = result.histogram;
  const top = Math.max(...h.reference, ...h.current, 0.01);
  const label = (text: string) => `"${text.replace(/["`\\\n\r]/g, "'").slice(0, 24)}"`;
  const shares = (values: number[]) => `[${values.map((v) => Number(v.toFixed(4))).join(', ')}]`;
  return [
    '```mermaid',
    'xychart-beta',
    `  title ${label(`${result.column}: ${TEST_NAMES[result.test]} ${number(result.statistic)}`)}`,
    `  x-axis [${h.labels.map(label).join(', ')}]`,
    `  y-axis "share" 0 --> ${Number((top * 1.1).toFixed(3))}`,
    `  bar ${shares(h.reference)}`,
    `  line ${shares(h.current)}`,
    '```',
  ].join('\n');
}

/** The report as log lines: the verdict, each rule, each column. */
export function renderDataText(report: DataReport): string {
  const { comparison } = report;
  const lines = [
    headline(report),
    `reference: ${report.reference} · current: ${report.current}`,
    methodNote(comparison),
  ];
  for (const r of report.rules ?? []) {
    const values = r.left === undefined ? '' : ` (${number(r.left)} vs ${number(r.right as number)})`;
    lines.push(`  ${r.passed ? 'pass' : 'FAIL'}  ${r.rule}${values}${r.detail ? `: ${r.detail}` : ''}`);
  }
  for (const r of comparison.tested) {
    lines.push(
      `  ${r.drifted ? 'DRIFT' : 'ok   '} ${r.column}: ${TEST_NAMES[r.test]} ${number(r.statistic)}, p ${pValue(r.pValue)} (adjusted ${pValue(r.adjustedPValue)}); ${effectSizes(r)}`,
    );
  }
  for (const u of comparison.untested) lines.push(`  -     ${u.column}: not tested, ${u.reason}`);
  const { added, removed, retyped } = comparison.schema;
  if (added.length + removed.length + retyped.length > 0)
    lines.push(`schema: ${schemaText(comparison).replace(/\n- /g, '; ').replace(/^- /, '')}`);
  return lines.join('\n');
}

function number(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

function pValue(value: number): string {
  return value !== 0 && value < 1e-4 ? value.toExponential(2) : number(value);
}

function percent(share: number): string {
  return `${Number((share * 100).toPrecision(3))} %`;
}
