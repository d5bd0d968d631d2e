// The CLI bundle as a user or another CI runs it: the local platform, real files, real git.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repoWithPullRequest, tempDir, writeFiles } from '../helpers/git';
import { REPORT_PATH, readGateReport, repoRoot, runNode } from '../helpers/run';

const CLI = 'dist/cli/index.js';
const fixtures = join(repoRoot, 'test', 'fixtures');

async function mcp(cwd: string, ...args: string[]) {
  return runNode(CLI, args, { cwd, env: {} });
}

function workspace(files: Record<string, string> = {}) {
  const dir = tempDir();
  writeFiles(dir, files);
  return dir;
}

describe('mcp validate-metrics (CLI, local platform)', () => {
  it('--json prints the outputs as one JSON object on stdout, logs on stderr', async () => {
    const dir = workspace({ 'm.json': '{"f1": 0.9, "loss": 0.2}' });
    const run = await mcp(dir, 'validate-metrics', '--metrics', 'm.json', '--rules', 'f1 >= 0.85', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      passed: 'true',
      report: expect.stringMatching(REPORT_PATH),
      metrics: '{"f1":0.9,"loss":0.2}',
      'failed-rules': '[]',
    });
    expect(run.stderr).toContain('Metric gate: passed (0 of 1 rules failed)');
    expect(readGateReport(dir)).toContain('✅ Metric gate: passed');
  });

  it('exits 1 when a rule fails, 0 with fail-on never', async () => {
    const dir = workspace({ 'm.json': '{"f1": 0.8}' });
    const failed = await mcp(dir, 'validate-metrics', '--metrics', 'm.json', '--rules', 'f1 >= 0.85');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('error: Metric gate: failed (1 of 1 rules failed): f1 >= 0.85');
    const reported = await mcp(
      dir,
      'validate-metrics',
      '--metrics',
      'm.json',
      '--rules',
      'f1 >= 0.85',
      '--fail-on',
      'never',
    );
    expect(reported.code).toBe(0);
    expect(reported.stderr).toContain('fail-on is never');
  });

  it('takes the original design’s shorthand: --metric f1_score --threshold 0.85', async () => {
    const dir = workspace({ 'm.json': '{"f1_score": 0.84, "latency": 12}' });
    const low = await mcp(
      dir,
      'validate-metrics',
      '--metrics',
      'm.json',
      '--metric',
      'f1_score',
      '--threshold',
      '0.85',
    );
    expect(low.code).toBe(1);
    const lower = await mcp(
      dir,
      'validate-metrics',
      '--metrics',
      'm.json',
      '--metric',
      'latency',
      '--threshold',
      '15',
      '--direction',
      'lower',
      '--json',
    );
    expect(lower.code).toBe(0);
    expect(JSON.parse(lower.stdout).passed).toBe('true');
  });

  it('reads the baseline from a git ref, as dvc metrics diff main does', async () => {
    const repo = repoWithPullRequest({ 'eval/m.json': '{"acc": 0.9}' }, { 'eval/m.json': '{"acc": 0.88}' });
    const run = await mcp(
      repo.work,
      'validate-metrics',
      '--metrics',
      'eval/m.json',
      '--baseline',
      'ref:main',
      '--rules',
      'acc >= baseline - 0.01',
      '--json',
    );
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)['failed-rules']).toBe('["acc >= baseline - 0.01"]');
    const missing = await mcp(
      repo.work,
      'validate-metrics',
      '--metrics',
      'eval/m.json',
      '--baseline',
      'ref:nope',
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      'error: baseline: eval/m.json does not exist at git ref "nope" (or the ref is unknown)',
    );
  });

  it('judges K-fold scores by their mean and shows mean ± std', async () => {
    const dir = workspace({ 'cv.json': '{"f1": [0.80, 0.84, 0.82, 0.86, 0.83]}' });
    const run = await mcp(
      dir,
      'validate-metrics',
      '--metrics',
      'cv.json',
      '--rules',
      'f1 >= 0.82\nf1.std <= 0.01',
      '--json',
    );
    expect(run.code).toBe(1);
    expect(JSON.parse(JSON.parse(run.stdout)['failed-rules'])).toEqual(['f1.std <= 0.01']);
    const report = readGateReport(dir);
    expect(report).toContain('0.83 ± 0.02 (5 folds)');
  });

  it('computes metrics from predictions and gates noise-aware against the baseline’s predictions', async () => {
    const dir = workspace();
    cpSync(join(fixtures, 'sklearn', 'binary_01.csv'), join(dir, 'pred.csv'));
    cpSync(join(fixtures, 'sklearn', 'binary_01_baseline.csv'), join(dir, 'base.csv'));
    const expected = JSON.parse(readFileSync(join(fixtures, 'sklearn', 'binary_01.json'), 'utf8'));
    const run = await mcp(
      dir,
      'validate-metrics',
      '--predictions',
      'pred.csv',
      '--baseline-predictions',
      'base.csv',
      '--rules',
      'f1 >= baseline + 0.5 if significant\naccuracy >= baseline - 0.001 if significant',
      '--json',
    );
    const computed = JSON.parse(JSON.parse(run.stdout).metrics);
    for (const name of [
      'accuracy',
      'precision',
      'recall',
      'f1',
      'roc_auc',
      'log_loss',
      'balanced_accuracy',
    ]) {
      expect(computed[name]).toBeCloseTo(expected.metrics[name], 9);
    }
    const report = readGateReport(dir);
    expect(report).toContain('95% paired-bootstrap intervals (1000 resamples)');
    expect(report).toContain('Confusion matrix');
    expect(report).toMatch(
      /\| f1 \| [\d.]+ \| [\d.]+ \| [🟢🔴⚪] [+−±][\d.]+ \([+−±][\d.]+%\) \[[+−±][\d.]+, [+−±][\d.]+\]/u,
    );
    // Identical runs give identical reports: the bootstrap is seeded.
    const again = await mcp(
      dir,
      'validate-metrics',
      '--predictions',
      'pred.csv',
      '--baseline-predictions',
      'base.csv',
      '--rules',
      'f1 >= baseline + 0.5 if significant\naccuracy >= baseline - 0.001 if significant',
    );
    expect(again.code).toBe(run.code);
    expect(readGateReport(dir)).toBe(report);
  });

  it('reads the baseline predictions from a git ref', async () => {
    const candidate = readFileSync(join(fixtures, 'sklearn', 'binary_01.csv'), 'utf8');
    const baseline = readFileSync(join(fixtures, 'sklearn', 'binary_01_baseline.csv'), 'utf8');
    const repo = repoWithPullRequest({ 'pred.csv': baseline }, { 'pred.csv': candidate });
    const run = await mcp(
      repo.work,
      'validate-metrics',
      '--predictions',
      'pred.csv',
      '--baseline-predictions',
      'ref:main',
      '--resamples',
      '200',
      '--json',
    );
    expect(run.code).toBe(0);
    const report = readGateReport(repo.work);
    expect(report).toContain('baseline <code>ref:main</code>');
    expect(report).toContain('(200 resamples)');
    expect(git(repo.work, 'status', '--porcelain')).toBe('?? .mcp/');
  });

  it('shows help with every input and the version', async () => {
    const help = await mcp(tempDir(), 'validate-metrics', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--baseline-predictions');
    const version = await mcp(tempDir(), '--version');
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('bad input: exit 2, one line naming the input, nothing written', () => {
  const cases: [string, Record<string, string>, string[], RegExp][] = [
    ['a missing file', {}, ['--metrics', 'nope.json'], /^error: metrics: no such file "nope\.json"$/],
    [
      'malformed JSON',
      { 'm.json': '{\n "f1": 0.9,\n}' },
      ['--metrics', 'm.json'],
      /^error: metrics: m\.json line 3, column 1: /,
    ],
    [
      'malformed YAML',
      { 'm.yaml': 'f1: [0.9\nacc: 1\n' },
      ['--metrics', 'm.yaml'],
      /^error: metrics: m\.yaml line \d+/,
    ],
    [
      'malformed CSV',
      { 'm.csv': 'metric,value\nf1,"0.9\n' },
      ['--metrics', 'm.csv'],
      /^error: metrics: m\.csv line \d+/,
    ],
    [
      'NaN from Python',
      { 'm.json': '{"f1": NaN}' },
      ['--metrics', 'm.json'],
      /^error: metrics: m\.json: metric "f1" is NaN/,
    ],
    [
      'an infinite value',
      { 'm.yaml': 'loss: .inf\n' },
      ['--metrics', 'm.yaml'],
      /^error: metrics: m\.yaml: metric "loss" is Infinity \(expected a finite number\)$/,
    ],
    [
      'a rule that does not parse',
      { 'm.json': '{"f1": 1}' },
      ['--metrics', 'm.json', '--rules', 'f1 => 0.8'],
      /^error: rules line 1, column 4: expected an operator/,
    ],
    [
      'a metric the file lacks',
      { 'm.json': '{"f1_score": 1}' },
      ['--metrics', 'm.json', '--rules', 'f1score >= 0.8'],
      /^error: rules line 1: metric "f1score" is not in the candidate's metrics \(near: f1_score\)$/,
    ],
    [
      'predictions without y_true',
      { 'p.csv': 'label,y_pred\n1,1\n' },
      ['--predictions', 'p.csv'],
      /^error: predictions: p\.csv has no column y_true/,
    ],
    [
      'a non-numeric score',
      { 'p.csv': 'y_true,y_score\n1,0.3\n0,abc\n' },
      ['--predictions', 'p.csv'],
      /^error: predictions: p\.csv line 3: y_score "abc" is not a number/,
    ],
    [
      'a bad choice',
      { 'm.json': '{"f1": 1}' },
      ['--metrics', 'm.json', '--comment', 'sometimes'],
      /^error: comment: "sometimes" is not one of auto, always, never$/,
    ],
    [
      'a bad threshold',
      { 'm.json': '{"f1": 1}' },
      ['--metrics', 'm.json', '--metric', 'f1', '--threshold', 'high'],
      /^error: threshold: /,
    ],
    ['no metrics at all', {}, ['--rules', 'f1 >= 1'], /^error: metrics: give a metrics file/],
    [
      'an unknown flag',
      {},
      ['--metric-file', 'x'],
      /^error: --metric-file: validate-metrics has no such input/,
    ],
  ];

  it.each(cases)('%s', async (_, files, args, message) => {
    const dir = workspace(files);
    const run = await mcp(dir, 'validate-metrics', ...args);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, '.mcp'))).toBe(false);
  });
});
