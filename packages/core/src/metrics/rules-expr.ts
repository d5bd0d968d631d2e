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

/** The comparisons every rule grammar shares: gate rules, canary conditions, data rules. */
export type Op = '>=' | '>' | '<=' | '<' | '==';
const OPS: readonly string[] = ['>=', '>', '<=', '<', '=='];
const MISTAKES: Record<string, string> = { '=>': '>=', '=<': '<=', '=': '==', '===': '==' };

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

/** The nodes every arithmetic grammar shares; each grammar adds its own atoms (`baseline`, `canary.x`). */
export type ArithmeticNode<N> =
  | { kind: 'number'; value: number }
  | { kind: 'neg'; operand: N }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: N; right: N };

/** What a grammar adds to the shared arithmetic: its own atoms, and a check of divisors. */
export interface ArithmeticGrammar<N> {
  /** An atom that is not a number or a parenthesis, at `at`; consumes it or fails. `expr` parses a nested expression. */
  atom(cursor: RuleCursor, at: number, expr: () => N): N;
  /** Called with each divisor as it is read, `at` its column. */
  divisor?(right: N, cursor: RuleCursor, at: number): void;
}

/**
 * expr := term (('+' | '-') term)*; term := unary (('*' | '/') unary)*; unary := '-' unary | atom;
 * atom := number | '(' expr ')' | the grammar's own. The node type `N` must include `ArithmeticNode<N>`.
 */
export function parseArithmetic<N>(cursor: RuleCursor, grammar: ArithmeticGrammar<N>): N {
  // Nodes built here are members of N by the contract above; TypeScript cannot state that bound.
  const node = (value: ArithmeticNode<N>) => value as N;
  const expr = (): N => {
    let left = term();
    for (;;) {
      cursor.skipSpace();
      const op = cursor.peek();
      if (op !== '+' && op !== '-') return left;
      cursor.pos++;
      left = node({ kind: 'binary', op, left, right: term() });
    }
  };
  const term = (): N => {
    let left = unary();
    for (;;) {
      cursor.skipSpace();
      const op = cursor.peek();
      if (op !== '*' && op !== '/') return left;
      cursor.pos++;
      cursor.skipSpace();
      const at = cursor.pos;
      const right = unary();
      if (op === '/') grammar.divisor?.(right, cursor, at);
      left = node({ kind: 'binary', op, left, right });
    }
  };
  const unary = (): N => {
    cursor.skipSpace();
    const sign = cursor.peek();
    if (sign === '-' || sign === '+') {
      cursor.pos++;
      const operand = unary();
      return sign === '-' ? node({ kind: 'neg', operand }) : operand;
    }
    return atom();
  };
  const atom = (): N => {
    const at = cursor.pos;
    const number = cursor.match(NUMBER);
    if (number !== undefined) {
      cursor.pos += number.length;
      const value = parseNumber(number);
      if (!Number.isFinite(value)) cursor.fail(at, `${number} is too large`);
      return node({ kind: 'number', value });
    }
    if (cursor.peek() === '(') {
      cursor.pos++;
      const inner = expr();
      cursor.skipSpace();
      if (cursor.peek() !== ')') {
        cursor.fail(cursor.pos, `expected ")" to close the "(" at column ${at + 1}, found ${cursor.found()}`);
      }
      cursor.pos++;
      return inner;
    }
    return grammar.atom(cursor, at, expr);
  };
  return expr();
}

const RULE_GRAMMAR: ArithmeticGrammar<Expr> = {
  atom(cursor, at) {
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
  },
  // Only a constant divisor can be judged now; `x / baseline` with a zero baseline gives ±Infinity later.
  divisor(right, cursor, at) {
    if (!usesBaseline(right) && evaluateExpr(right) === 0) cursor.fail(at, 'division by zero');
  },
};

/** The right-hand side of a gate rule. */
export function parseExpr(cursor: RuleCursor): Expr {
  return parseArithmetic(cursor, RULE_GRAMMAR);
}

