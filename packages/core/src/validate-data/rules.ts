import { InputError, nearNames } from '../errors';
// The gate's rule reader: the same arithmetic, number literals and "line N, column M" errors.
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
import type { Comparison, DriftMethod } from './compare';
import { DRIFT_METHODS } from './compare';

/**
 * One data rule per line: `schema unchanged`, or `<expr> <op> <expr> [by <method>]` over
 *   drift(<column>)    the column's effect size: KS D, Cramér's V, PSI or Wasserstein/σ (`by` picks which)
 *   pvalue(<column>)   its KS or χ² p-value after the correction across columns
 *   missing(<column>)  the current data's missing share
 *   drifted_share, drifted_count, rows, reference_rows
 * e.g. `missing(age) <= 0.05`, `drift(temp) < 0.1 by psi`, `drifted_share <= 0.3`.
 */
export type DataRule = SchemaRule | CompareRule;

export interface SchemaRule {
  kind: 'schema';
  line: number;
  text: string;
}

export interface CompareRule {
  kind: 'compare';
  left: Node;
  op: Op;
  right: Node;
  /** The effect size `drift(...)` reads; the column's own test when absent. */
  method?: DriftMethod;
  line: number;
  text: string;
}

const COLUMN_FUNCTIONS = ['drift', 'pvalue', 'missing'] as const;
type ColumnFunction = (typeof COLUMN_FUNCTIONS)[number];
const DATASET_VALUES = ['drifted_share', 'drifted_count', 'rows', 'reference_rows'] as const;
type DatasetValue = (typeof DATASET_VALUES)[number];

export type Node =
  | { kind: 'number'; value: number }
  | { kind: 'neg'; operand: Node }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Node; right: Node }
  | { kind: 'column'; name: ColumnFunction; column: string }
  | { kind: 'dataset'; name: DatasetValue };

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
/** A bare column name inside `drift(...)`: anything up to `)` or a space; quote others. */
const BARE_COLUMN = /[^\s()"]+/y;

/** One rule per line; blank lines and `# comments` are skipped. */
export function parseDataRules(text: string, input = 'rules'): DataRule[] {
  const rules: DataRule[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const hash = raw.indexOf('#');
    const line = hash === -1 ? raw : raw.slice(0, hash);
    if (line.trim() === '') return;
    if (/^\s*schema\s+unchanged\s*$/i.test(line)) {
      rules.push({ kind: 'schema', line: index + 1, text: 'schema unchanged' });
      return;
    }
    const cursor = new RuleCursor(line, 0, line.length, index + 1, input);
    if (/^\s*schema\b/i.test(line)) cursor.fail(line.search(/\S/), 'the schema rule is "schema unchanged"');
    const left = parseExpr(cursor);
    const op = parseOp(cursor);
    cursor.skipSpace();
    if (cursor.atEnd())
      cursor.fail(cursor.pos, `expected an expression after "${op}", found the end of the line`);
    const right = parseExpr(cursor);
    cursor.skipSpace();
    let method: DriftMethod | undefined;
    if (cursor.match(/by\b/y) !== undefined) {
      cursor.pos += 2;
      cursor.skipSpace();
      const at = cursor.pos;
      const name = cursor.match(/[A-Za-z-]+/y) ?? '';
      if (!(DRIFT_METHODS as readonly string[]).includes(name)) {
        cursor.fail(
          at,
          `expected a method after "by" (${DRIFT_METHODS.join(', ')}), found ${cursor.found(at)}`,
        );
      }
      cursor.pos += name.length;
      method = name as DriftMethod;
      cursor.skipSpace();
    }
    if (!cursor.atEnd()) {
      cursor.fail(
        cursor.pos,
        `unexpected ${cursor.found()} (expected + - * /, "by <method>" or the end of the rule)`,
      );
    }
    const rule = { left, op, right, method };
    rules.push({ kind: 'compare', ...rule, line: index + 1, text: formatRule(rule) });
  });
  return rules;
}

function parseExpr(cursor: RuleCursor): Node {
  return parseArithmetic(cursor, DATA_GRAMMAR);
}

const DATA_GRAMMAR: ArithmeticGrammar<Node> = {
  atom(cursor, at) {
    const name = cursor.match(IDENTIFIER);
    if (name === undefined) {
      return cursor.fail(
        at,
        `expected a number, drift(<column>), missing(<column>), drifted_share or "(", found ${cursor.found()}`,
      );
    }
    cursor.pos += name.length;
    if ((DATASET_VALUES as readonly string[]).includes(name))
      return { kind: 'dataset', name: name as DatasetValue };
    cursor.skipSpace();
    if (cursor.peek() === '(' && (COLUMN_FUNCTIONS as readonly string[]).includes(name)) {
      return { kind: 'column', name: name as ColumnFunction, column: parseColumn(cursor, name) };
    }
    const known = [...COLUMN_FUNCTIONS, ...DATASET_VALUES];
    const [near] = nearNames(name, known);
    const hint = near
      ? `did you mean ${near}?`
      : `values are ${COLUMN_FUNCTIONS.map((f) => `${f}(<column>)`).join(', ')}, ${DATASET_VALUES.join(', ')}`;
    return cursor.fail(at, `unknown name "${name}" (${hint})`);
  },
};

