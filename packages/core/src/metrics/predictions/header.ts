import { InputError, nearNames } from '../../errors';
import type { Task } from './types';

/** Where each known column sits in the CSV header. */
export interface Header {
  readonly columns: readonly string[];
  readonly yTrue: number;
  readonly yPred?: number;
  readonly yScore?: number;
  readonly id?: number;
  /** proba_<class> columns in file order. */
  readonly proba: readonly { readonly index: number; readonly label: string }[];
}

const PROBA = 'proba_';

/** `where` prefixes messages, e.g. `predictions: preds.csv`. */
export function resolveHeader(columns: readonly string[], where: string, input: string, task?: Task): Header {
  const fail = (message: string): InputError => new InputError(`${where} ${message}`, input);
  const listed = `(columns: ${columns.join(', ')})`;
  const position = new Map<string, number>();
  columns.forEach((column, index) => {
    if (position.has(column)) throw fail(`has two columns named ${JSON.stringify(column)}`);
    position.set(column, index);
  });

  const yTrue = position.get('y_true');
  if (yTrue === undefined) {
    const near = nearNames('y_true', columns);
    throw fail(`has no column y_true ${listed}${near.length ? `; did you mean ${near.join(' or ')}?` : ''}`);
  }
  const yPred = position.get('y_pred');
  const regression = task === 'regression';
  // A regression file may carry score columns for other tools; they mean nothing here.
  const yScore = regression ? undefined : position.get('y_score');
  const proba = regression
    ? []
    : columns.flatMap((column, index) =>
        column.startsWith(PROBA) ? [{ index, label: column.slice(PROBA.length) }] : [],
      );

  if (proba.some((p) => p.label === '')) throw fail(`has a column named ${PROBA} without a class name`);
  if (yScore !== undefined && proba.length > 0) {
    throw fail(`has both y_score and ${PROBA}<class> columns; keep one kind of score ${listed}`);
  }
  if (proba.length === 1) {
    throw fail(`has a single ${PROBA} column; give one ${PROBA}<class> column per class ${listed}`);
  }
  if (yScore !== undefined && task === 'multiclass') {
    throw fail(`has y_score, a binary score; a multiclass task needs one ${PROBA}<class> column per class`);
  }
  if (yPred === undefined) {
    const derivable = !regression && (yScore !== undefined || proba.length > 0);
    if (!derivable) {
      const hint = regression ? '' : ` and no y_score or ${PROBA}<class> columns to derive it from`;
      throw fail(`has no column y_pred${hint} ${listed}`);
    }
  }
  return { columns, yTrue, yPred, yScore, id: position.get('id'), proba };
}
