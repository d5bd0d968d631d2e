import { InputError } from '../../errors';
import { GrowableFloat64, GrowableInt32 } from './growable';
import type { Header } from './header';
import {
  canonicalLabel,
  defaultPosLabel,
  LabelDictionary,
  notANumber,
  orderLabels,
  parseNumber,
} from './labels';
import type { ClassificationSet, PredictionSet, RegressionSet, Task } from './types';

// Integer-valued targets with at most this many distinct y_true values are class labels.
const MAX_DETECTED_CLASSES = 20;
// While undecided, labels are interned; past this many distinct integers the target is a quantity.
const MAX_UNDECIDED_LABELS = 4096;

type Mode = 'undecided' | 'classification' | 'regression';

export interface BuildOptions {
  input: string;
  source: string;
  task?: Task;
  posLabel?: string;
}

/**
 * Accumulates rows into columnar typed arrays. While the task is undecided a target is kept both as
 * label codes and as numbers; the first row that settles the question drops the other form.
 */
export class SetBuilder {
  private mode: Mode;
  private readonly labels = new LabelDictionary();
  private trueCodes: GrowableInt32 | undefined = new GrowableInt32();
  private predCodes: GrowableInt32 | undefined;
  private trueValues: GrowableFloat64 | undefined = new GrowableFloat64();
  private predValues: GrowableFloat64 | undefined;
  private trueDistinct: Set<number> | undefined = new Set();
  private readonly scores: GrowableFloat64 | undefined;
  private readonly probaCodes: number[];
  private readonly probaColumns: { index: number; name: string }[];
  private readonly ids: string[] | undefined;
  private readonly lines: LineIndex;
  private regressionEvidence = '';
  private n = 0;

  constructor(
    private readonly header: Header,
    headerLine: number,
    private readonly options: BuildOptions,
  ) {
    const scored = header.yScore !== undefined || header.proba.length > 0;
    this.mode =
      options.task === 'regression' ? 'regression' : options.task || scored ? 'classification' : 'undecided';
    if (header.yPred !== undefined) {
      this.predCodes = new GrowableInt32();
      this.predValues = new GrowableFloat64();
    }
    if (this.mode === 'regression') this.dropLabels();
    if (this.mode === 'classification') this.dropValues();
    this.scores = scored ? new GrowableFloat64() : undefined;
    this.probaCodes = header.proba.map((p) => this.labels.code(p.label));
    this.probaColumns = header.proba.map((p) => ({ index: p.index, name: `proba_${p.label}` }));
    this.ids = header.id === undefined ? undefined : [];
    this.lines = new LineIndex(headerLine + 1);
  }

  add(record: readonly string[], line: number): void {
    const h = this.header;
    this.lines.add(this.n, line);
    this.target('y_true', record[h.yTrue] ?? '', this.trueCodes, this.trueValues, line);
    if (h.yPred !== undefined)
      this.target('y_pred', record[h.yPred] ?? '', this.predCodes, this.predValues, line);
    if (h.yScore !== undefined) this.score('y_score', record[h.yScore] ?? '', line);
    for (const p of this.probaColumns) this.score(p.name, record[p.index] ?? '', line);
    if (this.ids && h.id !== undefined) {
      const id = record[h.id] ?? '';
      if (id === '') throw this.error(line, 'id is empty');
      this.ids.push(id);
    }
    this.n++;
  }

  finish(): PredictionSet {
    if (this.n === 0) throw new InputError(`${this.where()} has no rows`, this.options.input);
    if (this.mode === 'undecided') {
      if ((this.trueDistinct?.size ?? 0) <= MAX_DETECTED_CLASSES) this.dropValues();
      else this.dropLabels();
    }
    return this.trueValues ? this.regression() : this.classification();
  }

