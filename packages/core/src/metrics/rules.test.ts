import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import {
  compare,
  type Expr,
  evaluateExpr,
  formatRule,
  type Op,
  parseRules,
  type Rule,
  ruleDirection,
  shorthandRule,
  usesBaseline,
} from './rules';

function only(text: string): Rule {
  const rules = parseRules(text);
  expect(rules).toHaveLength(1);
  return rules[0] as Rule;
}

describe('parseRules', () => {
  it.each([
    ['f1 >= 0.85', 'f1 >= 0.85'],
    ['accuracy >= baseline - 0.01', 'accuracy >= baseline - 0.01'],
    ['latency_ms <= baseline * 1.10', 'latency_ms <= baseline * 1.1'],
    ['loss < (baseline + 0.02) * 1.5', 'loss < (baseline + 0.02) * 1.5'],
    ['loss<(baseline+0.02)*1.5', 'loss < (baseline + 0.02) * 1.5'],
    ['  f1==1e-3  ', 'f1 == 0.001'],
    ['f1 > .5', 'f1 > 0.5'],
    ['f1 >= 5%', 'f1 >= 0.05'],
    ['latency_ms <= baseline * 110%', 'latency_ms <= baseline * 1.1'],
    ['f1 >= 1.1%', 'f1 >= 0.011'],
    ['f1 >= baseline - 0.01 if significant', 'f1 >= baseline - 0.01 if significant'],
    ['f1 >= baseline-0.01   if   significant', 'f1 >= baseline - 0.01 if significant'],
    ['f1 >= ((baseline))', 'f1 >= baseline'],
    ['f1 >= baseline - (0.01 + 0.02)', 'f1 >= baseline - (0.01 + 0.02)'],
    ['f1 >= (baseline - 0.01) + 0.02', 'f1 >= baseline - 0.01 + 0.02'],
    ['f1 >= 2 * -baseline', 'f1 >= 2 * -baseline'],
    ['f1 >= -(baseline + 1)', 'f1 >= -(baseline + 1)'],
    ['f1 >= - -1', 'f1 >= -(-1)'],
    ['f1 >= +1', 'f1 >= 1'],
    // names: dots, slashes, brackets, colons; quotes for anything else
    ['test.f1 >= 0.9', 'test.f1 >= 0.9'],
    ['f1.std <= 0.05', 'f1.std <= 0.05'],
    ['val/loss <= 0.3', 'val/loss <= 0.3'],
    ['scores[0]:macro-f1 >= 0.7', 'scores[0]:macro-f1 >= 0.7'],
    ['ndcg@10 >= 0.4', 'ndcg@10 >= 0.4'],
    ['"test f1" >= 0.9', '`test f1` >= 0.9'],
    ['`per class.cat` >= 0.9', '`per class.cat` >= 0.9'],
    ['"a \\"quoted\\" `name`" >= 1', '"a \\"quoted\\" `name`" >= 1'],
    ['1st_fold_f1 >= 0.5', '`1st_fold_f1` >= 0.5'],
    // the metric on the right: the operator flips
    ['-2 < delta', 'delta > -2'],
    ['0.85 <= f1 if significant', 'f1 >= 0.85 if significant'],
    ['(1 + 2) * 3 == x', 'x == (1 + 2) * 3'],
    ['5% > "error rate"', '`error rate` < 0.05'],
  ])('%s → %s', (text, canonical) => {
    const rule = only(text);
    expect(rule.text).toBe(canonical);
    expect(only(canonical)).toEqual({ ...rule });
  });

  it('reads one rule per line or per ";", skipping blank lines and # comments', () => {
    const rules = parseRules(
      [
        '# quality gate',
        'f1 >= 0.85',
        '',
        'accuracy >= baseline - 0.01; latency_ms <= baseline * 1.1 if significant # no slower',
        '  "weird;name#1" > 0   ',
        '\r',
        'loss < 0.3;',
      ].join('\n'),
    );
    expect(rules.map((r) => [r.line, r.metric, r.op, r.significant])).toEqual([
      [2, 'f1', '>=', false],
      [4, 'accuracy', '>=', false],
      [4, 'latency_ms', '<=', true],
      [5, 'weird;name#1', '>', false],
      [7, 'loss', '<', false],
    ]);
    expect(parseRules('a > 1\r\nb < 2\rc == 3').map((r) => r.line)).toEqual([1, 2, 3]);
    expect(parseRules('  \n# nothing\n;;')).toEqual([]);
  });

  it('builds the expression tree with the usual precedence, left to right', () => {
    expect(only('f1 >= baseline - 0.01').expr).toEqual({
      kind: 'binary',
      op: '-',
      left: { kind: 'baseline' },
      right: { kind: 'number', value: 0.01 },
    });
    expect(only('-2 < d').expr).toEqual({ kind: 'neg', operand: { kind: 'number', value: 2 } });
  });
});

