import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { check, formatNode, judge, type Node, parseConditions } from './conditions';

const one = (text: string) => {
  const [condition] = parseConditions(text, 'success');
  if (!condition) throw new Error(`no condition in ${text}`);
  return condition;
};

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const values = {
  canary: { error_rate: 0.01, p95_ms: 110, latency: { p99: [1, 2, 3] }, predictions: [1, 0, 1, 1], n: '5' },
  stable: { error_rate: 0.02, p95_ms: 100, predictions: [1, 0, 0, 1] },
};

describe('analysis conditions', () => {
  it('compare the canary with constants and with the stable version', () => {
    expect(check(one('canary.error_rate < 0.02'), values)).toMatchObject({
      left: 0.01,
      right: 0.02,
      holds: true,
    });
    expect(check(one('canary.p95_ms <= stable.p95_ms * 1.2'), values)).toMatchObject({
      holds: true,
      right: 120,
    });
    expect(check(one('canary.p95_ms <= stable.p95_ms * 1.05'), values).holds).toBe(false);
    expect(
      check(one('(canary.error_rate - stable.error_rate) / stable.error_rate > -60%'), values).holds,
    ).toBe(true);
    expect(check(one('canary.latency.p99[2] == 3'), values).holds).toBe(true);
    expect(check(one('canary.n >= 5'), values).holds).toBe(true);
    expect(check(one('agreement(canary.predictions, stable.predictions) >= 0.75'), values)).toMatchObject({
      left: 0.75,
      holds: true,
    });
    // Stable is half 0, half 1; the canary 3 in 4 ones: (0.25 − 0.5)·ln(0.5) + (0.75 − 0.5)·ln(1.5).
    const drift = check(one('psi(canary.predictions, stable.predictions) < 0.2'), values);
    expect(drift).toMatchObject({
      left: expect.closeTo(-0.25 * Math.log(0.5) + 0.25 * Math.log(1.5), 12),
      holds: false,
    });
  });

  it('one per line, with comments and blank lines skipped, printed canonically', () => {
    const conditions = parseConditions(
      '# latency\n\ncanary.p95_ms<=(stable.p95_ms*1.2)  # 20% slack\n-canary.x > -(1+2)',
      'success',
    );
    expect(conditions.map((c) => [c.line, c.text])).toEqual([
      [3, 'canary.p95_ms <= stable.p95_ms * 1.2'],
      [4, '-canary.x > -(1 + 2)'],
    ]);
  });

  it.each([
    [
      'canary.error_rate << 0.02',
      'success line 1, column 19: expected a comparison (<, <=, >, >=, ==), found "<<"',
    ],
    [
      'canary.error_rate < < 0.02',
      'success line 1, column 21: expected a number, canary.<name>, stable.<name>, a function or "(", found "<"',
    ],
    [
      'canary.error_rate = 0.02',
      'success line 1, column 19: expected a comparison (<, <=, >, >=, ==), found "=" (did you mean "=="?)',
    ],
    [
      'error_rate < 0.02',
      'success line 1, column 1: unknown name "error_rate" (values are canary.<name> and stable.<name>)',
    ],
    [
      'canry.error_rate < 0.02',
      'success line 1, column 1: unknown name "canry" (did you mean "canary.canry"?)',
    ],
    ['canary < 1', 'success line 1, column 1: expected canary.<name>, found canary alone'],
    [
      'psy(canary.p, stable.p) < 0.2',
      'success line 1, column 1: unknown function "psi"'.replace('"psi"', '"psy" (did you mean psi?)'),
    ],
    [
      'psi(canary.p) < 0.2',
      'success line 1, column 1: psi takes 2 arguments, got 1: psi(canary.predictions, stable.predictions)',
    ],
    ['(canary.a + 1 < 2', 'success line 1, column 15: expected ")" to close the "(" at column 1, found "<"'],
    [
      'canary.a < 2 2',
      'success line 1, column 14: unexpected "2" (expected + - * / or the end of the condition)',
    ],
    ['canary.a <', 'success line 1, column 11: expected an expression after "<", found the end of the line'],
  ])('%s → names the line and column', (text, message) => {
    const error = errorOf(() => parseConditions(text, 'success'));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ message, input: 'success' });
  });

  it('reports the line of a bad condition among good ones', () => {
    expect(() => parseConditions('canary.a < 1\n\ncanary.b >> 2', 'failure')).toThrow(
      /^failure line 3, column 10: expected a comparison/,
    );
  });

  it('a value the source did not give makes the check unjudged, with the names it has', () => {
    expect(check(one('canary.eror_rate < 0.02'), values).error).toBe(
      'the canary measurement has no canary.eror_rate (did you mean error_rate?)',
    );
    expect(check(one('canary.predictions < 1'), values).error).toBe(
      'canary.predictions is a list of 4, not a number',
    );
    expect(check(one('psi(canary.p95_ms, stable.predictions) < 1'), values).error).toBe(
      'canary.p95_ms is 110, not a list of predictions',
    );
    expect(check(one('agreement(canary.latency.p99, stable.predictions) > 0'), values).error).toMatch(
      /pairs predictions by position, but canary has 3 and stable 4/,
    );
  });
});

