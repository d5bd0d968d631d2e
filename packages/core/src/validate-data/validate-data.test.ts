import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import { formatNode as formatCondition } from '../deploy/conditions';
import { benjaminiHochberg, bonferroni } from '../drift';
import { InputError } from '../errors';
import { formatExpr } from '../metrics/rules-expr';
import { type DataProfile, DEFAULT_SKETCH_OPTIONS, profileFile } from '../profile';
import { readParquet } from '../profile/parquet';
import { TableProfiler } from '../profile/table';
import { chart, compareProfiles, evaluateDataRules, parseDataRules, renderDataMarkdown, schemaDiff } from '.';
import { formatNode } from './rules';
import { validateDataSpec } from './spec';

const vega = resolve(import.meta.dirname, '../../../../node_modules/vega-datasets/data');
const scratch = tempDir('mcp-validate-data-');

/** seattle-weather.csv cut by year: a real dataset whose weather labelling changed after 2012. */
const years = (() => {
  const [header, ...rows] = readFileSync(join(vega, 'seattle-weather.csv'), 'utf8').trim().split('\n');
  const profiles = new Map<string, Promise<DataProfile>>();
  return (year: string, edit: (line: string) => string = (l) => l) => {
    const key = `${year}${edit.toString()}`;
    if (!profiles.has(key)) {
      const path = join(scratch, `${year}-${profiles.size}.csv`);
      const lines = rows.filter((r) => r.startsWith(year)).map(edit);
      writeFileSync(path, `${edit(header as string)}\n${lines.join('\n')}\n`);
      profiles.set(key, profileFile(path));
    }
    return profiles.get(key) as Promise<DataProfile>;
  };
})();

const auto = { method: 'auto', correction: 'bonferroni', alpha: 0.05 } as const;

describe('data rules', () => {
  it('reads schema, missing, drift (with its method), p-value and dataset rules, printed canonically', () => {
    const rules = parseDataRules(
      [
        'schema unchanged',
        'missing(age) <= 5%   # at most one in twenty',
        '',
        'drift( temp ) < 0.1 by psi',
        'drifted_share<=0.3',
        'pvalue("max temp") >= 0.01',
        'rows >= reference_rows * 0.9',
      ].join('\n'),
    );
    expect(rules.map((r) => [r.line, r.text])).toEqual([
      [1, 'schema unchanged'],
      [2, 'missing(age) <= 0.05'],
      [4, 'drift(temp) < 0.1 by psi'],
      [5, 'drifted_share <= 0.3'],
      [6, 'pvalue("max temp") >= 0.01'],
      [7, 'rows >= reference_rows * 0.9'],
    ]);
  });

  it('prints arithmetic as gate rules and canary conditions do, negative numbers and -0 included', () => {
    const n = (value: number) => ({ kind: 'number', value }) as const;
    const trees = [
      { kind: 'neg', operand: n(-2) },
      { kind: 'binary', op: '*', left: n(-0), right: { kind: 'binary', op: '-', left: n(1), right: n(-3) } },
    ] as const;
    const printed = trees.map((tree) => formatNode(tree));
    expect(printed).toEqual(['-(-2)', '-0 * (1 - -3)']);
    expect(trees.map((tree) => formatExpr(tree))).toEqual(printed);
    expect(trees.map((tree) => formatCondition(tree))).toEqual(printed);
    // And they read back as printed.
    expect(parseDataRules(printed.map((p) => `rows >= ${p}`).join('\n')).map((r) => r.text)).toEqual(
      printed.map((p) => `rows >= ${p}`),
    );
  });

  it.each([
    [
      'drift(temp) < 0.1 by entropy',
      'rules line 1, column 22: expected a method after "by" (ks, chi-square, psi, wasserstein), found "entropy"',
    ],
    ['drfit(temp) < 0.1', 'rules line 1, column 1: unknown name "drfit" (did you mean drift?)'],
    [
      'missing(age) => 0.05',
      'rules line 1, column 14: expected a comparison (<, <=, >, >=, ==), found "=>" (did you mean ">="?)',
    ],
    ['schema same', 'rules line 1, column 1: the schema rule is "schema unchanged"'],
    ['drift() < 1', 'rules line 1, column 7: expected a column name in drift(…), found ")"'],
    [
      'drifted_share <= 0.3 0.4',
      'rules line 1, column 22: unexpected "0.4" (expected + - * /, "by <method>" or the end of the rule)',
    ],
  ])('%s is refused in one line naming where', (text, message) => {
    expect(() => parseDataRules(text)).toThrow(new InputError(message, 'rules'));
  });
});

