import { describe, expect, it } from 'vitest';
import { commentMarker } from '../markdown';
import { type Metrics, parseRules } from '../metrics';
import { evaluate } from './evaluate';
import { fmt, type ReportContext, readReportMeta, renderReport } from './report';

const metrics = (values: Record<string, number>): Metrics =>
  new Map(Object.entries(values).map(([k, v]) => [k, { value: v }]));

const context: ReportContext = {
  title: 'Metric gate',
  marker: commentMarker('validate-metrics', 'Metric gate'),
  meta: { action: 'validate-metrics', title: 'Metric gate', passed: false, change: 3, sha: 'abc' },
  candidateSource: 'metrics.json',
  baselineSource: 'main:metrics.json',
  runUrl: 'https://github.com/o/r/actions/runs/1',
  sha: 'abcdef0123',
};

function many(n: number, prefix = 'm'): Record<string, number> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}_${i}`, i / n]));
}

describe('the markdown report', () => {
  it('starts with the marker and the verdict, then the table with failing rows first', () => {
    const verdict = evaluate({
      candidate: metrics({ a: 0.9, b: 0.5, loss: 0.2 }),
      baseline: metrics({ a: 0.8, b: 0.6, loss: 0.3 }),
      rules: parseRules('a >= 0.85\nb >= 0.55'),
      requireBaseline: false,
      confidence: 0.95,
    });
    const report = renderReport(verdict, context, 65_536);
    const lines = report.split('\n');
    expect(lines[0]).toBe(context.marker);
    expect(lines[2]).toBe('### ❌ Metric gate: failed');
    const rows = lines.filter((l) => /^\| [a-z]/.test(l));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| b', '| a', '| loss']);
    expect(rows[0]).toBe('| b | 0.6 | 0.5 | 🔴 −0.1 (−16.7%) | b &gt;= 0.55 | ❌ **fail** |');
    // loss went down: good for a loss.
    expect(rows[2]).toContain('🟢 −0.1');
    expect(readReportMeta(report)).toEqual(context.meta);
    expect(report).toContain('[run](https://github.com/o/r/actions/runs/1) · commit <code>abcdef0</code>');
  });

  it('folds rows beyond 20 into <details>, keeping ruled rows visible', () => {
    const candidate = metrics({ ...many(30), keep: 1 });
    const verdict = evaluate({
      candidate,
      rules: parseRules('keep >= 1'),
      requireBaseline: false,
      confidence: 0.95,
    });
    const report = renderReport(verdict, context, 65_536);
    const [visible, folded] = report.split('<details><summary>30 more metrics</summary>');
    expect(visible).toContain('| keep |');
    expect(visible).not.toContain('| m\\_0 |');
    expect(folded).toContain('| m\\_29 |');
  });

  it('stays under the size limit, saying what it left out', () => {
    const candidate = metrics(many(3000, 'a_rather_long_metric_name_to_fill_the_comment'));
    const verdict = evaluate({ candidate, rules: [], requireBaseline: false, confidence: 0.95 });
    const report = renderReport(verdict, context, 65_536);
    expect(report.length).toBeLessThanOrEqual(65_536);
    expect(report).toMatch(/_\d+ rows left out to stay under this platform’s size limit/);
    expect(report.trimEnd().endsWith('</sub>')).toBe(true);
    expect(renderReport(verdict, context, Number.POSITIVE_INFINITY)).toContain(
      'a\\_rather\\_long\\_metric\\_name\\_to\\_fill\\_the\\_comment\\_2999',
    );
  });

  it('escapes metric names and titles that users control', () => {
    const verdict = evaluate({
      candidate: metrics({ 'x|<b>y</b>': 1 }),
      rules: [],
      requireBaseline: false,
      confidence: 0.95,
    });
    const report = renderReport(verdict, { ...context, title: '<script>@team' }, 65_536);
    expect(report).not.toContain('<b>');
    expect(report).not.toContain('<script>');
    expect(report).toContain('x\\|&lt;b&gt;y&lt;/b&gt;');
    expect(report).toContain('&lt;script&gt;&#64;team');
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
