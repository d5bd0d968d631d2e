import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { loadMetricsFile, lookupMetric, type Metrics, type MetricsFormat, parseMetrics } from './load';
import { parseJson } from './load-json';

const fixtures = fileURLToPath(new URL('../../../../test/fixtures/metrics/', import.meta.url));

function load(name: string): Promise<Metrics> {
  return loadMetricsFile(`${fixtures}${name}`, { input: 'metrics', source: name });
}

function values(metrics: Metrics): Record<string, number> {
  return Object.fromEntries([...metrics].map(([name, metric]) => [name, metric.value]));
}

function parse(text: string, source: string, format?: MetricsFormat): Metrics {
  return parseMetrics(text, { input: 'metrics', source, format });
}

describe('metrics files', () => {
  it('flattens nested JSON with dots, keeps names as written and skips non-numeric leaves', async () => {
    const metrics = await load('nested.json');
    expect([...metrics.keys()]).toEqual([
      'test.f1',
      'test.accuracy',
      'test.roc_auc',
      'test.per class.cat',
      'test.per class.dog',
      'train.loss',
    ]);
    expect(values(metrics)).toMatchObject({
      'test.f1': 0.912,
      'test.per class.dog': 0.88,
      'train.loss': 0.121,
    });
  });

  it('reads a dvclive-style YAML file as it is: numeric strings count, strings, booleans and null do not', async () => {
    expect(values(await load('dvclive.yaml'))).toEqual({
      step: 3,
      'train.loss': 0.2143,
      'train.acc': 0.9312,
      'eval.loss': 0.3121,
      'eval.acc': 0.9087,
      'eval.val/loss': 0.33,
    });
  });

  it.each([
    ['rows.csv', 'metric,value rows under a header'],
    ['wide.csv', 'a header of names over one row of values'],
  ])('reads %s (%s), skipping non-numeric values', async (name) => {
    expect(values(await load(name))).toEqual({ f1: 0.912, accuracy: 0.934, latency_ms: 41.5 });
  });

  it('reads TSV like CSV', async () => {
    expect(values(await load('rows.tsv'))).toEqual({ f1: 0.912, 'val/loss': 0.33 });
  });

  it('makes every column of a several-row CSV a fold metric, skipping the fold number column', async () => {
    const metrics = await load('folds.csv');
    expect([...metrics.keys()]).toEqual(['f1', 'accuracy']);
    const f1 = metrics.get('f1');
    expect(f1?.folds?.values).toEqual([0.81, 0.84, 0.79, 0.86, 0.83]);
    // numpy: np.mean → 0.826, np.std (ddof=0) → 0.024166091947189116
    expect(f1?.value).toBeCloseTo(0.826, 12);
    expect(f1?.folds?.std).toBeCloseTo(0.024166091947189116, 12);
  });

  it('summarises K-fold arrays by their mean, with population std, min, max and n', async () => {
    const metrics = await load('kfold.json');
    expect([...metrics.keys()]).toEqual(['f1', 'folds.f1', 'folds.accuracy', 'n_splits']);
    const f1 = metrics.get('f1');
    expect(f1?.folds).toMatchObject({ values: [0.81, 0.84, 0.79, 0.86, 0.83], min: 0.79, max: 0.86 });
    expect(f1?.folds?.mean).toBeCloseTo(0.826, 12);
    expect(f1?.folds?.std).toBeCloseTo(0.024166091947189116, 12);
    expect(metrics.get('folds.f1')?.folds?.std).toBeCloseTo(0.04082482904638629, 12);
    expect(metrics.get('folds.accuracy')?.value).toBeCloseTo(0.92, 12);
    expect(metrics.get('n_splits')).toEqual({ value: 5 });
  });

  it('sniffs the format when the extension says nothing', async () => {
    expect(values(await load('metrics.txt'))).toEqual({ f1: 0.91, accuracy: 0.93 });
    const sniffed: [string, Record<string, number>][] = [
      ['{"f1": 0.9}', { f1: 0.9 }],
      ['[{"f1": 0.8}, {"f1": 1}]', { f1: 0.9 }],
      ['f1: 0.9\n', { f1: 0.9 }],
      ['# from the notebook\nmetric,value\nf1,0.9\n', { f1: 0.9 }],
      ['f1,acc\n0.9,0.8\n', { f1: 0.9, acc: 0.8 }],
      ['f1\tacc\n0.9\t0.8\n', { f1: 0.9, acc: 0.8 }],
    ];
    for (const [text, expected] of sniffed) expect(values(parse(text, 'main:metrics'))).toEqual(expected);
  });

  it('lets an explicit format win over the extension', () => {
    expect(values(parse('f1: 0.9', 'metrics.json', 'yaml'))).toEqual({ f1: 0.9 });
  });

  it.each<[string, string, Record<string, number>]>([
    ['m.csv', 'f1,0.9\naccuracy,0.8\n', { f1: 0.9, accuracy: 0.8 }],
    ['m.csv', 'Name,Value\nf1,0.9\n', { f1: 0.9 }],
    ['m.csv', '\uFEFFf1,acc\n" 0.9 ",1e-3\n', { f1: 0.9, acc: 0.001 }],
    ['m.csv', ',f1\n0,0.8\n1,0.9\n', { f1: 0.8500000000000001 }],
    ['m.csv', 'f1,acc\n0.8,\n0.9,0.7\n', { f1: 0.8500000000000001, acc: 0.7 }],
    ['m.yaml', 'f1: "0.9"\nacc: 1e-3\nok: true\nversion: v2\n', { f1: 0.9, acc: 0.001 }],
    ['m.json', '\uFEFF{"f1": "0.9", "acc": 0.8}', { acc: 0.8 }],
    ['m.json', '{"a": {"b": {"c": -1.5e-3}}, "d": []}', { 'a.b.c': -0.0015 }],
  ])('reads %s %j', (source, text, expected) => {
    expect(values(parse(text, source))).toEqual(expected);
  });
});

