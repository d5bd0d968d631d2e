/**
 * Data profiles of tabular files — CSV/TSV, JSON Lines, Parquet — in one streaming pass and flat
 * memory, deterministic byte for byte.
 *
 * ```ts
 * const profile = await profileFile('data/train.csv', { input: 'path' });
 * profile.rows;                                  // 1461
 * const temp = profile.columns.find((c) => c.name === 'temp_max');
 * temp?.type, temp?.missingShare, temp?.numeric?.quantiles;
 * temp?.sample.values;                            // ≤ 10 000 seeded sample values, for drift tests later
 * DataProfile.parse(JSON.parse(text));      // a stored profile, validated
 * ```
 *
 * Per column: the inferred type (integer, number, boolean, datetime — ISO 8601, UTC when no offset —
 * or string), missing count and share (pandas' default NA strings in text files; null or absent
 * in JSON Lines and Parquet), distinct count, numeric min/max/mean/std (Welford) and quantiles (KLL,
 * k = 200: rank error ≤ 1.65 %), the 20 most frequent values, and a reservoir sample of 10 000 values
 * (Algorithm L). Distinct counts and frequencies are exact up to 10 000 distinct values; past that, a
 * HyperLogLog (2^14 registers, 0.81 % relative standard error) and Misra–Gries with 1 000 counters
 * (counts short by at most `top.maxError`). Every random choice comes from xoshiro128** seeded by
 * `seed` and the column's name. Memory per column is bounded by those sizes, whatever the file's.
 *
 * Malformed input is an `InputError` naming the file and line: a ragged CSV row, a JSON Lines line
 * that is not a JSON object, a file that is not Parquet.
 */
export { type Cell, COLUMN_TYPES, type ColumnType, classifyText, MISSING_TEXT, parseDatetime } from './cells';
export { formatProfile } from './format';
export { EXACT_DISTINCT_BOUND, FrequentValues, HEAVY_HITTER_CAPACITY } from './frequent';
export { HLL_PRECISION, HyperLogLog } from './hyperloglog';
export { KLL_K, KLL_RANK_ERROR, KllSketch } from './kll';
export { Moments } from './moments';
export { DEFAULT_SKETCH_OPTIONS, QUANTILE_PROBABILITIES, type SketchOptions } from './options';
export { detectFormat, type ProfileOptions, profileFile } from './profile-file';
export { Reservoir, SAMPLE_SIZE } from './reservoir';
export { ColumnProfile, DataProfile, NumericSummary, PROFILE_FORMATS, type ProfileFormat } from './schema';
