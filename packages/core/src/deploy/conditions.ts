import { nearNames } from '../errors';
// The gate's rule reader: the same number literals and the same "line N, column M" errors.
import { compare } from '../metrics';
import {
  type ArithmeticGrammar,
  evaluateArithmetic,
  formatArithmetic,
  type Op,
  parseArithmetic,
  parseOp,
  RuleCursor,
} from '../metrics/rules-expr';
import { agreement, type Prediction, psi } from './prediction-drift';

/**
 * One analysis condition: `<expr> <op> <expr>`, comparing the canary with the stable version
 * and with constants: `canary.error_rate < 0.02`, `canary.p95_ms <= stable.p95_ms * 1.2`,
 * `psi(canary.predictions, stable.predictions) < 0.2`.
 */
export interface Condition {
  left: Node;
  op: Op;
  right: Node;
  /** Line in the input it came from. */
  line: number;
  /** Printed canonically. */
  text: string;
}

export type Side = 'canary' | 'stable';

export type Node =
  | { kind: 'number'; value: number }
  | { kind: 'path'; side: Side; path: (string | number)[] }
  | { kind: 'neg'; operand: Node }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Node; right: Node }
  | { kind: 'call'; name: FunctionName; args: Node[] };

/** What one side of a measurement holds: numbers, and lists or records of predictions. */
export type Values = Record<string, unknown>;
export interface Measured {
  canary: Values;
  stable: Values;
}

/** Model-aware functions, with their arity. */
const FUNCTIONS = {
  psi: { min: 2, max: 2, usage: 'psi(canary.predictions, stable.predictions)' },
  agreement: { min: 2, max: 3, usage: 'agreement(canary.predictions, stable.predictions[, tolerance])' },
} as const;
export type FunctionName = keyof typeof FUNCTIONS;

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;

/** One condition per line; blank lines and `# comments` are skipped. */
export function parseConditions(text: string, input: string): Condition[] {
  const conditions: Condition[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    const hash = line.indexOf('#');
    const end = hash === -1 ? line.length : hash;
    const cursor = new RuleCursor(line, 0, end, index + 1, input);
    cursor.skipSpace();
    if (cursor.atEnd()) return;
    const left = parseExpr(cursor);
    const op = parseOp(cursor);
    cursor.skipSpace();
    if (cursor.atEnd())
      cursor.fail(cursor.pos, `expected an expression after "${op}", found the end of the line`);
    const right = parseExpr(cursor);
    cursor.skipSpace();
    if (!cursor.atEnd()) {
      cursor.fail(cursor.pos, `unexpected ${cursor.found()} (expected + - * / or the end of the condition)`);
    }
    const condition = { left, op, right };
    conditions.push({ ...condition, line: index + 1, text: formatCondition(condition) });
  });
  return conditions;
}

/** Arithmetic as in the gate's rules; the atoms are `canary.<path>`, `stable.<path>` and calls. */
function parseExpr(cursor: RuleCursor): Node {
  return parseArithmetic(cursor, CONDITION_GRAMMAR);
}

const CONDITION_GRAMMAR: ArithmeticGrammar<Node> = { atom: parseNamed };

function parseNamed(cursor: RuleCursor, at: number): Node {
  const name = cursor.match(IDENTIFIER);
  if (name === undefined) {
    return cursor.fail(
      at,
      `expected a number, canary.<name>, stable.<name>, a function or "(", found ${cursor.found()}`,
    );
  }
  cursor.pos += name.length;
  if (name === 'canary' || name === 'stable') return parsePath(cursor, name, at);
  cursor.skipSpace();
  if (cursor.peek() === '(') return parseCall(cursor, name, at);
  const [near] = nearNames(name, ['canary', 'stable']);
  const hint = near ? `did you mean "${near}.${name}"?` : 'values are canary.<name> and stable.<name>';
  return cursor.fail(at, `unknown name "${name}" (${hint})`);
}

