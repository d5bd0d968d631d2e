import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatorFor } from './evaluator';
import { computeMetrics, type ReadPredictionsOptions, readPredictions, type Task } from './index';

/**
 * A bootstrap replicate evaluates the original rows under multinomial counts. That must equal the
 * plain metrics of the resampled file, with each row written out as many times as it was drawn.
 */
async function check(task: Task, header: string, rows: string[], counts: number[], posLabel?: string) {
  const options: ReadPredictionsOptions = { input: 'predictions', task, posLabel };
  const csv = (lines: string[]) => Readable.from([`${header}\n${lines.join('\n')}\n`]);
  const set = await readPredictions({ name: 'rows.csv', stream: csv(rows) }, options);
  const expanded = rows.flatMap((row, i) => Array<string>(counts[i] ?? 0).fill(row));
  const resampled = computeMetrics(
    await readPredictions({ name: 'resampled.csv', stream: csv(expanded) }, options),
  );

  const evaluator = evaluatorFor(set);
  const out = new Float64Array(evaluator.names.length);
  evaluator.evaluate(Uint32Array.from(counts), out);
  evaluator.names.forEach((name, j) => {
    const expected = resampled.metrics[name];
    if (expected === undefined) expect(out[j], name).toBeNaN();
    else expect(out[j], name).toBeCloseTo(expected, 10);
  });
}

const score = fc.integer({ min: 0, max: 10 }).map((tenths) => tenths / 10);
const countsFor = (length: number) =>
  fc
    .array(fc.integer({ min: 0, max: 3 }), { minLength: length, maxLength: length })
    .filter((c) => c.reduce((a, b) => a + b) >= 2);
const rowsAndCounts = <T>(row: fc.Arbitrary<T>) =>
  fc
    .array(row, { minLength: 2, maxLength: 14 })
    .chain((rows) => fc.tuple(fc.constant(rows), countsFor(rows.length)));

describe('weighted metrics equal the metrics of the resampled rows', () => {
  it('binary, tied scores included', async () => {
    const row = fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }), score);
    await fc.assert(
      fc.asyncProperty(rowsAndCounts(row), ([rows, counts]) =>
        check(
          'binary',
          'y_true,y_pred,y_score',
          rows.map((r) => r.join(',')),
          counts,
          '1',
        ),
      ),
      { numRuns: 60, seed: 1 },
    );
  });

  it('multiclass with proba_ columns', async () => {
    const label = fc.constantFrom('a', 'b', 'c');
    const row = fc.tuple(label, label, score, score, score);
    await fc.assert(
      fc.asyncProperty(rowsAndCounts(row), ([rows, counts]) =>
        check(
          'multiclass',
          'y_true,y_pred,proba_a,proba_b,proba_c',
          rows.map((r) => r.join(',')),
          counts,
        ),
      ),
      { numRuns: 60, seed: 2 },
    );
  });

  it('regression', async () => {
    const value = fc.integer({ min: -20, max: 20 }).map((v) => v / 4);
    await fc.assert(
      fc.asyncProperty(rowsAndCounts(fc.tuple(value, value)), ([rows, counts]) =>
        check(
          'regression',
          'y_true,y_pred',
          rows.map((r) => r.join(',')),
          counts,
        ),
      ),
      { numRuns: 60, seed: 3 },
    );
  });
});
