import { describe, expect, it } from 'vitest';
import { commentMarker } from '../markdown';
import { type Metrics, parseRules } from '../metrics';
import { evaluate } from './evaluate';
import { fmt, renderReport, renderText, utf8Bytes } from './report';
import { parseReportData, type ReportSources, toReportData } from './report-data';

const metrics = (values: Record<string, number>): Metrics =>
  new Map(Object.entries(values).map(([k, v]) => [k, { value: v }]));

const marker = commentMarker('validate-metrics', 'Metric gate');
const sources: ReportSources = {
  title: 'Metric gate',
  change: 3,
  sha: 'abcdef0123',
  candidateSource: 'metrics.json',
  baselineSource: 'main:metrics.json',
};
const options = { marker, limit: 65_536, runUrl: 'https://github.com/o/r/actions/runs/1' };

function report(
  candidate: Metrics,
  rules: string,
  extra: { baseline?: Metrics; sources?: Partial<ReportSources> } = {},
) {
  const verdict = evaluate({
    candidate,
    baseline: extra.baseline,
    rules: parseRules(rules),
    requireBaseline: false,
    confidence: 0.95,
  });
  return toReportData(verdict, { ...sources, ...extra.sources });
}

function many(n: number, prefix = 'm'): Record<string, number> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}_${i}`, i / n]));
}

describe('the markdown report', () => {
  it('starts with the marker and the verdict, then the table with failing rows first', () => {
    const data = report(metrics({ a: 0.9, b: 0.5, loss: 0.2 }), 'a >= 0.85\nb >= 0.55', {
      baseline: metrics({ a: 0.8, b: 0.6, loss: 0.3 }),
    });
    const lines = renderReport(data, options).split('\n');
    expect(lines[0]).toBe(marker);
    expect(lines[1]).toBe('### ❌ Metric gate: failed');
    const rows = lines.filter((l) => /^\| [a-z]/.test(l));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| b', '| a', '| loss']);
    expect(rows[0]).toBe('| b | 0.6 | 0.5 | 🔴 −0.1 (−16.7%) | b &gt;= 0.55 | ❌ **fail** |');
    // loss went down: good for a loss.
    expect(rows[2]).toContain('🟢 −0.1');
    expect(lines.at(-2)).toBe(
      '<sub>mcp validate-metrics · [run](https://github.com/o/r/actions/runs/1) · commit <code>abcdef0</code></sub>',
    );
  });

  it('folds rows beyond 20 into <details>, but never a failing row', () => {
    const candidate = metrics({ ...many(30), low: 0 });
    const rules = ['low >= 1', ...Array.from({ length: 25 }, (_, i) => `m_${i} >= 0`)].join('\n');
    const text = renderReport(report(candidate, rules), options);
    const [visible, folded] = text.split('<details><summary>11 more metrics</summary>');
    expect(visible?.split('\n').filter((l) => /^\| [a-z]/.test(l))).toHaveLength(20);
    expect(visible).toContain('| low | — | 0 | — | low &gt;= 1 | ❌ **fail** |');
    expect(folded).toContain('| m\\_29 |');
  });

  it('keeps every failing row visible even when more than 20 fail', () => {
    const candidate = metrics(many(30));
    const rules = Array.from({ length: 30 }, (_, i) => `m_${i} >= 2`).join('\n');
    const text = renderReport(report(candidate, rules), options);
    expect(text).not.toContain('<details>');
    expect(text.split('❌ **fail**')).toHaveLength(31);
  });

  it('stays under the size limit, saying what it left out', () => {
    const data = report(metrics(many(3000, 'a_rather_long_metric_name_to_fill_the_comment')), '');
    const text = renderReport(data, options);
    expect(text.length).toBeLessThanOrEqual(65_536);
    expect(text).toMatch(/_\d+ rows left out to stay under this platform’s size limit/);
    expect(text.trimEnd().endsWith('</sub>')).toBe(true);
    const bytes = renderReport(report(metrics(many(3000, '精度指标')), ''), {
      ...options,
      limit: 20_000,
      measure: utf8Bytes,
    });
    expect(Buffer.byteLength(bytes)).toBeLessThanOrEqual(20_000);
  });

  it('escapes metric names, titles and file paths that users control', () => {
    const data = report(metrics({ 'x|<b>y</b>': 1 }), '', {
      sources: { title: '<script>@team', candidateSource: 'm[x](https:evil.example).json' },
    });
    const text = renderReport(data, options);
    expect(text).not.toContain('<b>');
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('](https:evil');
    expect(text).toContain('x\\|&lt;b&gt;y&lt;/b&gt;');
    expect(text).toContain('&lt;script&gt;&#64;team');
  });

  it('prints numbers with four significant digits', () => {
    expect([fmt(0.123456), fmt(12), fmt(1234.5678), fmt(0.00001234), fmt(-0.5)]).toEqual([
      '0.1235',
      '12',
      '1234.6',
      '0.0000123',
      '-0.5',
    ]);
  });
});

describe('the log table', () => {
  it('cannot start a runner command from a metric name', () => {
    const text = renderText(report(metrics({ 'a\n::warning::owned': 1, '::stop-commands::x': 2 }), ''));
    for (const line of text.split('\n')) expect(line.startsWith('::')).toBe(false);
    expect(text).not.toContain('\n::');
  });
});

describe('stored report data', () => {
  it('round-trips through JSON', () => {
    const data = report(metrics({ f1: 0.9 }), 'f1 >= 0.8', { baseline: metrics({ f1: 0.85 }) });
    expect(parseReportData(JSON.stringify(data))).toEqual(data);
  });

  it('refuses data that a hostile run could craft', () => {
    const data = report(metrics({ f1: 0.9 }), 'f1 >= 0.8');
    expect(parseReportData(JSON.stringify({ ...data, change: '1/../../issues/9' }))).toMatch(
      /^is not a validate-metrics report \(change: /,
    );
    expect(parseReportData(JSON.stringify({ ...data, title: 'x'.repeat(500) }))).toMatch(/title/);
    expect(parseReportData('{"action": "deploy"}')).toMatch(/^is not a validate-metrics report/);
    expect(parseReportData('not json')).toBe('is not JSON');
  });
});
