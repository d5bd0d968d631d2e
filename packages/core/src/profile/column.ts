import type { ColumnType, PresentCell } from './cells';
import { type FrequencyKey, FrequentValues, ownCopy } from './frequent';
import { finalize, murmur3 } from './hash';
import { KllSketch } from './kll';
import { Moments } from './moments';
import { QUANTILE_PROBABILITIES, type SketchOptions } from './options';
import { Reservoir } from './reservoir';
import type { ColumnProfile, NumericSummary } from './schema';

/** The kinds of value a column summarises as numbers (datetimes as epoch milliseconds). */
export type NumericKind = 'integer' | 'number' | 'datetime';

/**
 * Everything a profile says about one column, gathered in one pass in memory that does not grow
 * with the file: moments, a KLL sketch, value frequencies (exact, then Misra–Gries + HyperLogLog)
 * and a reservoir sample. Missing values are those never added: rows − present.
 */
export class ColumnProfiler {
  private integers = 0;
  private numbers = 0;
  private booleans = 0;
  private datetimes = 0;
  private strings = 0;
  /**
   * Until a value rules out a numeric type (text, a boolean, dates beside numbers), moments and
   * quantiles are kept; after, the column reports none, so they are no longer fed.
   */
  private mayBeNumeric = true;
  private readonly moments = new Moments();
  private readonly quantiles: KllSketch;
  private readonly frequencies: FrequentValues;
  private readonly reservoir: Reservoir;
  private readonly sample: FrequencyKey[] = [];
  private infinite = 0;
  present = 0;

  constructor(
    readonly name: string,
    private readonly options: SketchOptions,
  ) {
    // Seeds from the name, not the position: a column keeps its sample when others are added.
    const seed = finalize(murmur3(name, options.seed));
    this.reservoir = new Reservoir(seed, options.sampleSize);
    this.quantiles = new KllSketch(seed ^ 0x9e3779b9, options.quantileK);
    this.frequencies = new FrequentValues(options.exactDistinct, options.heavyHitters);
  }

  /**
   * One present value: its classification, and its text (used for strings only). Numbers and
   * datetimes are counted by value — 1.0 and 1 are one value, and a date reads the same from CSV
   * and Parquet — booleans as true/false, text as written.
   */
  add(cell: PresentCell, text: string): void {
    if (cell.kind === 'string') this.addText(text);
    else if (cell.kind === 'boolean') this.addBoolean(cell.value);
    else this.addNumber(cell.kind, cell.value);
  }

  addNumber(kind: NumericKind, value: number): void {
    this.present++;
    if (kind === 'integer') this.integers++;
    else if (kind === 'number') this.numbers++;
    else this.datetimes++;
    this.frequencies.addNumber(value);
    const slot = this.reservoir.offer();
    if (slot >= 0) this.sample[slot] = value;
    if (!this.mayBeNumeric) return;
    if (this.datetimes > 0 && this.integers + this.numbers > 0) this.mayBeNumeric = false;
    else if (Number.isFinite(value)) {
      this.moments.add(value);
      this.quantiles.add(value);
    } else this.infinite++;
  }

  addBoolean(value: boolean): void {
    this.present++;
    this.booleans++;
    this.mayBeNumeric = false;
    this.addKey(value ? 'true' : 'false');
  }

  addText(text: string): void {
    this.present++;
    this.strings++;
    this.mayBeNumeric = false;
    this.addKey(text);
  }

  private addKey(key: string): void {
    this.frequencies.addText(key);
    const slot = this.reservoir.offer();
    if (slot >= 0) this.sample[slot] = ownCopy(key);
  }

  finish(rows: number): ColumnProfile {
    const type = this.type();
    const missing = rows - this.present;
    const numeric =
      type === 'integer' || type === 'number' || type === 'datetime' ? this.numeric() : undefined;
    return {
      name: this.name,
      type,
      missing,
      missingShare: rows === 0 ? 0 : missing / rows,
      distinct: { count: this.frequencies.distinct(), exact: this.frequencies.exact },
      ...(numeric ? { numeric } : {}),
      top: {
        exact: this.frequencies.exact,
        maxError: this.frequencies.maxError(),
        values: this.frequencies
          .top(this.options.topValues)
          .map(({ value, count }) => ({ value: render(value, type), count, share: count / this.present })),
      },
      sample: { of: this.present, values: this.sampleValues(type) },
    };
  }

  /** One type for every present value, else `string`; an all-missing column is `string` too. */
  private type(): ColumnType {
    const present = this.present;
    if (present === 0 || this.strings > 0) return 'string';
    if (this.booleans === present) return 'boolean';
    if (this.datetimes === present) return 'datetime';
    if (this.integers === present) return 'integer';
    if (this.integers + this.numbers === present) return 'number';
    return 'string';
  }

  private numeric(): NumericSummary | undefined {
    if (this.moments.count === 0) return undefined;
    const values = this.quantiles.quantiles(QUANTILE_PROBABILITIES);
    return {
      count: this.moments.count,
      infinite: this.infinite,
      min: this.quantiles.min,
      max: this.quantiles.max,
      mean: this.moments.mean,
      std: this.moments.std,
      quantiles: QUANTILE_PROBABILITIES.map((q, i) => ({ q, value: values[i] ?? Number.NaN })),
    };
  }

  private sampleValues(type: ColumnType): number[] | boolean[] | string[] {
    if (type === 'string') return this.sample.map((key) => render(key, type));
    if (type === 'boolean') return this.sample.map((key) => key === 'true');
    // Infinite values stay out of a numeric sample: JSON cannot hold them and no test takes them.
    return this.sample.filter((key): key is number => typeof key === 'number' && Number.isFinite(key));
  }
}

/** A counted value as text: datetimes in ISO 8601 (UTC), numbers as JavaScript prints them. */
function render(key: FrequencyKey, type: ColumnType): string {
  if (typeof key === 'string') return key;
  return type === 'datetime' ? new Date(key).toISOString() : String(key);
}
