import { InputError, nearNames } from '../errors';
import {
  type Expr,
  evaluateExpr,
  formatExpr,
  NUMBER,
  type Op,
  parseExpr,
  parseNumber,
  parseOp,
  RuleCursor,
  usesBaseline,
} from './rules-expr';

export { type Expr, evaluateExpr, type Op, usesBaseline };

/**
 * `<metric> <op> <expr> [if significant]`, e.g. `accuracy >= baseline - 0.01`.
 * `line` is the rule's line in the rules text (0 for a rule made by `shorthandRule`);
 * `text` is the rule printed canonically by `formatRule`.
 */
export interface Rule {
  metric: string;
  op: Op;
  expr: Expr;
  significant: boolean;
  line: number;
  text: string;
}

/** How gate rules' messages name the operators. */
const OPERATORS = 'an operator (>=, >, <=, <, ==)';
const FLIPPED: Record<Op, Op> = { '>=': '<=', '>': '<', '<=': '>=', '<': '>', '==': '==' };

// Anything up to whitespace, a comparison, a `;` or a `#` (comments), or a quote.
const BARE_NAME = /[^\s<>=!;#"`]+/uy;
// What formatRule prints unquoted: a subset of BARE_NAME that cannot be read as a number.
const PLAIN_NAME = /^[\p{L}_][\p{L}\p{N}_.\-/:[\]@%]*$/u;
const THRESHOLD = new RegExp(`^([+-]?)(${NUMBER.source})$`);

/**
 * One rule per line or per `;`-separated part; blank lines and `# comments` are skipped.
 * A rule may also be written the other way round (`0.85 <= f1`, `-2 < delta`): when it
 * starts with a number or `(`, the metric is on the right and the operator flips.
 */
export function parseRules(text: string, options: { input?: string } = {}): Rule[] {
  const input = options.input ?? 'rules';
  const rules: Rule[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    for (const [start, end] of parts(line)) {
      const cursor = new RuleCursor(line, start, end, index + 1, input);
      cursor.skipSpace();
      if (cursor.atEnd()) continue;
      const rule = parseRule(cursor);
      rules.push({ ...rule, line: index + 1, text: formatRule(rule) });
    }
  });
  return rules;
}

/** The rule as `parseRules` reads it back: `f1 >= baseline - 0.01 if significant`. */
export function formatRule(rule: Pick<Rule, 'metric' | 'op' | 'expr' | 'significant'>): string {
  return `${formatName(rule.metric)} ${rule.op} ${formatExpr(rule.expr)}${rule.significant ? ' if significant' : ''}`;
}

/** `--metric f1_score --threshold 0.85 [--direction lower]`, the original MCP design's gate. */
export function shorthandRule(options: { metric: string; threshold: string; direction?: string }): Rule {
  const metric = options.metric.trim();
  if (metric === '') throw new InputError('metric: empty metric name (expected e.g. f1_score)', 'metric');
  const literal = THRESHOLD.exec(options.threshold.trim());
  const value = parseNumber(literal?.[2] ?? '');
  if (!literal || !Number.isFinite(value)) {
    const problem = literal ? 'is too large' : 'is not a number';
    throw new InputError(
      `threshold: ${JSON.stringify(options.threshold)} ${problem} (expected e.g. 0.85)`,
      'threshold',
    );
  }
  const number: Expr = { kind: 'number', value };
  const expr: Expr = literal[1] === '-' ? { kind: 'neg', operand: number } : number;
  const direction = (options.direction ?? '').trim().toLowerCase() || 'higher';
  if (direction !== 'higher' && direction !== 'lower') {
    const [near] = nearNames(direction, ['higher', 'lower']);
    throw new InputError(
      `direction: ${JSON.stringify(options.direction)} is not a direction (expected higher or lower${near ? `; did you mean ${near}?` : ''})`,
      'direction',
    );
  }
  const rule = { metric, op: direction === 'higher' ? '>=' : '<=', expr, significant: false } as const;
  return { ...rule, line: 0, text: formatRule(rule) };
}

/**
 * `==` and the `=` in `>=`/`<=` hold within a relative 1e-9, so float rounding in the bound
 * (`baseline + 0.2` with baseline 0.1 is 0.30000000000000004) cannot fail a candidate at 0.3;
 * `>` and `<` need a difference beyond that tolerance.
 */
