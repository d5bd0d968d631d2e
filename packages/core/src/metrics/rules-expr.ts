import { InputError, nearNames } from '../errors';

/** The right-hand side of a rule; `baseline` is the same metric's baseline value. */
export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'baseline' }
  | { kind: 'neg'; operand: Expr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr };

/** `5%` reads as 0.05; exponents as in `1e-3`. */
export const NUMBER = /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(%?)/y;
const IDENTIFIER = /[\p{L}_][\p{L}\p{N}_]*/uy;

/** Reads one rule (a line, or a `;`-separated part of one) and reports errors by column. */
export class RuleCursor {
  constructor(
    readonly text: string,
    public pos: number,
    readonly end: number,
    readonly line: number,
    readonly input: string,
  ) {}

  skipSpace(): void {
    while (this.pos < this.end && /\s/.test(this.text.charAt(this.pos))) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  peek(offset = 0): string {
    return this.pos + offset < this.end ? this.text.charAt(this.pos + offset) : '';
  }

  /** Matches a sticky regex at the cursor, within this rule. */
  match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const found = pattern.exec(this.text)?.[0];
    return found !== undefined && this.pos + found.length <= this.end ? found : undefined;
  }

  /** The token at `at`, quoted, for "found ..." in messages. */
  found(at = this.pos): string {
    if (at >= this.end) return 'the end of the rule';
    const rest = this.text.slice(at, this.end);
    const token = /^([<>=!]+|[^\s<>=!()+*/]+|\S)/u.exec(rest)?.[0] ?? rest;
    return JSON.stringify(token);
  }

  fail(at: number, message: string): never {
    throw new InputError(`${this.input} line ${this.line}, column ${at + 1}: ${message}`, this.input);
  }
}

/** expr := term (('+' | '-') term)*; term := unary (('*' | '/') unary)*; unary := '-' unary | atom */
export function parseExpr(cursor: RuleCursor): Expr {
  let left = parseTerm(cursor);
  for (;;) {
    cursor.skipSpace();
    const op = cursor.peek();
    if (op !== '+' && op !== '-') return left;
    cursor.pos++;
    left = { kind: 'binary', op, left, right: parseTerm(cursor) };
  }
}

function parseTerm(cursor: RuleCursor): Expr {
  let left = parseUnary(cursor);
  for (;;) {
    cursor.skipSpace();
    const op = cursor.peek();
    if (op !== '*' && op !== '/') return left;
    cursor.pos++;
    cursor.skipSpace();
    const at = cursor.pos;
    const right = parseUnary(cursor);
    // Only a constant divisor can be judged now; `x / baseline` with a zero baseline gives ±Infinity later.
    if (op === '/' && !usesBaseline(right) && evaluateExpr(right) === 0) cursor.fail(at, 'division by zero');
    left = { kind: 'binary', op, left, right };
  }
}

function parseUnary(cursor: RuleCursor): Expr {
  cursor.skipSpace();
  const sign = cursor.peek();
  if (sign === '-' || sign === '+') {
    cursor.pos++;
    const operand = parseUnary(cursor);
    return sign === '-' ? { kind: 'neg', operand } : operand;
  }
  return parseAtom(cursor);
}

function parseAtom(cursor: RuleCursor): Expr {
  const at = cursor.pos;
  const number = cursor.match(NUMBER);
  if (number !== undefined) {
    cursor.pos += number.length;
    const value = parseNumber(number);
    if (!Number.isFinite(value)) cursor.fail(at, `${number} is too large`);
    return { kind: 'number', value };
  }
  if (cursor.peek() === '(') {
    cursor.pos++;
    const inner = parseExpr(cursor);
    cursor.skipSpace();
    if (cursor.peek() !== ')') {
      cursor.fail(cursor.pos, `expected ")" to close the "(" at column ${at + 1}, found ${cursor.found()}`);
    }
    cursor.pos++;
    return inner;
  }
  const name = cursor.match(IDENTIFIER);
  if (name === 'baseline') {
    cursor.pos += name.length;
    return { kind: 'baseline' };
  }
  if (name !== undefined) {
    const [near] = nearNames(name, ['baseline']);
    const hint = near
      ? `did you mean "${near}"?`
      : "an expression may use numbers and baseline, the metric's baseline value";
    cursor.fail(at, `unknown name "${name}" (${hint})`);
  }
  return cursor.fail(at, `expected a number, baseline or "(", found ${cursor.found()}`);
}

/** A literal as matched by NUMBER; `%` shifts the exponent so `1.1%` is 0.011, not 0.011000000000000001. */
export function parseNumber(literal: string): number {
  const [, mantissa = '', exponent = 'e0', percent] = /^([^eE%]+)([eE][+-]?\d+)?(%?)$/.exec(literal) ?? [];
  const power = Number(exponent.slice(1)) - (percent ? 2 : 0);
  return Number(`${mantissa}e${power}`);
}

const PRECEDENCE = { '+': 1, '-': 1, '*': 2, '/': 2 } as const;

function precedence(expr: Expr): number {
  if (expr.kind === 'binary') return PRECEDENCE[expr.op];
  if (expr.kind === 'neg' || (expr.kind === 'number' && isNegative(expr.value))) return 3;
  return 4;
}

/** Prints with the fewest parentheses that parse back to the same tree. */
export function formatExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'number':
      return isNegative(expr.value)
        ? formatExpr({ kind: 'neg', operand: { kind: 'number', value: -expr.value } })
        : String(expr.value);
    case 'baseline':
      return 'baseline';
    case 'neg': {
      const operand = formatExpr(expr.operand);
      return precedence(expr.operand) < 4 ? `-(${operand})` : `-${operand}`;
    }
    case 'binary': {
      const own = PRECEDENCE[expr.op];
      const left = formatExpr(expr.left);
      const right = formatExpr(expr.right);
      // Left-associative: an equal-precedence right operand needs parentheses, a left one does not.
      return `${precedence(expr.left) < own ? `(${left})` : left} ${expr.op} ${precedence(expr.right) <= own ? `(${right})` : right}`;
    }
  }
}

function isNegative(value: number): boolean {
  return value < 0 || Object.is(value, -0);
}

export function usesBaseline(expr: Expr): boolean {
  switch (expr.kind) {
    case 'number':
      return false;
    case 'baseline':
      return true;
    case 'neg':
      return usesBaseline(expr.operand);
    case 'binary':
      return usesBaseline(expr.left) || usesBaseline(expr.right);
  }
}

/** The expression's value; `baseline` must be given when the expression uses it. */
export function evaluateExpr(expr: Expr, baseline?: number): number {
  switch (expr.kind) {
    case 'number':
      return expr.value;
    case 'baseline':
      if (baseline === undefined)
        throw new Error('evaluateExpr: the expression uses baseline, but no baseline value was given');
      return baseline;
    case 'neg':
      return -evaluateExpr(expr.operand, baseline);
    case 'binary': {
      const left = evaluateExpr(expr.left, baseline);
      const right = evaluateExpr(expr.right, baseline);
      if (expr.op === '+') return left + right;
      if (expr.op === '-') return left - right;
      if (expr.op === '*') return left * right;
      return left / right;
    }
  }
}
