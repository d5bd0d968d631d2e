import { describe, expect, it } from 'vitest';
import { Deployment, type Measurement } from './record';
import { outcomeLine, renderDeploymentReport } from './summary';

const at = (s: number) => new Date(Date.parse('2026-12-01T10:00:00.000Z') + s * 1000).toISOString();

function measurement(step: number, errorRate: number, result: Measurement['result']): Measurement {
  return {
    step,
    n: 1,
    at: at(step * 10 + 5),
    result,
    reason:
      result === 'success'
        ? 'every condition passed'
        : `success condition not met: canary.error_rate < 0.05 (${errorRate} vs 0.05)`,
    values: { canary: { error_rate: errorRate, requests: 50 }, stable: { error_rate: 0.01, requests: 450 } },
    success: [
      {
        condition: 'canary.error_rate < 0.05',
        line: 1,
        left: errorRate,
        right: 0.05,
        holds: errorRate < 0.05,
      },
    ],
    failure: [],
  };
}

const plan = {
  count: 1,
  intervalMs: 1000,
  pauseMs: 0,
  success: ['canary.error_rate < 0.05'],
  failure: [],
  failureLimit: 0,
  inconclusiveLimit: 1,
};

/** A canary of churn@v1.1.0 that failed its checks at 50%: traffic went back to v1.0.0. */
const aborted = Deployment.parse({
  schemaVersion: 1,
  id: 'production/3',
  number: 3,
  kind: 'canary',
  environment: 'production',
  model: 'churn',
  version: 'v1.1.0',
  stableVersion: 'v1.0.0',
  provider: { type: 'command', setWeight: 'true', timeoutMs: 1000 },
  analysis: { type: 'command', command: 'measure', timeoutMs: 1000 },
  steps: [
    {
      ...plan,
      weight: 10,
      startedAt: at(0),
      finishedAt: at(8),
      verdict: 'passed',
      reason: '1 success',
      measurements: [measurement(0, 0.01, 'success')],
      hooks: [],
    },
    {
      ...plan,
      weight: 50,
      startedAt: at(10),
      finishedAt: at(16),
      verdict: 'failed',
      reason: 'step 2 of 3 (50%): 1 failed check, over failure-limit 0',
      measurements: [measurement(1, 0.3, 'failure')],
      hooks: [{ step: 1, hook: 'before-step', at: at(10), exitCode: 0, ms: 20, output: '' }],
    },
    {
      ...plan,
      weight: 100,
      count: 0,
      startedAt: null,
      finishedAt: null,
      verdict: 'not-reached',
      reason: null,
      measurements: [],
      hooks: [],
    },
  ],
  hooks: { beforeStep: 'load-test', afterStep: null },
  onInterrupted: 'rollback',
  reason: null,
  actor: 'alice',
  runUrl: null,
  commit: null,
  weights: [
    { step: 0, weight: 10, at: at(0), ok: true, ms: 5 },
    { step: 1, weight: 50, at: at(10), ok: true, ms: 5 },
    { step: null, weight: 0, at: at(17), ok: true, ms: 5 },
  ],
  interruptions: [],
  outcome: 'rolled-back',
  outcomeReason: 'step 2 of 3 (50%): 1 failed check, over failure-limit 0',
  stableAfter: 'v1.0.0',
  startedAt: at(0),
  finishedAt: at(18),
});

describe('the deployment report', () => {
  it('shows each step with its verdict, the abort back to the stable version, and the judged value as a chart', () => {
    const markdown = renderDeploymentReport({ deployment: aborted });
    expect(markdown).toContain(
      '### Canary <code>churn&#64;v1.1.0</code> in <code>production</code>: rolled back',
    );
    expect(markdown).toContain(
      '| 1 | 10% | 1 success; last: every condition passed | passed | 10:00:00 (8.0 s) |\n' +
        '| 2 | 50% | 1 failure; last: success condition not met: canary.error\\_rate &lt; 0.05 \\(0.3 vs 0.05\\); before-step exit 0 | failed: step 2 of 3 \\(50%\\): 1 failed check, over failure-limit 0 | 10:00:10 (6.0 s) |\n' +
        '| 3 | 100% |  | not reached |  |\n' +
        '|  | 0% |  | traffic back on the stable version | 10:00:17 |',
    );
    // Only the value the conditions judge is charted, not every number the source gave.
    expect(markdown).toContain(
      [
        '```mermaid',
        'xychart-beta',
        '  title "error_rate: canary (bars), stable (line)"',
        '  x-axis ["10% #1", "50% #1"]',
        '  y-axis "error_rate" 0 --> 0.33',
        '  bar [0.01, 0.3]',
        '  line [0.01, 0.01]',
        '```',
      ].join('\n'),
    );
    expect(markdown).not.toContain('requests');
    expect(outcomeLine(aborted)).toBe(
      'production/3: churn@v1.1.0 in production rolled back: step 2 of 3 (50%): 1 failed check, over failure-limit 0; v1.0.0 serves all traffic',
    );
  });

  it('keeps user text from breaking out of the table or the chart', () => {
    const hostile = Deployment.parse({
      ...aborted,
      reason: 'pager | <b>@oncall</b>',
      steps: aborted.steps.map((s) => ({
        ...s,
        measurements: s.measurements.map((m) => ({
          ...m,
          values: { canary: { 'x"]\n': 1, error_rate: 0.1 }, stable: {} },
        })),
      })),
    });
    const markdown = renderDeploymentReport({ deployment: hostile });
    expect(markdown).toContain('Reason: pager \\| &lt;b&gt;&#64;oncall&lt;/b&gt;');
    expect(markdown).not.toMatch(/x"\]/);
  });
});