/** `(temp)` or `("max temp")` after a column function. */
function parseColumn(cursor: RuleCursor, fn: string): string {
  cursor.pos++;
  cursor.skipSpace();
  const at = cursor.pos;
  let column: string | undefined;
  if (cursor.peek() === '"') {
    const close = cursor.text.indexOf('"', at + 1);
    if (close === -1 || close >= cursor.end) cursor.fail(at, 'a quoted column name is not closed');
    column = cursor.text.slice(at + 1, close);
    cursor.pos = close + 1;
  } else {
    column = cursor.match(BARE_COLUMN);
    if (column !== undefined) cursor.pos += column.length;
  }
  if (!column) cursor.fail(at, `expected a column name in ${fn}(…), found ${cursor.found(at)}`);
  cursor.skipSpace();
  if (cursor.peek() !== ')')
    cursor.fail(cursor.pos, `expected ")" after the column name, found ${cursor.found()}`);
  cursor.pos++;
  return column;
}

/** Prints with the fewest parentheses that parse back to the same tree. */
export function formatNode(node: Node): string {
  return formatArithmetic(node, (atom) =>
    atom.kind === 'dataset'
      ? atom.name
      : `${atom.name}(${/^[^\s()"]+$/.test(atom.column) ? atom.column : `"${atom.column}"`})`,
  );
}

function formatRule(rule: Pick<CompareRule, 'left' | 'op' | 'right' | 'method'>): string {
  return `${formatNode(rule.left)} ${rule.op} ${formatNode(rule.right)}${rule.method ? ` by ${rule.method}` : ''}`;
}

/** Columns the rules name, for checking them against the data before anything is judged. */
export function ruleColumns(rules: readonly DataRule[]): { column: string; rule: DataRule }[] {
  const found: { column: string; rule: DataRule }[] = [];
  const visit = (node: Node, rule: DataRule) => {
    if (node.kind === 'column') found.push({ column: node.column, rule });
    else if (node.kind === 'neg') visit(node.operand, rule);
    else if (node.kind === 'binary') {
      visit(node.left, rule);
      visit(node.right, rule);
    }
  };
  for (const rule of rules) {
    if (rule.kind === 'compare') {
      visit(rule.left, rule);
      visit(rule.right, rule);
    }
  }
  return found;
}

export interface DataRuleResult {
  rule: string;
  line: number;
  passed: boolean;
  /** The two sides' values, when both could be computed. */
  left?: number;
  right?: number;
  /** What was found (the schema differences), or why the rule could not be judged. */
  detail?: string;
}

/** A value a rule cannot judge on this data (an untested column): the rule fails, saying why. */
class Unjudgeable extends Error {}

/**
 * Judges each rule on the comparison. A rule naming a column neither side has, or a method that
 * does not apply to the column, is an `InputError`; one naming a column that could not be tested
 * fails with the reason.
 */
export function evaluateDataRules(
  rules: readonly DataRule[],
  comparison: Comparison,
  input = 'rules',
): DataRuleResult[] {
  checkColumns(rules, comparison, input);
  return rules.map((rule) => {
    if (rule.kind === 'schema') {
      const { added, removed, retyped } = comparison.schema;
      const changes = [
        ...added.map((c) => `added ${c.column}`),
        ...removed.map((c) => `removed ${c.column}`),
        ...retyped.map((c) => `${c.column} ${c.from} → ${c.to}`),
      ];
      return {
        rule: rule.text,
        line: rule.line,
        passed: changes.length === 0,
        ...(changes.length > 0 ? { detail: changes.join(', ') } : {}),
      };
    }
    try {
      const left = value(rule.left, rule, comparison, input);
      const right = value(rule.right, rule, comparison, input);
      return { rule: rule.text, line: rule.line, passed: compare(rule.op, left, right), left, right };
    } catch (error) {
      if (!(error instanceof Unjudgeable)) throw error;
      return { rule: rule.text, line: rule.line, passed: false, detail: error.message };
    }
  });
}

function checkColumns(rules: readonly DataRule[], comparison: Comparison, input: string): void {
  const names = new Set([...comparison.reference.columns, ...comparison.current.columns].map((c) => c.name));
  for (const { column, rule } of ruleColumns(rules)) {
    if (names.has(column)) continue;
    const near = nearNames(column, names);
    throw new InputError(
      `${input} line ${rule.line}: no column "${column}" in either data (${near.length > 0 ? `did you mean ${near.join(', ')}?` : `columns: ${[...names].slice(0, 12).join(', ')}`})`,
      input,
    );
  }
}

function value(node: Node, rule: CompareRule, comparison: Comparison, input: string): number {
  if (node.kind === 'column') return columnValue(node, rule, comparison, input);
  if (node.kind !== 'dataset')
    return evaluateArithmetic(node, (operand) => value(operand, rule, comparison, input));
  if (node.name === 'drifted_share') return comparison.driftedShare;
  if (node.name === 'drifted_count') return comparison.drifted.length;
  if (node.name === 'rows') return comparison.current.rows;
  return comparison.reference.rows;
}

function columnValue(
  node: Extract<Node, { kind: 'column' }>,
  rule: CompareRule,
  comparison: Comparison,
  input: string,
): number {
  if (node.name === 'missing') {
    const column = comparison.current.columns.find((c) => c.name === node.column);
    if (!column) throw new Unjudgeable(`${node.column} is not in the current data`);
    return column.missingShare;
  }
  const result = comparison.tested.find((r) => r.column === node.column);
  if (!result) {
    const why =
      comparison.untested.find((u) => u.column === node.column)?.reason ?? 'not among the tested columns';
    throw new Unjudgeable(`${node.column} was not tested: ${why}`);
  }
  if (node.name === 'pvalue') return result.adjustedPValue;
  const method = rule.method ?? result.test;
  const score = result.scores[method];
  if (score === undefined) {
    throw new InputError(
      `${input} line ${rule.line}: ${method} does not apply to ${node.column}, a ${result.kind} column (use ${Object.keys(result.scores).join(' or ')})`,
      input,
    );
  }
  return score;
}
