import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { type Metrics, parseRules } from '../metrics';
import { evaluate, metricDirection } from './evaluate';

const metrics = (values: Record<string, number | number[]>): Metrics =>
  new Map(
    Object.entries(values).map(([name, v]) => {
      if (!Array.isArray(v)) return [name, { value: v }];
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      return [
        name,
        { value: mean, folds: { values: v, mean, std, min: Math.min(...v), max: Math.max(...v) } },
      ];
    }),
  );

const judge = (candidate: Metrics, rules: string, extra: Partial<Parameters<typeof evaluate>[0]> = {}) =>
  evaluate({ candidate, rules: parseRules(rules), requireBaseline: false, confidence: 0.95, ...extra });

describe('evaluate', () => {
  it('passes and fails absolute and baseline rules', () => {
    const verdict = judge(metrics({ f1: 0.84, accuracy: 0.9 }), 'f1 >= 0.85\naccuracy >= baseline - 0.01', {
      baseline: metrics({ f1: 0.8, accuracy: 0.905 }),
    });
    expect(verdict.passed).toBe(false);
    expect(verdict.results.map((r) => [r.rule.metric, r.status, r.bound])).toEqual([
      ['f1', 'fail', 0.85],
      ['accuracy', 'pass', 0.895],
    ]);
    expect(verdict.rows[0]?.name).toBe('f1');
    expect(verdict.rows[1]?.delta).toBeCloseTo(-0.005, 12);
  });

  it('without a baseline, baseline rules report "no baseline" and fail only when one is required', () => {
    const candidate = metrics({ accuracy: 0.9 });
    expect(judge(candidate, 'accuracy >= baseline').results[0]?.status).toBe('no-baseline');
    expect(judge(candidate, 'accuracy >= baseline').passed).toBe(true);
    expect(judge(candidate, 'accuracy >= baseline', { requireBaseline: true }).passed).toBe(false);
  });

  it('judges a K-fold metric by its mean and lets rules name its spread', () => {
    const verdict = judge(metrics({ f1: [0.8, 0.9, 0.85] }), 'f1 >= 0.85\nf1.std <= 0.03\nf1.min >= 0.81');
    expect(verdict.results.map((r) => r.status)).toEqual(['pass', 'fail', 'fail']);
    expect(verdict.rows.find((r) => r.name === 'f1')?.folds).toEqual({
      std: expect.closeTo(0.0408, 4),
      n: 3,
    });
  });

  it('refuses a rule on a metric the file lacks, naming the near ones', () => {
    const candidate = metrics({ f1_score: 0.9, accuracy: 0.8 });
    expect(() => judge(candidate, 'f1score >= 0.8')).toThrow(InputError);
    expect(() => judge(candidate, 'f1score >= 0.8')).toThrow(
      'rules line 1: metric "f1score" is not in the candidate\'s metrics (near: f1_score)',
    );
  });

  it('infers whether a metric should go up or down, from its rules first', () => {
    const rules = parseRules('score <= 3');
    expect(metricDirection('score', rules)).toBe('lower');
    expect(metricDirection('val_loss', [])).toBe('lower');
    expect(metricDirection('latency_ms', [])).toBe('lower');
    expect(metricDirection('f1', [])).toBe('higher');
  });
});

describe('noise-aware rules (`if significant`)', () => {
  const resampled = (center: number, spread: number) =>
    Float64Array.from({ length: 1000 }, (_, i) => center + spread * ((i / 999) * 2 - 1));

  it('a drop inside the bootstrap noise passes, with the interval reported', () => {
    const verdict = judge(metrics({ f1: 0.848 }), 'f1 >= baseline - 0.001 if significant', {
      baseline: metrics({ f1: 0.85 }),
      // Reversed: the two models' resampled scores are not perfectly correlated.
      replicates: { f1: { candidate: resampled(0.848, 0.02), baseline: resampled(0.85, 0.02).reverse() } },
    });
    const result = verdict.results[0];
    expect(result?.status).toBe('pass');
    expect(result?.significance).toMatchObject({ significant: false });
    expect(verdict.passed).toBe(true);
  });

  it('a drop beyond the noise fails as significant', () => {
    const verdict = judge(metrics({ f1: 0.7 }), 'f1 >= baseline - 0.001 if significant', {
      baseline: metrics({ f1: 0.85 }),
      replicates: { f1: { candidate: resampled(0.7, 0.01), baseline: resampled(0.85, 0.01) } },
    });
    expect(verdict.results[0]?.status).toBe('fail');
    expect(verdict.results[0]?.significance).toMatchObject({ significant: true });
    const significance = verdict.results[0]?.significance;
    if (!significance || !('interval' in significance)) throw new Error('expected an interval');
    const interval = significance.interval;
    expect(interval.high).toBeLessThan(0);
  });

  it('an absolute bar with a candidate-only bootstrap: fails only when the whole interval misses it', () => {
    const replicates = { f1: { candidate: resampled(0.84, 0.02) } };
    expect(judge(metrics({ f1: 0.84 }), 'f1 >= 0.85 if significant', { replicates }).passed).toBe(true);
    const far = { f1: { candidate: resampled(0.7, 0.02) } };
    expect(judge(metrics({ f1: 0.7 }), 'f1 >= 0.85 if significant', { replicates: far }).passed).toBe(false);
  });

  it('without predictions to bootstrap, the rule is judged plainly and says so', () => {
    const verdict = judge(metrics({ f1: 0.84 }), 'f1 >= 0.85 if significant');
    expect(verdict.results[0]?.status).toBe('fail');
    expect(verdict.results[0]?.significance).toEqual({
      unavailable: 'no predictions to bootstrap; judged as a plain rule',
    });
  });

  it('gives each Δ its interval when both sides were resampled', () => {
    const verdict = judge(metrics({ f1: 0.86 }), '', {
      baseline: metrics({ f1: 0.85 }),
      replicates: { f1: { candidate: resampled(0.86, 0.01), baseline: resampled(0.85, 0.01) } },
    });
    expect(verdict.rows[0]?.deltaInterval?.low).toBeCloseTo(0.01, 9);
    expect(verdict.rows[0]?.deltaInterval?.high).toBeCloseTo(0.01, 9);
  });
});