describe('rule errors point at the column', () => {
  it.each([
    [
      'f1 >= 0.5\naccuracy => 0.85',
      'rules line 2, column 10: expected an operator (>=, >, <=, <, ==), found "=>" (did you mean ">="?)',
    ],
    [
      'f1 =< 0.5',
      'rules line 1, column 4: expected an operator (>=, >, <=, <, ==), found "=<" (did you mean "<="?)',
    ],
    [
      'f1 = 0.5',
      'rules line 1, column 4: expected an operator (>=, >, <=, <, ==), found "=" (did you mean "=="?)',
    ],
    ['f1 != 0.5', 'rules line 1, column 4: expected an operator (>=, >, <=, <, ==), found "!="'],
    ['f1 0.5', 'rules line 1, column 4: expected an operator (>=, >, <=, <, ==), found "0.5"'],
    ['f1', 'rules line 1, column 3: expected an operator (>=, >, <=, <, ==), found the end of the rule'],
    ['>= 0.5', 'rules line 1, column 1: expected a metric name at the start of the rule, found ">="'],
    ['0.5 <=', 'rules line 1, column 7: expected a metric name after "<=", found the end of the rule'],
    ['f1 >= basline - 0.01', 'rules line 1, column 7: unknown name "basline" (did you mean "baseline"?)'],
    [
      'f1 >= accuracy',
      `rules line 1, column 7: unknown name "accuracy" (an expression may use numbers and baseline, the metric's baseline value)`,
    ],
    [
      'f1 >=',
      'rules line 1, column 6: expected a number or an expression after ">=", found the end of the rule',
    ],
    [
      'f1 >= # no bar',
      'rules line 1, column 7: expected a number or an expression after ">=", found the end of the rule',
    ],
    [
      'f1 >= baseline -',
      'rules line 1, column 17: expected a number, baseline or "(", found the end of the rule',
    ],
    ['f1 >= * 2', 'rules line 1, column 7: expected a number, baseline or "(", found "*"'],
    [
      'f1 >= 0.85 0.9',
      'rules line 1, column 12: unexpected "0.9" (expected + - * /, "if significant" or the end of the rule)',
    ],
    [
      'f1 >= 0.85)',
      'rules line 1, column 11: unexpected ")" (expected + - * /, "if significant" or the end of the rule)',
    ],
    [
      'f1 >= 0.85 if',
      'rules line 1, column 14: expected "significant" after "if", found the end of the rule',
    ],
    ['f1 >= 0.85 if signif', 'rules line 1, column 15: expected "significant" after "if", found "signif"'],
    ['f1 >= 0.85 if significant!', 'rules line 1, column 26: unexpected "!" after "if significant"'],
    ['f1 >= baseline / 0', 'rules line 1, column 18: division by zero'],
    ['f1 >= baseline / (0.5 - 1 / 2)', 'rules line 1, column 18: division by zero'],
    [
      'f1 >= (baseline + 1',
      'rules line 1, column 20: expected ")" to close the "(" at column 7, found the end of the rule',
    ],
    ['f1 >= 1e999', 'rules line 1, column 7: 1e999 is too large'],
    ['"f1 >= 0.5', 'rules line 1, column 1: unterminated metric name: no closing " for the one at column 1'],
    [
      'ok > 1; `f1 >= 0.5',
      'rules line 1, column 9: unterminated metric name: no closing ` for the one at column 9',
    ],
    ['"" >= 0.5', 'rules line 1, column 1: empty metric name'],
  ])('%j', (text, message) => {
    expect(() => parseRules(text)).toThrow(new InputError(message, 'rules'));
  });

  it('names the input it was given', () => {
    expect(() => parseRules('f1 => 1', { input: 'gate-rules' })).toThrow(/^gate-rules line 1, column 4: /);
  });
});

