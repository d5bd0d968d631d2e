export type Task = 'binary' | 'multiclass' | 'regression';

interface PredictionSetBase {
  /** Input name for error messages, e.g. `predictions`. */
  readonly input: string;
  /** File name (or stream name) for error messages. */
  readonly source: string;
  readonly n: number;
  /** The `id` column, when the file has one: pairs rows of two sets by id instead of by position. */
  readonly ids?: readonly string[];
  /**
   * Classes in scikit-learn's np.unique order: numeric when every label is a number (then spelled
   * canonically, "1.0" → "1"), else code-point order. With proba_ columns these are their classes.
   * Empty for regression.
   */
  readonly labels: readonly string[];
  /** Binary only: the class that `scores` are the probability of. */
  readonly posLabel?: string;
  /** CSV line of row `i` (a record spanning several lines reports its last line). */
  lineOf(row: number): number;
}

export interface ClassificationSet extends PredictionSetBase {
  readonly task: 'binary' | 'multiclass';
  /** Indices into `labels`, one per row. */
  readonly yTrue: Int32Array;
  readonly yPred: Int32Array;
  /** Binary: P(posLabel) per row. Multiclass: n × labels.length, row-major, in `labels` order. */
  readonly scores?: Float64Array;
}

export interface RegressionSet extends PredictionSetBase {
  readonly task: 'regression';
  readonly posLabel?: undefined;
  readonly yTrue: Float64Array;
  readonly yPred: Float64Array;
}

export type PredictionSet = ClassificationSet | RegressionSet;