  private target(
    column: string,
    text: string,
    codes: GrowableInt32 | undefined,
    values: GrowableFloat64 | undefined,
    line: number,
  ): void {
    if (text === '') throw this.error(line, `${column} is empty`);
    if (codes) {
      const code = this.labels.code(text);
      codes.push(code);
      if (this.trueDistinct && column === 'y_true') this.trueDistinct.add(code);
    }
    if (!values) return;
    const value = parseNumber(text);
    if (value === undefined) {
      if (this.mode !== 'undecided')
        throw this.error(line, `${notANumber(column, text)}${this.regressionEvidence}`);
      this.dropValues();
      return;
    }
    values.push(value);
    if (this.mode !== 'undecided') return;
    if (!Number.isInteger(value)) {
      this.regressionEvidence = ` (line ${line} has ${column} ${text}, so the task was taken as regression)`;
      this.dropLabels();
    } else if (
      this.labels.size > MAX_UNDECIDED_LABELS &&
      (this.trueDistinct?.size ?? 0) > MAX_DETECTED_CLASSES
    ) {
      this.regressionEvidence = ` (y_true has over ${MAX_UNDECIDED_LABELS} distinct integers above, so the task was taken as regression)`;
      this.dropLabels();
    }
  }

  private score(column: string, text: string, line: number): void {
    const value = parseNumber(text);
    if (value === undefined) throw this.error(line, notANumber(column, text));
    this.scores?.push(value);
  }

  private dropLabels(): void {
    this.mode = 'regression';
    this.trueCodes = this.predCodes = this.trueDistinct = undefined;
  }

  private dropValues(): void {
    this.mode = 'classification';
    this.trueValues = this.predValues = this.trueDistinct = undefined;
  }

  private regression(): RegressionSet {
    const yPred = this.predValues?.view();
    if (!this.trueValues || !yPred) throw new Error('regression needs y_true and y_pred values');
    return { task: 'regression', ...this.common(), labels: [], yTrue: this.trueValues.view(), yPred };
  }

  private classification(): ClassificationSet {
    const trueCodes = this.trueCodes?.view() ?? new Int32Array(0);
    const predCodes = this.predCodes?.view();
    const used = usedCodes(this.labels.size, trueCodes, predCodes);
    const proba = this.probaCodes.length > 0;
    const order = orderLabels(this.labels.names, proba ? [...this.probaCodes, ...used] : used);
    if (proba) this.checkProbaColumns(order.indexOf, order.labels.length, trueCodes, predCodes);
    const { task: given } = this.options;
    const task =
      given === 'multiclass' || (given === undefined && order.labels.length > 2) ? 'multiclass' : 'binary';
    if (task === 'multiclass' && this.header.yScore !== undefined) {
      const message = `has y_score, a binary score, but ${order.labels.length} classes (${order.labels.join(', ')}); give one proba_<class> column per class`;
      throw new InputError(`${this.where()} ${message}`, this.options.input);
    }
    const { labels, pos: posLabel } =
      task === 'binary'
        ? this.binaryLabels(order.labels, order.numeric)
        : { labels: order.labels, pos: undefined };
    // Dictionary code → index in the final labels (binary may have gained the missing positive class).
    const toLabel = order.indexOf.map((i) => (i < 0 ? -1 : labels.indexOf(order.labels[i] ?? '')));
    const yTrue = trueCodes.map((code) => toLabel[code] ?? -1);
    const scores = this.classScores(
      toLabel,
      labels.length,
      posLabel === undefined ? -1 : labels.indexOf(posLabel),
    );
    const yPred = predCodes
      ? predCodes.map((code) => toLabel[code] ?? -1)
      : this.derivePredictions(labels, scores, posLabel);
    return { task, ...this.common(), labels, posLabel, yTrue, yPred, scores };
  }

  private binaryLabels(sorted: string[], numeric: boolean): { labels: string[]; pos: string } {
    const { input, source } = this.options;
    if (sorted.length > 2) {
      throw new InputError(
        `${this.where()} has ${sorted.length} classes (${sorted.join(', ')}) but the task is binary`,
        input,
      );
    }
    const given =
      this.options.posLabel === undefined ? undefined : canonicalLabel(this.options.posLabel, numeric);
    if (given !== undefined && !sorted.includes(given) && sorted.length === 2) {
      throw new InputError(
        `${input}: posLabel ${JSON.stringify(given)} is not a class of ${source} (classes: ${sorted.join(', ')})`,
        input,
      );
    }
    const pos = given ?? defaultPosLabel(sorted);
    const labels = sorted.includes(pos) ? sorted : orderLabels([...sorted, pos], [0, 1]).labels;
    return { labels, pos };
  }