describe('schema differences', () => {
  it('names added, removed and retyped columns, and fails `schema unchanged` with them', async () => {
    const reference = await years('2014');
    // wind renamed to gust, and temp_max written as text.
    const current = await years('2015', (line) => {
      const cells = line.split(',');
      cells[2] = cells[2] === 'temp_max' ? 'temp_max' : `${cells[2]}C`;
      cells[4] = cells[4] === 'wind' ? 'gust' : (cells[4] as string);
      return cells.join(',');
    });
    expect(schemaDiff(reference, current)).toEqual({
      added: [{ column: 'gust', type: 'number' }],
      removed: [{ column: 'wind', type: 'number' }],
      retyped: [{ column: 'temp_max', from: 'number', to: 'string' }],
    });
    const comparison = compareProfiles(reference, current, auto);
    expect(comparison.untested).toEqual(
      expect.arrayContaining([{ column: 'temp_max', reason: 'retyped from number to string' }]),
    );
    const [result] = evaluateDataRules(parseDataRules('schema unchanged'), comparison);
    expect(result).toEqual({
      rule: 'schema unchanged',
      line: 1,
      passed: false,
      detail: 'added gust, removed wind, temp_max number → string',
    });
    const markdown = renderDataMarkdown(
      { title: 'Data gate', passed: false, reference: '2014', current: '2015', comparison },
      { marker: '<!-- m -->', limit: 65_536 },
    );
    expect(markdown).toContain('- retyped: temp\\_max number → string');
  });
});