describe('evaluating rules', () => {
  it.each<[string, number | undefined, number]>([
    ['a >= 0.85', undefined, 0.85],
    ['a >= baseline - 0.01', 0.9, 0.89],
    ['a <= baseline * 1.10', 40, 44],
    ['a < (baseline + 0.02) * 1.5', 0.1, 0.18],
    ['a >= 1 - 2 - 3', undefined, -4],
    ['a >= 2 / 4 / 2', undefined, 0.25],
    ['a >= 2 + 3 * 4', undefined, 14],
    ['a >= -(2 + 3) * 2', undefined, -10],
    ['a >= -baseline', 3, -3],
    ['a >= 1 / baseline', 4, 0.25],
    ['a >= 95%', undefined, 0.95],
  ])('%s with baseline %s → %s', (text, baseline, bound) => {
    const { expr } = only(text);
    expect(usesBaseline(expr)).toBe(baseline !== undefined);
    expect(evaluateExpr(expr, baseline)).toBeCloseTo(bound, 12);
  });

  it('refuses to evaluate a baseline expression without a baseline', () => {
    expect(() => evaluateExpr(only('a >= baseline').expr)).toThrow(/no baseline value/);
  });

  it.each<[Op, number, number, boolean]>([
    ['>=', 0.9, 0.85, true],
    ['>=', 0.8, 0.85, false],
    // 0.1 + 0.2 is 0.30000000000000004: `f1 >= baseline + 0.2` with baseline 0.1 must pass at 0.3
    ['>=', 0.3, 0.1 + 0.2, true],
    ['<=', 0.1 + 0.2, 0.3, true],
    ['==', 0.1 + 0.2, 0.3, true],
    ['==', 1, 1 + 1e-6, false],
    ['==', 1e-12, 0, false],
    ['>', 0.3, 0.1 + 0.2, false],
    ['>', 0.31, 0.3, true],
    ['<', 0.29, 0.3, true],
    ['<', 0.3, 0.3, false],
    ['>=', Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, true],
    ['==', Number.NaN, Number.NaN, false],
  ])('%s: %s vs %s → %s', (op, left, right, expected) => {
    expect(compare(op, left, right)).toBe(expected);
  });

  it.each<[Op, 'higher' | 'lower' | undefined]>([
    ['>=', 'higher'],
    ['>', 'higher'],
    ['<=', 'lower'],
    ['<', 'lower'],
    ['==', undefined],
  ])('%s says %s is better', (op, direction) => {
    expect(ruleDirection(op)).toBe(direction);
  });
});