describe('judging a measurement (Argo Rollouts semantics)', () => {
  const s = parseConditions('canary.error_rate < 0.05', 'success');
  const f = parseConditions('canary.error_rate > 0.1', 'failure');
  const at = (rate: unknown) => ({ canary: { error_rate: rate }, stable: {} });

  it('success when every success condition holds and no failure condition does', () => {
    expect(judge(s, f, at(0.01)).result).toBe('success');
    expect(judge([], f, at(0.07)).result).toBe('success');
  });
  it('failure when a failure condition holds, or (without failure conditions) a success one does not', () => {
    expect(judge(s, f, at(0.2))).toMatchObject({
      result: 'failure',
      reason: 'failure condition holds: canary.error_rate > 0.1 (0.2 vs 0.1)',
    });
    expect(judge(s, [], at(0.07)).result).toBe('failure');
  });
  it('inconclusive between the two bars, and when a value is missing or not a number', () => {
    expect(judge(s, f, at(0.07)).result).toBe('inconclusive');
    expect(judge(s, f, at(null))).toMatchObject({
      result: 'inconclusive',
      reason: 'canary.error_rate > 0.1: canary.error_rate is null, not a number',
    });
    expect(judge(s, f, { canary: {}, stable: {} }).result).toBe('inconclusive');
  });
});

/** Conditions' expressions as trees, for the parse ∘ format round trip. */
const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double({ min: 0, max: 1e6, noNaN: true }).map((value) => ({ kind: 'number' as const, value })),
    fc
      .record({
        side: fc.constantFrom('canary' as const, 'stable' as const),
        path: fc.array(fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/), fc.nat(9)), {
          minLength: 1,
          maxLength: 3,
        }),
      })
      .filter(({ path }) => typeof path[0] === 'string')
      .map(({ side, path }) => ({ kind: 'path' as const, side, path })),
    tie('node').map((operand) => ({ kind: 'neg' as const, operand })),
    fc
      .record({
        op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const),
        left: tie('node'),
        right: tie('node'),
      })
      .map((b) => ({ kind: 'binary' as const, ...b })),
    fc
      .record({
        name: fc.constantFrom('psi' as const, 'agreement' as const),
        args: fc.array(tie('node'), { minLength: 2, maxLength: 2 }),
      })
      .map((c) => ({ kind: 'call' as const, ...c })),
  ),
})).node;

describe('properties', () => {
  it('a printed condition parses back to the same tree', () => {
    fc.assert(
      fc.property(node, fc.constantFrom('<', '<=', '>', '>=', '=='), node, (left, op, right) => {
        const text = `${formatNode(left)} ${op} ${formatNode(right)}`;
        const [parsed] = parseConditions(text, 'success');
        expect(parsed).toMatchObject({ left, op, right, text });
      }),
    );
  });

  it('a condition and its negation never both hold', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (a, b) => {
          const v = { canary: { a }, stable: { b } };
          const lt = check(one('canary.a < stable.b'), v).holds;
          const ge = check(one('canary.a >= stable.b'), v).holds;
          expect(lt).not.toBe(ge);
        },
      ),
    );
  });
});
