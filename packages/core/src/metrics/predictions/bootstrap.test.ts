import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../errors';
import { aucPlan, weightedAuc } from './auc';
import { computeMetrics, type PredictionSet, pairedBootstrap, percentile, readPredictions } from './index';
import { Xoshiro128 } from './random';

const FIXTURES = resolve(import.meta.dirname, '../../../../../test/fixtures/sklearn');
const fixture = (name: string) => join(FIXTURES, `${name}.csv`);
const read = (path: string, input = 'predictions') => readPredictions(path, { input });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-bootstrap-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A copy of a fixture with an `id` column, its rows reordered by `order` (indices of data rows). */
async function withIds(name: string, order?: (rows: string[]) => string[]): Promise<string> {
  const [header, ...rows] = readFileSync(fixture(name), 'utf8').trimEnd().split('\n');
  const numbered = rows.map((row, i) => `r${i},${row}`);
  const path = join(dir, `${name}-${order ? 'shuffled' : 'ids'}.csv`);
  await writeFile(path, [`id,${header}`, ...(order ? order(numbered) : numbered)].join('\n'));
  return path;
}

function deltas(result: ReturnType<typeof pairedBootstrap>, metric: string): Float64Array {
  const { candidate, baseline } = result.metrics[metric] ?? { candidate: new Float64Array(0) };
  if (!baseline) throw new Error(`${metric} has no baseline replicates`);
  return candidate.map((c, j) => c - (baseline[j] ?? Number.NaN));
}

const interval = (values: Float64Array) => [percentile(values, 0.025), percentile(values, 0.975)];