export function compare(op: Op, left: number, right: number): boolean {
  const equal = left === right || Math.abs(left - right) <= 1e-9 * Math.max(Math.abs(left), Math.abs(right));
  switch (op) {
    case '==':
      return equal;
    case '>=':
      return left > right || equal;
    case '<=':
      return left < right || equal;
    case '>':
      return left > right && !equal;
    case '<':
      return left < right && !equal;
  }
}

/** Which way a rule says the metric improves: `>=`/`>` higher, `<=`/`<` lower, `==` neither. */
export function ruleDirection(op: Op): 'higher' | 'lower' | undefined {
  if (op === '>=' || op === '>') return 'higher';
  if (op === '<=' || op === '<') return 'lower';
  return undefined;
}

type ParsedRule = Pick<Rule, 'metric' | 'op' | 'expr' | 'significant'>;

function parseRule(cursor: RuleCursor): ParsedRule {
  if (startsWithExpr(cursor)) {
    const expr = parseExpr(cursor);
    const op = parseOp(cursor, OPERATORS);
    const metric = parseName(cursor, `after "${op}"`);
    return { metric, op: FLIPPED[op], expr, significant: parseSuffix(cursor) };
  }
  const metric = parseName(cursor, 'at the start of the rule');
  const op = parseOp(cursor, OPERATORS);
  cursor.skipSpace();
  if (cursor.atEnd())
    cursor.fail(cursor.pos, `expected a number or an expression after "${op}", found the end of the rule`);
  const expr = parseExpr(cursor);
  return { metric, op, expr, significant: parseSuffix(cursor) };
}

/** A number (`0.85`, `-2`, `5%`) or `(` where the metric name should be: the reversed form. */
function startsWithExpr(cursor: RuleCursor): boolean {
  const sign = cursor.peek() === '-' || cursor.peek() === '+' ? 1 : 0;
  if (cursor.peek(sign) === '(') return true;
  cursor.pos += sign;
  const number = cursor.match(NUMBER);
  const next = number === undefined ? '' : cursor.peek(number.length);
  cursor.pos -= sign;
  // `1st_fold_f1` starts with digits but is a name.
  return number !== undefined && !/[^\s<>=!;#"`+\-*/)]/u.test(next);
}

function parseName(cursor: RuleCursor, where: string): string {
  cursor.skipSpace();
  const at = cursor.pos;
  const quote = cursor.peek();
  if (quote === '"' || quote === '`') {
    let name = '';
    for (cursor.pos++; cursor.peek() !== quote; cursor.pos++) {
      if (cursor.atEnd())
        cursor.fail(at, `unterminated metric name: no closing ${quote} for the one at column ${at + 1}`);
      if (quote === '"' && cursor.peek() === '\\') cursor.pos++;
      name += cursor.peek();
    }
    cursor.pos++;
    if (name === '') cursor.fail(at, 'empty metric name');
    return name;
  }
  const name = cursor.match(BARE_NAME);
  if (name === undefined) cursor.fail(at, `expected a metric name ${where}, found ${cursor.found()}`);
  cursor.pos += name.length;
  return name;
}

/** `if significant` at the end; anything else left over is an error. */
function parseSuffix(cursor: RuleCursor): boolean {
  cursor.skipSpace();
  if (cursor.atEnd()) return false;
  const at = cursor.pos;
  if (cursor.match(/if(?![\p{L}\p{N}_])/uy)) {
    cursor.pos += 2;
    cursor.skipSpace();
    const word = cursor.match(/significant(?![\p{L}\p{N}_])/uy);
    if (word === undefined)
      cursor.fail(cursor.pos, `expected "significant" after "if", found ${cursor.found()}`);
    cursor.pos += word.length;
    cursor.skipSpace();
    if (!cursor.atEnd()) cursor.fail(cursor.pos, `unexpected ${cursor.found()} after "if significant"`);
    return true;
  }
  return cursor.fail(
    at,
    `unexpected ${cursor.found()} (expected + - * /, "if significant" or the end of the rule)`,
  );
}

function formatName(name: string): string {
  if (PLAIN_NAME.test(name)) return name;
  if (!name.includes('`')) return `\`${name}\``;
  return `"${name.replace(/[\\"]/g, '\\$&')}"`;
}

/** [start, end) of each `;`-separated part of a line, up to a `#` comment; quotes protect both. */
function parts(line: string): [number, number][] {
  const found: [number, number][] = [];
  let start = 0;
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`') quote = c;
    else if (c === ';') {
      found.push([start, i]);
      start = i + 1;
    } else if (c === '#') return [...found, [start, i]];
  }
  return [...found, [start, line.length]];
}