describe('the verdict, corrected across columns', () => {
  it('Bonferroni and Benjamini–Hochberg adjust the same p-values; BH flags one column more', async () => {
    const [y2012, y2013] = await Promise.all([years('2012'), years('2013')]);
    const strict = compareProfiles(y2012, y2013, auto);
    const lenient = compareProfiles(y2012, y2013, { ...auto, correction: 'benjamini-hochberg' });
    const raw = strict.tested.map((r) => r.pValue);
    expect(strict.tested.map((r) => r.adjustedPValue)).toEqual(bonferroni(raw));
    expect(lenient.tested.map((r) => r.adjustedPValue)).toEqual(benjaminiHochberg(raw));
    expect(strict.tested.map((r) => [r.column, r.test])).toEqual([
      ['precipitation', 'ks'],
      ['temp_max', 'ks'],
      ['temp_min', 'ks'],
      ['wind', 'ks'],
      ['weather', 'chi-square'],
    ]);
    expect(strict.drifted).toEqual(['wind', 'weather']);
    expect(lenient.drifted).toEqual(['temp_min', 'wind', 'weather']);
    expect(strict.driftedShare).toBe(0.4);
    expect(strict.untested).toEqual([
      { column: 'date', reason: 'a datetime: time moves on; name it in columns to test it' },
    ]);
  });

  it('rules gate on effect sizes and p-values; a rule on an untested column fails saying why', async () => {
    const comparison = compareProfiles(await years('2014'), await years('2015'), auto);
    const results = evaluateDataRules(
      parseDataRules(
        'drifted_share <= 0.3\ndrift(weather) < 0.25 by psi\ndrift(temp_max) < 0.1 by wasserstein\npvalue(wind) > 0.5\nmissing(wind) <= 0\ndrift(date) < 0.5',
      ),
      comparison,
    );
    const weather = comparison.tested.find((r) => r.column === 'weather');
    expect(results.map((r) => [r.rule, r.passed])).toEqual([
      ['drifted_share <= 0.3', true],
      ['drift(weather) < 0.25 by psi', true],
      ['drift(temp_max) < 0.1 by wasserstein', true],
      ['pvalue(wind) > 0.5', true],
      ['missing(wind) <= 0', true],
      ['drift(date) < 0.5', false],
    ]);
    expect(results[1]?.left).toBe(weather?.scores.psi);
    expect(results[5]?.detail).toBe(
      'date was not tested: a datetime: time moves on; name it in columns to test it',
    );
    expect(() => evaluateDataRules(parseDataRules('drift(temp) < 1'), comparison)).toThrow(
      'rules line 1: no column "temp" in either data (did you mean temp_max, temp_min?)',
    );
    expect(() => evaluateDataRules(parseDataRules('drift(weather) < 1 by ks'), comparison)).toThrow(
      'rules line 1: ks does not apply to weather, a categorical column (use chi-square or psi)',
    );
  });

  it('a large sample drifts by its corrected p-value, not by Wasserstein/σ; rules gate on the effect size', async () => {
    // 10 000 evenly spread values against the same shifted by 0.025: KS D 0.025 (p ≈ 0.004), W/σ 0.087.
    const file = (name: string, shift: number) => {
      const path = join(scratch, name);
      const rows = Array.from({ length: 10_000 }, (_, i) => String((i + 0.5) / 10_000 + shift));
      writeFileSync(path, `x\n${rows.join('\n')}\n`);
      return profileFile(path);
    };
    const [before, after] = await Promise.all([file('even.csv', 0), file('shifted.csv', 0.025)]);
    const comparison = compareProfiles(before, after, auto);
    const [x] = comparison.tested;
    expect(x).toMatchObject({ column: 'x', test: 'ks', drifted: true, samples: { current: 10_000 } });
    expect(x?.adjustedPValue).toBeLessThan(0.05);
    expect(x?.scores.wasserstein).toBeCloseTo(0.0866, 3);
    expect(comparison.drifted).toEqual(['x']);
    const [rule] = evaluateDataRules(parseDataRules('drift(x) < 0.1 by wasserstein'), comparison);
    expect(rule).toMatchObject({ passed: true, left: x?.scores.wasserstein });
    // `method: wasserstein` has no p-value to correct: its threshold, 0.1, decides.
    const byDistance = compareProfiles(before, after, { ...auto, method: 'wasserstein' });
    expect(byDistance.tested[0]).toMatchObject({ test: 'wasserstein', drifted: false });
    expect(
      renderDataMarkdown(
        { title: 'Data gate', passed: true, reference: 'a', current: 'b', comparison: byDistance },
        { marker: '<!-- m -->', limit: 65_536 },
      ),
    ).toContain('a column drifts at Wasserstein/σ ≥ 0.1 where it applies, elsewhere at adjusted p < 0.05.');
  });

  it('the report holds the rules, every column with its effect sizes and a chart per drifted column', async () => {
    const comparison = compareProfiles(await years('2012'), await years('2014'), auto);
    expect(comparison.drifted).toEqual(['temp_max', 'temp_min', 'weather']);
    const rules = evaluateDataRules(parseDataRules('drifted_share <= 0.3'), comparison);
    const report = {
      title: 'Data gate',
      passed: false,
      reference: 'weather v1',
      current: 'weather v2',
      comparison,
      rules,
    };
    const markdown = renderDataMarkdown(report, { marker: '<!-- m -->', limit: 65_536 });
    expect(markdown).toContain('### ❌ Data gate: failed (1 of 1 rules failed; 3 of 5 columns drifted)');
    expect(markdown).toContain(
      'p-values corrected by Bonferroni across 5 columns, drift at adjusted p < 0.05.',
    );
    expect(markdown.match(/```mermaid\nxychart-beta/g)).toHaveLength(3);
    expect(markdown).toMatch(
      /\| ❌ \| weather \| string \| χ² \| 83\.79 \| 2\.74e-17 \(1\.37e-16\) \| V 0\.3386, PSI 0\.9184 \|/,
    );
    const small = renderDataMarkdown(report, { marker: '<!-- m -->', limit: markdown.length - 1 });
    expect(small).not.toContain('xychart-beta');
    const temp = comparison.tested.find((r) => r.column === 'temp_max');
    const lines = chart(temp as NonNullable<typeof temp>).split('\n');
    expect(lines[1]).toBe('xychart-beta');
    expect(lines[3]).toMatch(/^ {2}x-axis \["-1\.6", .*\]$/);
    expect(lines[5]).toMatch(/^ {2}bar \[/);
    const shares = JSON.parse((lines[5] as string).replace('  bar ', '')) as number[];
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  });
});

describe('Parquet profiles: flights-3m.parquet from vega-datasets', () => {
  it('the first 100 000 flights against the first 300 000: dates drift, named in columns', async () => {
    const head = async (rows: number) => {
      const table = new TableProfiler(DEFAULT_SKETCH_OPTIONS);
      const file = join(vega, 'flights-3m.parquet');
      await readParquet(file, `file: ${file}`, 'file', table, { maxRows: rows });
      return table.finish('parquet');
    };
    const [early, later] = await Promise.all([head(100_000), head(300_000)]);
    const comparison = compareProfiles(early, later, {
      ...auto,
      columns: ['date', 'delay', 'distance', 'origin'],
    });
    expect(comparison.tested.map((r) => [r.column, r.kind, r.test])).toEqual([
      ['date', 'numeric', 'ks'],
      ['delay', 'numeric', 'ks'],
      ['distance', 'numeric', 'ks'],
    ]);
    expect(comparison.untested).toEqual([
      {
        column: 'origin',
        reason: expect.stringMatching(/^\d+ distinct values: an identifier or free text, not categories$/),
      },
    ]);
    const date = comparison.tested[0];
    expect(date?.drifted).toBe(true);
    expect(date?.adjustedPValue).toBeLessThan(0.05);
    expect(date?.scores.wasserstein).toBeGreaterThan(1);
  }, 60_000);
});

describe('the spec', () => {
  it('says which permissions the token needs: the draft store release, comments, the dispatch', () => {
    const { description } = validateDataSpec.inputs.token;
    expect(description).toContain(
      '`mcp-store` draft release needs `contents: write` (drafts are visible only with push access)',
    );
    expect(description).toContain('the `trigger` workflow dispatch `actions: write`');
  });
});
