// One definition of "a number" for numeric cells and for deciding whether labels sort numerically.
// Number() alone would also take '', '0x1f' and '0b1', which numpy would not read as numbers.
const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** The finite number a cell spells (surrounding spaces allowed), else undefined. */
export function parseNumber(text: string): number | undefined {
  const value = Number(text);
  if (!Number.isFinite(value) || !NUMBER.test(text)) return undefined;
  return value + 0; // -0 → 0: one tie group with 0, as in numpy
}

/** Why a cell is not a usable number, for the error message. */
export function notANumber(column: string, text: string): string {
  if (text.trim() === '') return `${column} is empty (expected a number)`;
  const special = /^[+-]?(nan|inf(inity)?)$/i.test(text.trim()) || NUMBER.test(text);
  return `${column} ${JSON.stringify(text)} is not ${special ? 'a finite number' : 'a number'}`;
}

/** Interns label strings while a file streams in, so rows keep a 4-byte code instead of a string. */
export class LabelDictionary {
  private readonly codes = new Map<string, number>();
  readonly names: string[] = [];

  code(name: string): number {
    let code = this.codes.get(name);
    if (code === undefined) {
      code = this.names.length;
      this.codes.set(name, code);
      this.names.push(name);
    }
    return code;
  }

  get size(): number {
    return this.names.length;
  }
}

export interface LabelOrder {
  /** Sorted, distinct, canonical spellings. */
  labels: string[];
  /** Dictionary code → index in `labels`; -1 for codes that were not ordered. */
  indexOf: Int32Array;
  numeric: boolean;
}

/**
 * scikit-learn's np.unique order for the given dictionary codes: when every label is a number the
 * classes are numbers ("1" and "1.0" are one class) sorted numerically; otherwise strings sorted by
 * code point.
 */
export function orderLabels(names: readonly string[], codes: Iterable<number>): LabelOrder {
  const chosen = [...new Set(codes)];
  const numbers = chosen.map((code) => parseNumber(names[code] ?? ''));
  const numeric = numbers.every((v) => v !== undefined);
  const keyOf = (i: number): string => (numeric ? String(numbers[i]) : (names[chosen[i] ?? -1] ?? ''));
  const keys = [...new Set(chosen.map((_, i) => keyOf(i)))];
  const labels = numeric ? keys.sort((a, b) => Number(a) - Number(b)) : keys.sort(compareCodePoints);
  const position = new Map(labels.map((label, i) => [label, i]));
  const indexOf = new Int32Array(names.length).fill(-1);
  chosen.forEach((code, i) => {
    indexOf[code] = position.get(keyOf(i)) ?? -1;
  });
  return { labels, indexOf, numeric };
}

/** The canonical spelling of a user-given label, as `orderLabels` would write it. */
export function canonicalLabel(label: string, numeric: boolean): string {
  const value = numeric ? parseNumber(label) : undefined;
  return value === undefined ? label : String(value);
}

/**
 * roc_auc_score's positive class: the greater of the two labels. With a single label present, the
 * conventional partner ({0,1}, {-1,1}, {false,true}) is the positive class when it is the missing one.
 */
export function defaultPosLabel(labels: readonly string[]): string {
  if (labels.length === 1) {
    const only = labels[0] ?? '';
    if (only === '0' || only === '-1') return '1';
    if (only === 'false') return 'true';
    return only;
  }
  return labels[labels.length - 1] ?? '';
}

// UTF-16 order differs from code-point order only for surrogates against U+E000–U+FFFF.
function compareCodePoints(a: string, b: string): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
