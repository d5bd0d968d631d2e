import { describe, expect, it } from 'vitest';
import { parseConditions } from './conditions';
import { parseDuration, parseSteps, type StepDefaults } from './steps';

const defaults: StepDefaults = {
  intervalMs: 60_000,
  count: 3,
  success: parseConditions('canary.error_rate < 0.02', 'success'),
  failure: [],
  failureLimit: 0,
  inconclusiveLimit: 1,
};

describe('steps', () => {
  it('a list of weights: every step below 100 measured, the step at 100 not', () => {
    const steps = parseSteps('10, 25,50,100', defaults);
    expect(steps.map((s) => [s.weight, s.count, s.intervalMs])).toEqual([
      [10, 3, 60_000],
      [25, 3, 60_000],
      [50, 3, 60_000],
      [100, 0, 60_000],
    ]);
  });

  it('a YAML list with per-step pause and analysis overrides; 100 added when missing', () => {
    const steps = parseSteps(
      [
        '- 5',
        '- weight: 20',
        '  pause: 30s',
        '  count: 5',
        '  interval: 500ms',
        '  failure: canary.p95_ms > 300',
        '  failure-limit: 2',
        '- weight: 60%',
      ].join('\n'),
      defaults,
    );
    expect(steps.map((s) => s.weight)).toEqual([5, 20, 60, 100]);
    expect(steps[1]).toMatchObject({
      pauseMs: 30_000,
      count: 5,
      intervalMs: 500,
      failureLimit: 2,
      inconclusiveLimit: 1,
    });
    expect(steps[1]?.failure.map((c) => c.text)).toEqual(['canary.p95_ms > 300']);
    expect(steps[1]?.success).toBe(defaults.success);
  });

  it.each([
    ['', 'steps: empty (expected e.g. 10,25,50,100)'],
    ['10,5,100', 'steps: weights must rise, but step 2 (5) follows 10'],
    ['10,150', 'steps[2]: weight "150" is not a percentage above 0 and at most 100'],
    [
      '- weight: 10\n  wait: 5s',
      'steps[1]: unknown key "wait" (a step may have weight, pause, count, interval, success, failure, failure-limit, inconclusive-limit)',
    ],
    [
      '- weight: 10\n  pause: soon',
      'steps[1].pause: "soon" is not a duration (e.g. 500ms, 30s, 5m, 1h30m, or seconds)',
    ],
    [
      '- weight: 10\n  failure: canary.x >> 1',
      'steps[1].failure line 1, column 10: expected a comparison (<, <=, >, >=, ==), found ">>"',
    ],
    ['a: b', 'steps: expected 10,25,50,100 or a YAML list of steps, found object'],
  ])('%j → %s', (text, message) => {
    expect(() => parseSteps(text, defaults)).toThrow(message);
  });

  it('durations', () => {
    expect(parseDuration('1h30m', 'interval')).toBe(5_400_000);
    expect(parseDuration('90', 'interval')).toBe(90_000);
    expect(parseDuration('0', 'pause', true)).toBe(0);
    expect(() => parseDuration('0', 'interval')).toThrow('interval: "0" is not a duration');
  });
});
