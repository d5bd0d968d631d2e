import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../errors';
import { computeMetrics, type PredictionSet, type ReadPredictionsOptions, readPredictions } from './index';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-predictions-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
async function csvFile(text: string): Promise<string> {
  const path = join(dir, `preds-${++files}.csv`);
  await writeFile(path, text);
  return path;
}

async function read(text: string, options: Partial<ReadPredictionsOptions> = {}): Promise<PredictionSet> {
  return readPredictions(await csvFile(text), { input: 'predictions', ...options });
}

/** The one-line InputError that reading `text` fails with; `{file}` in `expected` stands for its path. */
async function failure(text: string, options: Partial<ReadPredictionsOptions> = {}): Promise<string> {
  const path = await csvFile(text);
  const error = await readPredictions(path, { input: 'predictions', ...options }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  const { message, input } = error as InputError;
  expect(input).toBe('predictions');
  expect(message).not.toContain('\n');
  return message.replace(path, '{file}');
}

describe('input errors name the input, the place and what was expected, on one line', () => {
  it.each([
    [
      'a missing y_true column',
      'label,pred\n1,1\n',
      'predictions: {file} has no column y_true (columns: label, pred)',
    ],
    [
      'a misspelt y_true column',
      'ytrue,y_pred\n1,1\n',
      'predictions: {file} has no column y_true (columns: ytrue, y_pred); did you mean ytrue?',
    ],
    [
      'a score that is not a number',
      'y_true,y_score\n1,0.9\n0,abc\n',
      'predictions: {file} line 3: y_score "abc" is not a number',
    ],
    [
      'a NaN score',
      'y_true,y_score\n1,0.9\n0,NaN\n',
      'predictions: {file} line 3: y_score "NaN" is not a finite number',
    ],
    [
      'an infinite score',
      'y_true,y_score\n1,inf\n',
      'predictions: {file} line 2: y_score "inf" is not a finite number',
    ],
    [
      'an overflowing score',
      'y_true,y_score\n1,1e999\n',
      'predictions: {file} line 2: y_score "1e999" is not a finite number',
    ],
    [
      'an empty score',
      'y_true,y_score\n1,0.2\n0,\n',
      'predictions: {file} line 3: y_score is empty (expected a number)',
    ],
    [
      'an empty probability',
      'y_true,proba_a,proba_b\na,0.5,\n',
      'predictions: {file} line 2: proba_b is empty (expected a number)',
    ],
    ['an empty label', 'y_true,y_pred\n1,1\n,0\n', 'predictions: {file} line 3: y_true is empty'],
    ['an empty id', 'id,y_true,y_pred\nx,1,1\n,0,0\n', 'predictions: {file} line 3: id is empty'],
    [
      'no y_pred and nothing to derive it from',
      'y_true,score\n1,0.3\n',
      'predictions: {file} has no column y_pred and no y_score or proba_<class> columns to derive it from (columns: y_true, score)',
    ],
    [
      'a row with too few fields',
      'y_true,y_pred,y_score\n1,1,0.9\n0,0,0.1\n1,1\n',
      'predictions: {file} line 4: has 2 fields, expected 3 as in the header',
    ],
    [
      'a repeated column',
      'y_true,y_pred,y_pred\n1,1,1\n',
      'predictions: {file} has two columns named "y_pred"',
    ],
    [
      'both kinds of score',
      'y_true,y_score,proba_a,proba_b\na,0.1,0.4,0.6\n',
      'predictions: {file} has both y_score and proba_<class> columns; keep one kind of score (columns: y_true, y_score, proba_a, proba_b)',
    ],
    [
      'a label without its proba_ column',
      'y_true,proba_a,proba_b\na,0.5,0.5\nc,0.1,0.9\n',
      'predictions: {file} line 3: y_true "c" has no proba_ column (proba_a, proba_b)',
    ],
    [
      'y_score with three classes',
      'y_true,y_pred,y_score\na,b,0.1\nb,c,0.2\n',
      'predictions: {file} has y_score, a binary score, but 3 classes (a, b, c); give one proba_<class> column per class',
    ],
    [
      'a label among regression targets',
      'y_true,y_pred\n1.5,2\n3,cat\n',
      'predictions: {file} line 3: y_pred "cat" is not a number (line 2 has y_true 1.5, so the task was taken as regression)',
    ],
    ['a header without rows', 'y_true,y_pred\n', 'predictions: {file} has no rows'],
    ['an empty file', '', 'predictions: {file} is empty (expected a header with y_true and y_pred)'],
    [
      'an unclosed quote',
      'y_true,y_pred\n1,1\n0,"0\n',
      'predictions: {file} line 3: Quote Not Closed: the parsing is finished with an opening quote at line 3',
    ],
  ])('%s', async (_, text, expected) => {
    expect(await failure(text)).toBe(expected);
  });

  it('counts lines through quoted newlines and blank lines', async () => {
    const text = 'y_true,y_pred,note\n1,1,"two\nlines"\n\n0,0,ok\n1,x,ok\n0,0,"a\nb"\n0,zz,\n';
    expect(await failure(text, { task: 'regression' })).toBe(
      'predictions: {file} line 6: y_pred "x" is not a number',
    );
    const set = await read(text);
    expect([0, 1, 2, 3, 4].map((row) => set.lineOf(row))).toEqual([3, 5, 6, 8, 9]);
  });

  it.each([
    [
      'binary with three classes',
      'y_true,y_pred\na,b\nc,a\n',
      { task: 'binary' },
      'predictions: {file} has 3 classes (a, b, c) but the task is binary',
    ],
    [
      'a posLabel that is no class',
      'y_true,y_pred\na,b\n',
      { posLabel: 'c' },
      'predictions: posLabel "c" is not a class of {file} (classes: a, b)',
    ],
    [
      'y_score with an explicit multiclass task',
      'y_true,y_pred,y_score\na,b,0.1\n',
      { task: 'multiclass' },
      'predictions: {file} has y_score, a binary score; a multiclass task needs one proba_<class> column per class',
    ],
    [
      'a regression task without y_pred',
      'y_true,y_score\n1,0.3\n',
      { task: 'regression' },
      'predictions: {file} has no column y_pred (columns: y_true, y_score)',
    ],
    [
      'labels in a regression task',
      'y_true,y_pred\n1,2\nx,2\n',
      { task: 'regression' },
      'predictions: {file} line 3: y_true "x" is not a number',
    ],
  ] as const)('%s', async (_, text, options, expected) => {
    expect(await failure(text, options)).toBe(expected);
  });

  it('a missing file is an input error, not a crash', async () => {
    const path = join(dir, 'nope.csv');
    const error = await readPredictions(path, { input: 'predictions' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ message: `predictions: ${path} does not exist`, input: 'predictions' });
  });
});

describe('task and label detection', () => {
  it('takes {false, true} as binary with true as the positive class', async () => {
    const set = await read('y_true,y_pred\ntrue,false\nfalse,false\ntrue,true\n');
    expect(set).toMatchObject({ task: 'binary', labels: ['false', 'true'], posLabel: 'true' });
    expect(computeMetrics(set).metrics).toMatchObject({ precision: 1, recall: 0.5, accuracy: 2 / 3 });
  });

  it('takes the greater of two string labels as positive unless posLabel says otherwise', async () => {
    const text = 'y_true,y_score\nspam,0.9\nham,0.2\nspam,0.4\nham,0.7\n';
    expect((await read(text)).posLabel).toBe('spam');
    const ham = await read(text, { posLabel: 'ham' });
    expect(ham.posLabel).toBe('ham');
    // y_score is now P(ham): rows 1 and 4 predict ham, and a ham ranks above a spam in 1 of 4 pairs.
    expect(computeMetrics(ham).metrics).toMatchObject({ precision: 0.5, recall: 0.5, roc_auc: 0.25 });
    expect(computeMetrics(await read(text)).metrics).toMatchObject({
      precision: 0.5,
      recall: 0.5,
      roc_auc: 0.75,
    });
  });

  it('keeps the positive class when only the negative one occurs', async () => {
    const set = await read('y_true,y_pred\n0,0\n0,0\n');
    expect(set).toMatchObject({ task: 'binary', labels: ['0', '1'], posLabel: '1' });
    expect(computeMetrics(set).metrics).toMatchObject({
      accuracy: 1,
      precision: 0,
      recall: 0,
      balanced_accuracy: 1,
    });
  });

  it('treats 1 and 1.0 as one class and sorts numeric classes numerically', async () => {
    const set = await read('y_true,y_pred\n1,1.0\n10,2\n2,10\n');
    expect(set).toMatchObject({ task: 'multiclass', labels: ['1', '2', '10'] });
    expect(computeMetrics(set).metrics.accuracy).toBeCloseTo(1 / 3, 15);
  });

  it('takes integers with many distinct values, or any non-integer, as regression', async () => {
    const many = Array.from({ length: 30 }, (_, i) => `${i},${i + 1}`).join('\n');
    expect((await read(`y_true,y_pred\n${many}\n`)).task).toBe('regression');
    const few = Array.from({ length: 30 }, (_, i) => `${i % 20},${i % 3}`).join('\n');
    expect((await read(`y_true,y_pred\n${few}\n`)).task).toBe('multiclass');
    expect((await read('y_true,y_pred\n1,1.5\n2,2\n')).task).toBe('regression');
  });

  it('stops keeping labels once thousands of distinct integers show the target is a quantity', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},${i + 1}`).join('\n');
    expect((await read(`y_true,y_pred\n${rows}\n`)).task).toBe('regression');
    expect(await failure(`y_true,y_pred\n${rows}\ncat,1\n`)).toBe(
      'predictions: {file} line 5002: y_true "cat" is not a number (y_true has over 4096 distinct integers above, so the task was taken as regression)',
    );
  });

  it('scores regression on a constant target the way sklearn forces finite r2', async () => {
    expect(computeMetrics(await read('y_true,y_pred\n2.5,2.5\n2.5,2.5\n')).metrics).toEqual({
      mae: 0,
      mse: 0,
      rmse: 0,
      r2: 1,
    });
    expect(computeMetrics(await read('y_true,y_pred\n0.1,0.1\n0.1,0.3\n0.1,0.1\n')).metrics.r2).toBe(0);
  });

  it('reads two proba_ columns as a binary score for the positive class', async () => {
    const proba = await read('y_true,proba_no,proba_yes\nyes,0.2,0.8\nno,0.6,0.4\nyes,0.5,0.5\nno,0.3,0.7\n');
    const score = await read('y_true,y_score\nyes,0.8\nno,0.4\nyes,0.5\nno,0.7\n');
    expect(proba).toMatchObject({ task: 'binary', posLabel: 'yes' });
    expect(computeMetrics(proba)).toEqual(computeMetrics(score));
  });

  it('reads a named stream and keeps the id column', async () => {
    const stream = Readable.from(['id,y_true,y_pred\n', 'r1,a,a\nr2,b,a\n']);
    const set = await readPredictions(
      { name: 'ref:main:preds.csv', stream },
      { input: 'baseline-predictions' },
    );
    expect(set).toMatchObject({
      source: 'ref:main:preds.csv',
      input: 'baseline-predictions',
      ids: ['r1', 'r2'],
      n: 2,
    });
  });

  it('trims the header but keeps label cells as written, like pandas', async () => {
    const set = await read(' y_true , y_pred\n a,a\na,a\n');
    expect(set.labels).toEqual([' a', 'a']);
    expect(computeMetrics(set).metrics.accuracy).toBe(0.5);
    expect(computeMetrics(await read('y_true,y_score\n1, 0.75\n0,0.25 \n')).metrics.roc_auc).toBe(1);
  });

  it('ignores score columns when the task is regression', async () => {
    const set = await read('y_true,y_pred,y_score\n1,2,0.3\n3,3,0.9\n', { task: 'regression' });
    expect(computeMetrics(set).metrics).toEqual({ mae: 0.5, mse: 0.5, rmse: Math.sqrt(0.5), r2: 0.5 });
  });
});

describe('streaming', () => {
  it('reads 200k rows into typed columns and gets the counts right', async () => {
    const path = join(dir, 'big.csv');
    const out = createWriteStream(path);
    const rows = 200_000;
    let positives = 0;
    let correct = 0;
    out.write('y_true,y_pred,y_score\n');
    for (let i = 0; i < rows; i++) {
      const truth = (i * 7919) % 3 === 0 ? 1 : 0;
      const score = ((i * 104_729) % 1000) / 1000;
      const predicted = score >= 0.5 ? 1 : 0;
      positives += truth;
      correct += truth === predicted ? 1 : 0;
      if (!out.write(`${truth},${predicted},${score}\n`)) await once(out, 'drain');
    }
    out.end();
    await finished(out);

    const gc = exposeGc();
    gc();
    const before = process.memoryUsage();
    const started = performance.now();
    const set = await readPredictions(path, { input: 'predictions' });
    const seconds = (performance.now() - started) / 1000;
    gc();
    const after = process.memoryUsage();
    // Records held as arrays of strings would take well over 20 MB of heap. The typed columns live
    // in ArrayBuffers: 16 bytes a row, plus slack from growing by doubling and stream buffers.
    expect(after.heapUsed - before.heapUsed).toBeLessThan(4_000_000);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(rows * 48);
    expect(set.n).toBe(rows);
    expect(set.task).toBe('binary');
    if (set.task === 'regression') throw new Error('expected classification');
    expect(set.yTrue).toBeInstanceOf(Int32Array);
    expect(set.scores).toBeInstanceOf(Float64Array);
    const { metrics, confusion } = computeMetrics(set);
    expect(metrics.accuracy).toBeCloseTo(correct / rows, 12);
    expect(confusion?.matrix.flat().reduce((a, b) => a + b)).toBe(rows);
    expect((confusion?.matrix[1] ?? []).reduce((a, b) => a + b)).toBe(positives);
    expect(seconds).toBeLessThan(10);
  });
});

/** The V8 garbage collector, callable without --expose-gc on the command line. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