  // Binary: P(posLabel) per row. Multiclass: the proba_ columns reordered to label order.
  private classScores(toLabel: Int32Array, k: number, pos: number): Float64Array | undefined {
    const raw = this.scores?.view();
    const columns = this.probaCodes.length;
    if (!raw || columns === 0) return raw;
    const target = this.probaCodes.map((code) => toLabel[code] ?? -1);
    if (pos >= 0) {
      const column = target.indexOf(pos);
      return Float64Array.from({ length: this.n }, (_, i) => raw[i * columns + column] ?? 0);
    }
    const out = new Float64Array(this.n * k);
    for (let i = 0; i < this.n; i++) {
      for (let c = 0; c < columns; c++) out[i * k + (target[c] ?? 0)] = raw[i * columns + c] ?? 0;
    }
    return out;
  }

  /** Binary: `score >= 0.5` → posLabel. Multiclass: the first maximum in label order (numpy argmax). */
  private derivePredictions(labels: readonly string[], scores?: Float64Array, posLabel?: string): Int32Array {
    const out = new Int32Array(this.n);
    if (!scores) throw new Error('y_pred is derived from scores only');
    if (posLabel !== undefined) {
      const pos = labels.indexOf(posLabel);
      const neg = labels.length === 2 ? 1 - pos : -1;
      for (let i = 0; i < this.n; i++) {
        const positive = (scores[i] ?? 0) >= 0.5;
        if (!positive && neg < 0) {
          const message = `y_score ${scores[i]} predicts the negative class, but ${labels[0]} is the only class; add a y_pred column`;
          throw this.error(this.lines.lineOf(i), message);
        }
        out[i] = positive ? pos : neg;
      }
      return out;
    }
    const k = labels.length;
    for (let i = 0; i < this.n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if ((scores[i * k + c] ?? 0) > (scores[i * k + best] ?? 0)) best = c;
      out[i] = best;
    }
    return out;
  }

  private checkProbaColumns(
    indexOf: Int32Array,
    classes: number,
    trueCodes: Int32Array,
    predCodes?: Int32Array,
  ): void {
    const covered = new Set(this.probaCodes.map((code) => indexOf[code]));
    if (covered.size < this.probaCodes.length) {
      throw new InputError(`${this.where()} has two proba_ columns for the same class`, this.options.input);
    }
    for (let label = 0; label < classes; label++) {
      if (!covered.has(label)) this.missingProba(label, indexOf, trueCodes, predCodes);
    }
  }

  private missingProba(
    label: number,
    indexOf: Int32Array,
    trueCodes: Int32Array,
    predCodes?: Int32Array,
  ): never {
    for (let i = 0; i < this.n; i++) {
      for (const [column, codes] of [['y_true', trueCodes] as const, ['y_pred', predCodes] as const]) {
        const code = codes?.[i];
        if (code === undefined || indexOf[code] !== label) continue;
        const columns = this.probaColumns.map((p) => p.name).join(', ');
        const text = this.labels.names[code] ?? '';
        throw this.error(
          this.lines.lineOf(i),
          `${column} ${JSON.stringify(text)} has no proba_ column (${columns})`,
        );
      }
    }
    throw new Error(`label ${label} has no proba_ column and no row`);
  }

  private common() {
    return {
      input: this.options.input,
      source: this.options.source,
      n: this.n,
      ids: this.ids,
      lineOf: this.lines.lineOf,
    };
  }

  private where(): string {
    return `${this.options.input}: ${this.options.source}`;
  }

  private error(line: number, message: string): InputError {
    return new InputError(`${this.where()} line ${line}: ${message}`, this.options.input);
  }
}

function usedCodes(size: number, ...columns: (Int32Array | undefined)[]): number[] {
  const seen = new Uint8Array(size);
  for (const codes of columns) for (const code of codes ?? []) seen[code] = 1;
  return Array.from(seen.keys()).filter((code) => seen[code] === 1);
}

/** Row → CSV line, stored only once a record spans several lines (quoted newlines) or lines are skipped. */
class LineIndex {
  private lines: GrowableInt32 | undefined;

  constructor(private readonly firstLine: number) {}

  add(row: number, line: number): void {
    if (!this.lines) {
      if (line === this.firstLine + row) return;
      this.lines = new GrowableInt32();
      for (let i = 0; i < row; i++) this.lines.push(this.firstLine + i);
    }
    this.lines.push(line);
  }

  readonly lineOf = (row: number): number => {
    return this.lines ? (this.lines.view()[row] ?? 0) : this.firstLine + row;
  };
}