/**
 * A comparison operator at the cursor, with a hint for the usual slips (`=>`, `=`); `expected`
 * names the operators in the message, as each grammar's users know them.
 */
export function parseOp(cursor: RuleCursor, expected = 'a comparison (<, <=, >, >=, ==)'): Op {
  cursor.skipSpace();
  const op = cursor.match(/[<>=!]+/y) ?? '';
  if (OPS.includes(op)) {
    cursor.pos += op.length;
    return op as Op;
  }
  const hint = MISTAKES[op] ? ` (did you mean "${MISTAKES[op]}"?)` : '';
  return cursor.fail(cursor.pos, `expected ${expected}, found ${cursor.found()}${hint}`);
}

/** A literal as matched by NUMBER; `%` shifts the exponent so `1.1%` is 0.011, not 0.011000000000000001. */
export function parseNumber(literal: string): number {
  const [, mantissa = '', exponent = 'e0', percent] = /^([^eE%]+)([eE][+-]?\d+)?(%?)$/.exec(literal) ?? [];
  const power = Number(exponent.slice(1)) - (percent ? 2 : 0);
  return Number(`${mantissa}e${power}`);
}

const PRECEDENCE = { '+': 1, '-': 1, '*': 2, '/': 2 } as const;

/** The node as one of the shared arithmetic nodes, or undefined for a grammar's own atom. */
function arithmetic<N extends { kind: string }>(node: N): ArithmeticNode<N> | undefined {
  return node.kind === 'number' || node.kind === 'neg' || node.kind === 'binary'
    ? (node as unknown as ArithmeticNode<N>)
    : undefined;
}

function precedence<N extends { kind: string }>(node: N): number {
  const a = arithmetic(node);
  if (a?.kind === 'binary') return PRECEDENCE[a.op];
  if (a?.kind === 'neg' || (a?.kind === 'number' && isNegative(a.value))) return 3;
  return 4;
}

/**
 * Prints with the fewest parentheses that parse back to the same tree (a negative number, `-0`
 * included, as a negation); `atom` prints the grammar's own nodes.
 */
export function formatArithmetic<N extends { kind: string }>(
  node: N,
  atom: (node: Exclude<N, ArithmeticNode<N>>) => string,
): string {
  const a = arithmetic(node);
  if (a === undefined) return atom(node as Exclude<N, ArithmeticNode<N>>);
  switch (a.kind) {
    case 'number':
      return isNegative(a.value) ? `-${String(-a.value)}` : String(a.value);
    case 'neg': {
      const operand = formatArithmetic(a.operand, atom);
      return precedence(a.operand) < 4 ? `-(${operand})` : `-${operand}`;
    }
    case 'binary': {
      const own = PRECEDENCE[a.op];
      const left = formatArithmetic(a.left, atom);
      const right = formatArithmetic(a.right, atom);
      // Left-associative: an equal-precedence right operand needs parentheses, a left one does not.
      return `${precedence(a.left) < own ? `(${left})` : left} ${a.op} ${precedence(a.right) <= own ? `(${right})` : right}`;
    }
  }
}

/** The value of a shared arithmetic node, its operands valued by `operand` (the grammar's own evaluator). */
export function evaluateArithmetic<N>(node: ArithmeticNode<N>, operand: (node: N) => number): number {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'neg':
      return -operand(node.operand);
    case 'binary': {
      const left = operand(node.left);
      const right = operand(node.right);
      if (node.op === '+') return left + right;
      if (node.op === '-') return left - right;
      if (node.op === '*') return left * right;
      return left / right;
    }
  }
}

/** Prints a gate rule's right-hand side canonically. */
export function formatExpr(expr: Expr): string {
  return formatArithmetic(expr, () => 'baseline');
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
  if (expr.kind !== 'baseline') return evaluateArithmetic(expr, (operand) => evaluateExpr(operand, baseline));
  if (baseline === undefined)
    throw new Error('evaluateExpr: the expression uses baseline, but no baseline value was given');
  return baseline;
}