describe('shorthandRule (validate_metrics.py --metric f1_score --threshold 0.85)', () => {
  it.each<[{ metric: string; threshold: string; direction?: string }, string]>([
    [{ metric: 'f1_score', threshold: '0.85' }, 'f1_score >= 0.85'],
    [{ metric: 'f1_score', threshold: ' 0.85 ', direction: '' }, 'f1_score >= 0.85'],
    [{ metric: 'f1_score', threshold: '85%', direction: 'higher' }, 'f1_score >= 0.85'],
    [{ metric: 'loss', threshold: '.3', direction: 'Lower' }, 'loss <= 0.3'],
    [{ metric: 'delta', threshold: '-2', direction: 'lower' }, 'delta <= -2'],
    [{ metric: 'test f1', threshold: '1e-1' }, '`test f1` >= 0.1'],
  ])('%j → %s', (options, text) => {
    const rule = shorthandRule(options);
    expect(rule.text).toBe(text);
    expect(rule).toMatchObject({ line: 0, significant: false });
    const { line: _, ...parsed } = only(text);
    const { line: __, ...made } = rule;
    expect(parsed).toEqual(made);
  });

  it.each([
    [
      { metric: 'f1', threshold: 'high' },
      'threshold: "high" is not a number (expected e.g. 0.85)',
      'threshold',
    ],
    [
      { metric: 'f1', threshold: '0.8.5' },
      'threshold: "0.8.5" is not a number (expected e.g. 0.85)',
      'threshold',
    ],
    [
      { metric: 'f1', threshold: 'NaN' },
      'threshold: "NaN" is not a number (expected e.g. 0.85)',
      'threshold',
    ],
    [{ metric: 'f1', threshold: '' }, 'threshold: "" is not a number (expected e.g. 0.85)', 'threshold'],
    [
      { metric: 'f1', threshold: '1e400' },
      'threshold: "1e400" is too large (expected e.g. 0.85)',
      'threshold',
    ],
    [
      { metric: 'f1', threshold: '0.8', direction: 'hihger' },
      'direction: "hihger" is not a direction (expected higher or lower; did you mean higher?)',
      'direction',
    ],
    [
      { metric: 'f1', threshold: '0.8', direction: 'up' },
      'direction: "up" is not a direction (expected higher or lower)',
      'direction',
    ],
    [{ metric: ' ', threshold: '0.8' }, 'metric: empty metric name (expected e.g. f1_score)', 'metric'],
  ])('%j', (options, message, input) => {
    expect(() => shorthandRule(options)).toThrow(new InputError(message, input));
    try {
      shorthandRule(options);
    } catch (error) {
      expect((error as InputError).input).toBe(input);
    }
  });
});

describe('formatRule round-trips through parseRules', () => {
  // Numbers as the parser makes them: never negative (a minus is a `neg` node).
  const number = fc
    .oneof(
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
      fc.nat(),
    )
    .map((value): Expr => ({ kind: 'number', value: Math.abs(value) }));
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      number,
      fc.constant<Expr>({ kind: 'baseline' }),
      tie('expr').map((operand): Expr => ({ kind: 'neg', operand })),
      fc
        .record({ op: fc.constantFrom('+', '-', '*', '/'), left: tie('expr'), right: tie('expr') })
        .map((node): Expr => ({ kind: 'binary', ...node })),
    ),
  }));
  const metric = fc.oneof(
    fc.constantFrom(
      'f1',
      'test.f1',
      'val/loss',
      'x[0]:y',
      'if',
      'baseline',
      '1st',
      '-loss',
      '0.5',
      '(x)',
      'a b',
      '#',
      ';',
    ),
    fc.string({ minLength: 1, unit: 'binary' }).filter((name) => !/[\r\n]/.test(name)),
  );
  const rule = fc.record({
    metric,
    op: fc.constantFrom<Op>('>=', '>', '<=', '<', '=='),
    expr: expr.filter((e) => !dividesByConstantZero(e)),
    significant: fc.boolean(),
  });

  it('parse(format(rule)) gives the rule back', () => {
    fc.assert(
      fc.property(rule, (generated) => {
        const text = formatRule(generated);
        const [parsed, ...rest] = parseRules(text);
        expect(rest).toEqual([]);
        expect(parsed).toEqual({ ...generated, line: 1, text });
      }),
      { numRuns: 1000 },
    );
  });

  it('several formatted rules on one line, joined by ";", read back in order', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 5 }), (rules) => {
        const parsed = parseRules(rules.map(formatRule).join('; '));
        expect(
          parsed.map(({ metric, op, expr, significant }) => ({ metric, op, expr, significant })),
        ).toEqual(rules);
      }),
      { numRuns: 200 },
    );
  });
});

/** The parser refuses `x / <constant that is 0>`; generated trees must not contain one. */
function dividesByConstantZero(expr: Expr): boolean {
  if (expr.kind === 'neg') return dividesByConstantZero(expr.operand);
  if (expr.kind !== 'binary') return false;
  if (expr.op === '/' && !usesBaseline(expr.right) && evaluateExpr(expr.right) === 0) return true;
  return dividesByConstantZero(expr.left) || dividesByConstantZero(expr.right);
}