/** `.name` and `[index]` after canary/stable: `canary.latency.p95`, `canary.series[0]`. */
function parsePath(cursor: RuleCursor, side: Side, at: number): Node {
  const path: (string | number)[] = [];
  for (;;) {
    if (cursor.peek() === '.') {
      cursor.pos++;
      const key = cursor.match(IDENTIFIER) ?? cursor.match(/[0-9]+/y);
      if (key === undefined)
        cursor.fail(cursor.pos, `expected a name after "${side}.", found ${cursor.found()}`);
      cursor.pos += key.length;
      path.push(key);
    } else if (cursor.peek() === '[') {
      const open = cursor.pos;
      cursor.pos++;
      const index = cursor.match(/[0-9]+/y);
      if (index === undefined || cursor.peek(index.length) !== ']') {
        cursor.fail(open, 'expected an index such as [0]');
      }
      cursor.pos += index.length + 1;
      path.push(Number(index));
    } else break;
  }
  if (path.length === 0) cursor.fail(at, `expected ${side}.<name>, found ${side} alone`);
  return { kind: 'path', side, path };
}

function parseCall(cursor: RuleCursor, name: string, at: number): Node {
  if (!(name in FUNCTIONS)) {
    const [near] = nearNames(name, Object.keys(FUNCTIONS));
    const hint = near ? `did you mean ${near}?` : `functions are ${Object.keys(FUNCTIONS).join(' and ')}`;
    cursor.fail(at, `unknown function "${name}" (${hint})`);
  }
  const spec = FUNCTIONS[name as FunctionName];
  cursor.pos++;
  const args: Node[] = [];
  cursor.skipSpace();
  if (cursor.peek() !== ')') {
    for (;;) {
      args.push(parseExpr(cursor));
      cursor.skipSpace();
      if (cursor.peek() !== ',') break;
      cursor.pos++;
    }
  }
  if (cursor.peek() !== ')') {
    cursor.fail(cursor.pos, `expected "," or ")" in ${name}(…), found ${cursor.found()}`);
  }
  cursor.pos++;
  if (args.length < spec.min || args.length > spec.max) {
    cursor.fail(
      at,
      `${name} takes ${spec.min === spec.max ? spec.min : `${spec.min} or ${spec.max}`} arguments, got ${args.length}: ${spec.usage}`,
    );
  }
  return { kind: 'call', name: name as FunctionName, args };
}

/** Prints with the fewest parentheses that parse back to the same tree. */
export function formatNode(node: Node): string {
  return formatArithmetic(node, (atom) =>
    atom.kind === 'path'
      ? atom.side + atom.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')
      : `${atom.name}(${atom.args.map(formatNode).join(', ')})`,
  );
}

export function formatCondition(condition: Pick<Condition, 'left' | 'op' | 'right'>): string {
  return `${formatNode(condition.left)} ${condition.op} ${formatNode(condition.right)}`;
}

/** A value a condition cannot judge (missing, not a number, no predictions): the measurement is inconclusive. */
export class Unmeasurable extends Error {
  override name = 'Unmeasurable';
}

/** The node's value: a number, or (for a path that functions take) whatever the source gave. */
function evaluate(node: Node, values: Measured): unknown {
  if (node.kind === 'path') return lookup(values, node);
  if (node.kind === 'call') return call(node, values);
  return evaluateArithmetic(node, (operand) => number(operand, values));
}

function number(node: Node, values: Measured): number {
  const value = evaluate(node, values);
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || Number.isNaN(n)) {
    throw new Unmeasurable(`${formatNode(node)} is ${describe(value)}, not a number`);
  }
  return n;
}

function lookup(values: Measured, node: Extract<Node, { kind: 'path' }>): unknown {
  let value: unknown = values[node.side];
  for (const [i, key] of node.path.entries()) {
    const container = value as Record<string | number, unknown> | unknown[] | null | undefined;
    const next =
      container !== null && typeof container === 'object' && Object.hasOwn(container, key)
        ? (container as Record<string | number, unknown>)[key]
        : undefined;
    if (next === undefined) {
      const where = formatNode({ ...node, path: node.path.slice(0, i + 1) });
      const keys =
        container !== null && typeof container === 'object' && !Array.isArray(container)
          ? Object.keys(container)
          : [];
      const near = typeof key === 'string' ? nearNames(key, keys) : [];
      const hint =
        near.length > 0
          ? ` (did you mean ${near.join(', ')}?)`
          : keys.length > 0
            ? ` (it has ${keys.slice(0, 8).join(', ')})`
            : '';
      throw new Unmeasurable(`the ${node.side} measurement has no ${where}${hint}`);
    }
    value = next;
  }
  return value;
}

