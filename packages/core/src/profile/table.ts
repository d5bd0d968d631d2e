import { ColumnProfiler } from './column';
import { HLL_PRECISION } from './hyperloglog';
import { KLL_RANK_ERROR } from './kll';
import type { SketchOptions } from './options';
import type { DataProfile, ProfileFormat } from './schema';

/** Columns in the order the file first names them, and the row count. */
export class TableProfiler {
  readonly columns: ColumnProfiler[] = [];
  private readonly byName = new Map<string, ColumnProfiler>();
  rows = 0;

  constructor(private readonly options: SketchOptions) {}

  column(name: string): ColumnProfiler {
    let column = this.byName.get(name);
    if (!column) {
      column = new ColumnProfiler(name, this.options);
      this.byName.set(name, column);
      this.columns.push(column);
    }
    return column;
  }

  finish(format: ProfileFormat): DataProfile {
    const { seed, sampleSize, quantileK, exactDistinct, heavyHitters, topValues } = this.options;
    return {
      schemaVersion: 1,
      format,
      rows: this.rows,
      sketch: {
        seed,
        sampleSize,
        quantileK,
        quantileRankError: KLL_RANK_ERROR,
        exactDistinct,
        distinctRelativeError: Number((1.04 / Math.sqrt(2 ** HLL_PRECISION)).toFixed(4)),
        heavyHitters,
        topValues,
      },
      columns: this.columns.map((column) => column.finish(this.rows)),
    };
  }
}