describe('metrics file errors: one line naming the input, the place and what was expected', () => {
  it.each([
    ['python-nan.json', 'metrics: python-nan.json: metric "loss" is NaN (expected a finite number)'],
    [
      'malformed.json',
      'metrics: malformed.json line 3, column 14: expected ":" after the property name, found "0.93"',
    ],
    [
      'malformed.yaml',
      'metrics: malformed.yaml line 3, column 1: All mapping items must start at the same column',
    ],
    [
      'malformed.csv',
      'metrics: malformed.csv line 2: Quote Not Closed: the parsing is finished with an opening quote',
    ],
    ['empty.json', 'metrics: empty.json: the file is empty (expected metrics as JSON, YAML or CSV)'],
    ['missing.json', 'metrics: no such file "missing.json"'],
  ])('%s', async (name, message) => {
    await expect(load(name)).rejects.toThrow(new InputError(message, 'metrics'));
  });

  it('names a directory given as a metrics file, and the path when no display name is given', async () => {
    await expect(loadMetricsFile(fixtures, { input: 'baseline', source: 'fixtures' })).rejects.toThrow(
      'baseline: "fixtures" is a directory (expected a metrics file)',
    );
    await expect(loadMetricsFile('/nonexistent/m.json', { input: 'metrics' })).rejects.toThrow(
      'metrics: no such file "/nonexistent/m.json"',
    );
  });

  it.each([
    // Python's json module: NaN, Infinity, -Infinity written bare
    [
      'm.json',
      '{"val": {"loss": -Infinity}}',
      'm.json: metric "val.loss" is -Infinity (expected a finite number)',
    ],
    ['m.json', '{"loss": Infinity}', 'm.json: metric "loss" is Infinity (expected a finite number)'],
    ['m.json', '{"f1": 1e999}', 'm.json: metric "f1" is Infinity (expected a finite number)'],
    ['m.json', '{"f1": [0.8, NaN]}', 'm.json: metric "f1" fold 2 is NaN (expected a finite number)'],
    [
      'm.json',
      '{"folds": [{"f1": 0.8}, {"f1": NaN}]}',
      'm.json: metric "folds.f1" fold 2 is NaN (expected a finite number)',
    ],
    ['m.yaml', 'loss: .nan\n', 'm.yaml: metric "loss" is NaN (expected a finite number)'],
    ['m.yaml', 'loss: -.inf\n', 'm.yaml: metric "loss" is -Infinity (expected a finite number)'],
    ['m.yaml', 'f1: [0.8, .inf]\n', 'm.yaml: metric "f1" fold 2 is Infinity (expected a finite number)'],
    ['m.csv', 'f1,0.9\nloss,nan\n', 'm.csv line 2: metric "loss" is NaN (expected a finite number)'],
    ['m.csv', 'f1,loss\n0.9,inf\n', 'm.csv line 2: metric "loss" is Infinity (expected a finite number)'],
    [
      'm.csv',
      'f1,loss\n0.9,0.1\n0.8,-inf\n',
      'm.csv line 3: metric "loss" fold 2 is -Infinity (expected a finite number)',
    ],
    // JSON syntax: the same words and places on every Node, whatever JSON.parse would say
    [
      'm.json',
      '{\n  "f1": 0.9,\n}',
      'm.json line 3, column 1: expected a property name in double quotes, found "}"',
    ],
    ['m.json', '[0.9,]', 'm.json line 1, column 6: expected a value, found "]"'],
    [
      'm.json',
      '{"f1": tru}',
      'm.json line 1, column 8: unexpected "tru" (expected a value: a number, a string, true, false, null, an object or a list)',
    ],
    [
      'm.json',
      "{'f1': 0.9}",
      `m.json line 1, column 2: expected a property name in double quotes, found "'"`,
    ],
    [
      'm.json',
      '{"f1": 0.9',
      'm.json line 1, column 11: expected "," or "}" after a property value, found the end of the file',
    ],
    [
      'm.json',
      '{"f1": 0.9 "acc": 1}',
      'm.json line 1, column 12: expected "," or "}" after a property value, found the string "acc"',
    ],
    ['m.json', '[1 2]', 'm.json line 1, column 4: expected "," or "]" after a list item, found "2"'],
    ['m.json', '{"f1": "0.9}', 'm.json line 1, column 8: unterminated string'],
    [
      'm.json',
      '{"f1": "a\nb"}',
      'm.json line 1, column 10: a line break or control character inside a string (escape it)',
    ],
    ['m.json', '{"f\\q": 1}', 'm.json line 1, column 4: invalid escape "\\q" in a string'],
    ['m.json', '{"f1": 09}', 'm.json line 1, column 8: invalid number "09"'],
    ['m.json', '{"f1": -}', 'm.json line 1, column 8: expected a value, found "-"'],
    [
      'm.json',
      '{"f1": 1}\n{"f1": 2}',
      'm.json line 2, column 1: unexpected "{" after the end of the JSON value',
    ],
    [
      'm.json',
      '{\n  "f1": 1,\n  "f1": 2\n}',
      'm.json line 3, column 3: duplicate key "f1" (first at line 2, column 3)',
    ],
    ['m.yaml', 'f1: 1\nf1: 2\n', 'm.yaml line 2, column 1: Map keys must be unique'],
    ['m.csv', 'f1,acc\n1,2\n1,2,3\n', 'm.csv line 3: 3 fields, expected 2 like the header'],
    [
      'm.csv',
      'f1,acc\n',
      'm.csv line 1: a header row but no values (expected a row of values under the metric names)',
    ],
    ['m.csv', 'f1,acc\n0.9,1\nn/a,1\n', 'm.csv line 3: metric "f1" fold 2 is "n/a" (expected a number)'],
    ['m.csv', 'f1,acc\nn/a,1\n0.9,1\n', 'm.csv line 2: metric "f1" fold 1 is "n/a" (expected a number)'],
    ['m.csv', 'metric,value\n,0.9\n', 'm.csv line 2: empty metric name'],
    // names given twice, after flattening
    [
      'm.json',
      '{"test.f1": 1, "test": {"f1": 2}}',
      'm.json: "test.f1" and "test" > "f1" both give metric "test.f1" (expected unique names)',
    ],
    [
      'm.yaml',
      'a:\n  b: 1\na.b: 2\n',
      'm.yaml: "a" > "b" and "a.b" both give metric "a.b" (expected unique names)',
    ],
    ['m.csv', 'f1,0.9\nf1,0.8\n', 'm.csv: line 1 and line 2 both give metric "f1" (expected unique names)'],
    [
      'm.csv',
      'f1,F1,f1\n1,2,3\n',
      'm.csv: column 1 and column 3 both give metric "f1" (expected unique names)',
    ],
    // nothing to judge
    ['m.json', ' \n\t\n', 'm.json: the file is empty (expected metrics as JSON, YAML or CSV)'],
    [
      'm.json',
      '{"model": "resnet", "ok": true}',
      'm.json: no numeric metric in it (expected numbers, e.g. {"f1": 0.9})',
    ],
    ['m.yaml', 'model: resnet\n', 'm.yaml: no numeric metric in it (expected numbers, e.g. f1: 0.9)'],
    [
      'm.csv',
      'model,resnet\n',
      'm.csv line 1: a header row but no values (expected a row of values under the metric names)',
    ],
    ['m.json', '[0.8, 0.9]', 'm.json: expected an object of metric names and values, found a list'],
    [
      'm.yaml',
      'just words',
      'm.yaml: expected an object of metric names and values, found the text "just words"',
    ],
  ])('%s %j', (source, text, message) => {
    expect(() => parse(text, source)).toThrow(new InputError(`metrics: ${message}`, 'metrics'));
  });

  it('names the input it was given (baseline read from a git ref)', () => {
    expect(() => parseMetrics('{"loss": NaN}', { input: 'baseline', source: 'main:m.json' })).toThrow(
      'baseline: main:m.json: metric "loss" is NaN (expected a finite number)',
    );
  });

  it('accepts exactly the JSON that JSON.parse accepts, with the same values', () => {
    // Valid JSON documents, mutated by one inserted or deleted character.
    const mutated = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', '{', '}', '[', ']', ',', ':', '"', '\\', ' ', '0', '-', '.', 'e', 'x'),
      )
      .map(([text, at, insert]) => {
        const i = at % (text.length + 1);
        return insert === ''
          ? text.slice(0, i) + text.slice(i + 1)
          : text.slice(0, i) + insert + text.slice(i);
      })
      .filter((text) => text.trim() !== '' && !/NaN|Infinity/.test(text));
    fc.assert(
      fc.property(mutated, (text) => {
        let scanned: unknown;
        let error: unknown;
        try {
          scanned = parseJson(text, { input: 'metrics', source: 'm.json' });
        } catch (thrown) {
          error = thrown;
        }
        let expected: unknown;
        try {
          expected = JSON.parse(text);
        } catch {
          expect(error).toBeInstanceOf(InputError);
          expect((error as Error).message).toMatch(/^metrics: m\.json line \d+, column \d+: [^\n]+$/);
          return;
        }
        // JSON.parse keeps the last of duplicate keys; the scanner refuses them.
        if (error) expect((error as Error).message).toMatch(/: duplicate key /);
        else expect(scanned).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('lookupMetric', () => {
  const metrics = parse(
    '{"f1": [0.8, 0.9, 1.0], "acc": 0.9, "test": {"f1": 0.7}, "odd.std": 0.5, "odd": [1, 3]}',
    'm.json',
  );
  it.each<[string, number | undefined]>([
    ['f1', 0.9],
    ['f1.mean', 0.9],
    ['f1.min', 0.8],
    ['f1.max', 1],
    ['f1.std', Math.sqrt(0.02 / 3)],
    ['f1.n', 3],
    ['acc', 0.9],
    ['acc.mean', 0.9],
    ['acc.max', 0.9],
    ['acc.std', undefined],
    ['test.f1', 0.7],
    ['test.f1.mean', 0.7],
    ['odd.std', 0.5],
    ['odd.mean', 2],
    ['f1.median', undefined],
    ['missing', undefined],
    ['.std', undefined],
  ])('%s → %s', (name, expected) => {
    const value = lookupMetric(metrics, name);
    if (expected === undefined) expect(value).toBeUndefined();
    else expect(value).toBeCloseTo(expected, 12);
  });
});