function call(node: Extract<Node, { kind: 'call' }>, values: Measured): number {
  const [first, second, third] = node.args as [Node, Node, Node | undefined];
  try {
    if (node.name === 'psi') return psi(predictions(first, values), predictions(second, values));
    const tolerance = third === undefined ? 0 : number(third, values);
    return agreement(pairable(first, values), pairable(second, values), tolerance);
  } catch (error) {
    if (error instanceof RangeError) throw new Unmeasurable(`${formatNode(node)}: ${error.message}`);
    throw error;
  }
}

function predictions(node: Node, values: Measured): Prediction[] {
  const value = evaluate(node, values);
  if (Array.isArray(value) && value.every(isPrediction)) return value;
  throw new Unmeasurable(`${formatNode(node)} is ${describe(value)}, not a list of predictions`);
}

function pairable(node: Node, values: Measured): Prediction[] | Record<string, Prediction> {
  const value = evaluate(node, values);
  if (Array.isArray(value) && value.every(isPrediction)) return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.values(value);
    if (entries.every(isPrediction)) return value as Record<string, Prediction>;
  }
  throw new Unmeasurable(
    `${formatNode(node)} is ${describe(value)}, not predictions (a list, or a record by request id)`,
  );
}

function isPrediction(value: unknown): value is Prediction {
  return (
    (typeof value === 'number' && Number.isFinite(value)) ||
    typeof value === 'string' ||
    typeof value === 'boolean'
  );
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a record';
  if (typeof value === 'number') return String(value);
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** One condition judged on one measurement. */
export interface Check {
  condition: string;
  line: number;
  /** The two sides' values, when both could be computed. */
  left?: number;
  right?: number;
  holds?: boolean;
  /** Why it could not be judged. */
  error?: string;
}

export function check(condition: Condition, values: Measured): Check {
  const base = { condition: condition.text, line: condition.line };
  try {
    const left = number(condition.left, values);
    const right = number(condition.right, values);
    return { ...base, left, right, holds: compare(condition.op, left, right) };
  } catch (error) {
    if (error instanceof Unmeasurable) return { ...base, error: error.message };
    throw error;
  }
}

export type Verdict = 'success' | 'failure' | 'inconclusive';

export interface Judgement {
  result: Verdict;
  success: Check[];
  failure: Check[];
  /** One line: the condition that decided, or what could not be judged. */
  reason: string;
}

/**
 * Argo Rollouts' semantics, so that a team moving from it reads them the same: a condition that
 * cannot be judged makes the measurement inconclusive; any `failure` condition that holds fails
 * it; otherwise it succeeds when every `success` condition holds. With both kinds given and
 * neither deciding, it is inconclusive; with only `success`, one that does not hold fails it;
 * with only `failure`, none holding is a success.
 */
export function judge(
  success: readonly Condition[],
  failure: readonly Condition[],
  values: Measured,
): Judgement {
  const s = success.map((c) => check(c, values));
  const f = failure.map((c) => check(c, values));
  const unjudged = [...f, ...s].find((c) => c.error !== undefined);
  if (unjudged)
    return {
      result: 'inconclusive',
      success: s,
      failure: f,
      reason: `${unjudged.condition}: ${unjudged.error}`,
    };
  const failed = f.find((c) => c.holds);
  if (failed)
    return {
      result: 'failure',
      success: s,
      failure: f,
      reason: `failure condition holds: ${explain(failed)}`,
    };
  const unmet = s.find((c) => !c.holds);
  if (!unmet) return { result: 'success', success: s, failure: f, reason: 'every condition passed' };
  if (failure.length > 0) {
    return {
      result: 'inconclusive',
      success: s,
      failure: f,
      reason: `success condition not met, no failure condition holds: ${explain(unmet)}`,
    };
  }
  return {
    result: 'failure',
    success: s,
    failure: f,
    reason: `success condition not met: ${explain(unmet)}`,
  };
}

function explain(c: Check): string {
  return `${c.condition} (${round(c.left)} vs ${round(c.right)})`;
}

function round(value: number | undefined): string {
  return value === undefined ? '?' : String(Number(value.toPrecision(6)));
}
