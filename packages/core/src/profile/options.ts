import { EXACT_DISTINCT_BOUND, HEAVY_HITTER_CAPACITY } from './frequent';
import { KLL_K } from './kll';
import { SAMPLE_SIZE } from './reservoir';

/** The knobs of a profile's sketches; recorded in the profile, since they set its error bounds. */
export interface SketchOptions {
  /** Seeds every column's sample and quantile sketch (mixed with the column's name). */
  seed: number;
  /** Values kept per column in the reservoir sample. */
  sampleSize: number;
  /** KLL's k: normalized rank error about 1.65 % at k = 200. */
  quantileK: number;
  /** Distinct values counted exactly (and frequencies kept exactly) per column. */
  exactDistinct: number;
  /** Misra–Gries counters past the exact bound. */
  heavyHitters: number;
  /** Most frequent values reported per column. */
  topValues: number;
}

export const DEFAULT_SKETCH_OPTIONS: Readonly<SketchOptions> = {
  seed: 0x6d6370, // "mcp"
  sampleSize: SAMPLE_SIZE,
  quantileK: KLL_K,
  exactDistinct: EXACT_DISTINCT_BOUND,
  heavyHitters: HEAVY_HITTER_CAPACITY,
  topValues: 20,
};

/** The probabilities at which a numeric column's quantiles are reported. */
export const QUANTILE_PROBABILITIES: readonly number[] = [
  0, 0.01, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.99, 1,
];