describe('paired bootstrap', () => {
  let good: PredictionSet;
  let weak: PredictionSet;
  beforeAll(async () => {
    good = await read(fixture('binary_01'));
    weak = await read(fixture('binary_01_baseline'), 'baseline-predictions');
  });

  it('draws the same replicates for the same seed, and pins them across Node versions', () => {
    const first = pairedBootstrap(good, weak, { resamples: 200, seed: 7 });
    expect(pairedBootstrap(good, weak, { resamples: 200, seed: 7 })).toEqual(first);
    expect(pairedBootstrap(good, weak, { resamples: 200, seed: 8 }).metrics.f1?.candidate).not.toEqual(
      first.metrics.f1?.candidate,
    );
    const accuracy = pairedBootstrap(good, undefined, { resamples: 4, seed: 1 }).metrics.accuracy?.candidate;
    expect(Array.from(accuracy ?? [], (a) => Math.round(a * 300))).toEqual([250, 250, 241, 227]);
  });

  it('defaults to 1000 resamples with a fixed seed and returns every metric of both sets', () => {
    const result = pairedBootstrap(good, weak);
    expect(result.resamples).toBe(1000);
    expect(result.seed).toBe(pairedBootstrap(good, undefined, { resamples: 1 }).seed);
    expect(Object.keys(result.metrics)).toEqual(Object.keys(computeMetrics(good).metrics));
    for (const { candidate, baseline } of Object.values(result.metrics)) {
      expect(candidate).toHaveLength(1000);
      expect(baseline).toHaveLength(1000);
    }
  });

  it('gives Δ an interval of exactly [0, 0] when candidate and baseline are the same predictions', async () => {
    for (const name of ['binary_01', 'multiclass_zero_division', 'regression']) {
      const result = pairedBootstrap(
        await read(fixture(name)),
        await read(fixture(name), 'baseline-predictions'),
        {
          resamples: 300,
        },
      );
      for (const metric of Object.keys(result.metrics))
        expect(interval(deltas(result, metric))).toEqual([0, 0]);
    }
  });

  it('finds an obviously better candidate better: the Δ interval excludes 0', async () => {
    const binary = pairedBootstrap(good, weak);
    for (const metric of ['roc_auc', 'accuracy', 'balanced_accuracy']) {
      expect(interval(deltas(binary, metric))[0]).toBeGreaterThan(0);
    }
    expect(interval(deltas(binary, 'log_loss'))[1]).toBeLessThan(0);
    const regression = pairedBootstrap(
      await read(fixture('regression')),
      await read(fixture('regression_baseline'), 'baseline-predictions'),
    );
    expect(interval(deltas(regression, 'mse'))[1]).toBeLessThan(0);
    expect(interval(deltas(regression, 'r2'))[0]).toBeGreaterThan(0);
  });

  it('centres the replicates on the full-data metric', () => {
    const result = pairedBootstrap(good, undefined);
    const { roc_auc } = computeMetrics(good).metrics;
    const replicates = result.metrics.roc_auc?.candidate ?? new Float64Array(0);
    expect(percentile(replicates, 0.5)).toBeCloseTo(roc_auc ?? 0, 2);
    expect(result.metrics.roc_auc?.baseline).toBeUndefined();
  });

  it('pairs rows by id when both files have one, whatever their order', async () => {
    const positional = pairedBootstrap(good, weak, { resamples: 100 });
    const reverse = (rows: string[]) => rows.slice().reverse();
    const byId = pairedBootstrap(
      await read(await withIds('binary_01')),
      await read(await withIds('binary_01_baseline', reverse), 'baseline-predictions'),
      { resamples: 100 },
    );
    for (const metric of Object.keys(positional.metrics)) {
      const a = deltas(positional, metric);
      const b = deltas(byId, metric);
      a.forEach((value, j) => {
        expect(b[j]).toBeCloseTo(value, 12);
      });
    }
  });

  it('rejects a baseline whose y_true differs, naming baseline-predictions and the first differing line', async () => {
    const lines = readFileSync(fixture('binary_01_baseline'), 'utf8').split('\n');
    lines[17] = lines[17]?.replace(/^(\d)/, (label) => (label === '1' ? '0' : '1')) ?? '';
    lines[30] = lines[30]?.replace(/^(\d)/, (label) => (label === '1' ? '0' : '1')) ?? '';
    const path = join(dir, 'flipped.csv');
    await writeFile(path, lines.join('\n'));
    const flipped = await read(path, 'baseline-predictions');
    const error = (() => {
      try {
        pairedBootstrap(good, flipped);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ input: 'baseline-predictions' });
    const truth = lines[17]?.startsWith('1') ? ['"1"', '"0"'] : ['"0"', '"1"'];
    expect((error as Error).message).toBe(
      `baseline-predictions: ${path} line 18: y_true ${truth[0]} differs from ${fixture('binary_01')} line 18 (${truth[1]}), the same row; both must score the same evaluation rows`,
    );
  });

  it('rejects a baseline with other rows, another task or another positive class', async () => {
    const shorter = join(dir, 'shorter.csv');
    await writeFile(
      shorter,
      readFileSync(fixture('binary_01_baseline'), 'utf8').split('\n').slice(0, 200).join('\n'),
    );
    const cases: [string, RegExp][] = [
      [shorter, / has 199 rows but .*binary_01.csv has 300; both must score the same evaluation rows$/],
      [fixture('regression'), / is a regression task but predictions \(.*binary_01.csv\) is binary$/],
      [fixture('binary_strings'), / scores class spam as positive but predictions scores 1$/],
    ];
    for (const [path, message] of cases) {
      const baseline = await read(path, 'baseline-predictions');
      expect(() => pairedBootstrap(good, baseline)).toThrow(message);
      expect(() => pairedBootstrap(good, baseline)).toThrow(`baseline-predictions: ${path} `);
    }
  });

  it('rejects ids that do not pair up', async () => {
    const candidate = await read(await withIds('binary_01'));
    const baseline = readFileSync(await withIds('binary_01_baseline'), 'utf8');
    const missing = join(dir, 'missing-id.csv');
    await writeFile(missing, baseline.replace('\nr5,', '\nq5,'));
    expect(() => pairedBootstrap(candidate, undefined)).not.toThrow();
    const unmatched = await read(missing, 'baseline-predictions');
    expect(() => pairedBootstrap(candidate, unmatched)).toThrow(
      `baseline-predictions: ${missing} has no row with id "r5" (${candidate.source} line 7)`,
    );
    const repeated = join(dir, 'repeated-id.csv');
    await writeFile(repeated, baseline.replace('\nr5,', '\nr4,'));
    const twice = await read(repeated, 'baseline-predictions');
    expect(() => pairedBootstrap(candidate, twice)).toThrow(
      `baseline-predictions: ${repeated} line 7: id "r4" repeats line 6`,
    );
  });

  it('rejects a resample count that is not a positive integer', () => {
    expect(() => pairedBootstrap(good, undefined, { resamples: 0 })).toThrow(InputError);
    expect(() => pairedBootstrap(good, undefined, { seed: -1 })).toThrow(InputError);
  });
});

describe('weighted AUC', () => {
  it('with all weights 1 equals the unweighted AUC and sklearn’s', async () => {
    for (const name of ['binary_01', 'binary_ties', 'binary_strings']) {
      const set = await read(fixture(name));
      if (set.task === 'regression' || !set.scores) throw new Error('expected scores');
      const plan = aucPlan(set.scores, set.yTrue, set.labels.indexOf(set.posLabel ?? ''));
      const weighted = weightedAuc(plan, new Uint32Array(set.n).fill(1));
      expect(weighted).toBe(weightedAuc(plan));
      const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')).metrics.roc_auc;
      expect(Math.abs(weighted - expected)).toBeLessThan(1e-12);
      expect(weighted).toBeCloseTo(
        pairwiseAuc(set.scores, set.yTrue, set.labels.indexOf(set.posLabel ?? '')),
        12,
      );
    }
  });
});

describe('the AUC sweep orders any doubles right', () => {
  it('matches the pairwise count for negative, tiny, huge and tied scores', () => {
    const score = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0, 1, -1, 0.5, 1e-300, -1e-300, 2 ** 52, -(2 ** 52)),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(score, fc.boolean()), { minLength: 2, maxLength: 40 }), (rows) => {
        const scores = Float64Array.from(rows, ([s]) => s + 0);
        const yTrue = Int32Array.from(rows, ([, positive]) => (positive ? 1 : 0));
        const expected = pairwiseAuc(scores, yTrue, 1);
        const actual = weightedAuc(aucPlan(scores, yTrue, 1));
        if (Number.isNaN(expected)) expect(actual).toBeNaN();
        else expect(actual).toBeCloseTo(expected, 12);
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});

describe('xoshiro128**', () => {
  it('matches the reference implementation', () => {
    const random = Xoshiro128.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => random.next())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492,
    ]);
  });

  it('draws the rows an independent Python transcription draws for seed 1', () => {
    const random = new Xoshiro128(1);
    expect(Array.from({ length: 8 }, () => random.below(300))).toEqual([
      170, 226, 266, 147, 141, 295, 105, 160,
    ]);
  });

  it.each([300, 2 ** 21 + 3])('resamples %i rows with the same draws as below()', (n) => {
    const [fast, slow] = [new Xoshiro128(9), new Xoshiro128(9)];
    const counts = new Uint32Array(n);
    fast.resample(counts);
    const expected = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const row = slow.below(n);
      expected[row] = (expected[row] ?? 0) + 1;
    }
    // A plain scan: a deep equality over two million elements takes seconds.
    expect(counts.findIndex((count, row) => count !== expected[row])).toBe(-1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
    expect(fast.next()).toBe(slow.next());
  });

  it('draws indices uniformly', () => {
    const random = new Xoshiro128(42);
    const counts = new Uint32Array(10);
    for (let i = 0; i < 100_000; i++) {
      const index = random.below(10);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});

/** Mann–Whitney: the share of (positive, negative) pairs ranked right, ties counting half. */
function pairwiseAuc(scores: Float64Array, yTrue: Int32Array, pos: number): number {
  let right = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (yTrue[i] !== pos) continue;
    for (let j = 0; j < scores.length; j++) {
      if (yTrue[j] === pos) continue;
      const [a, b] = [scores[i] ?? 0, scores[j] ?? 0];
      right += a > b ? 1 : a === b ? 0.5 : 0;
      pairs++;
    }
  }
  return right / pairs;
}
