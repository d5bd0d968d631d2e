import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeMetrics, readPredictions, type Task } from './index';

const FIXTURES = resolve(import.meta.dirname, '../../../../../test/fixtures/sklearn');

interface Expected {
  task: Task;
  posLabel?: string;
  metrics: Record<string, number>;
  confusion?: { labels: string[]; matrix: number[][] };
}

const cases = readdirSync(FIXTURES)
  .filter((file) => file.endsWith('.csv'))
  .map((file) => file.replace(/\.csv$/, ''));

describe('metrics equal scikit-learn 1.2.1 on the generated fixtures', () => {
  it('has a fixture for every kind of case', () => {
    expect(cases).toEqual(
      expect.arrayContaining([
        'binary_01',
        'binary_strings',
        'binary_ties',
        'multiclass_strings',
        'multiclass_zero_division',
        'multiclass_argmax',
        'regression',
        'regression_constant',
      ]),
    );
  });

  it.each(cases)('%s: every metric to 1e-9, the task and the confusion matrix', async (name) => {
    const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Expected;
    const set = await readPredictions(join(FIXTURES, `${name}.csv`), { input: 'predictions' });
    expect(set.task).toBe(expected.task);
    expect(set.posLabel).toBe(expected.posLabel);
    const { metrics, confusion } = computeMetrics(set);
    expect(Object.keys(metrics).sort()).toEqual(Object.keys(expected.metrics).sort());
    for (const [metric, value] of Object.entries(expected.metrics)) {
      expect(Math.abs((metrics[metric] ?? Number.NaN) - value), `${name} ${metric}`).toBeLessThanOrEqual(
        1e-9,
      );
    }
    expect(confusion).toEqual(expected.confusion);
  });

  it('gives the same metrics when the task is given instead of detected', async () => {
    for (const name of cases) {
      const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Expected;
      const file = join(FIXTURES, `${name}.csv`);
      const given = computeMetrics(
        await readPredictions(file, { input: 'predictions', task: expected.task }),
      );
      expect(given.metrics).toEqual(
        computeMetrics(await readPredictions(file, { input: 'predictions' })).metrics,
      );
    }
  });
});
