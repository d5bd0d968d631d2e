import { z } from 'zod';
import { COLUMN_TYPES } from './cells';

export const PROFILE_FORMATS = ['csv', 'tsv', 'jsonl', 'parquet'] as const;
export type ProfileFormat = (typeof PROFILE_FORMATS)[number];

const count = z.number().int().nonnegative();
const share = z.number().min(0).max(1);

export const NumericSummary = z.object({
  /** Finite values summarised (infinities are counted apart, not folded into the moments). */
  count,
  infinite: count,
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  /** Sample standard deviation (ddof 1); null below two values. */
  std: z.number().nullable(),
  /** From the KLL sketch: each within `sketch.quantileRankError` of its rank; q = 0 and 1 exact. */
  quantiles: z.array(z.object({ q: share, value: z.number() })),
});

export const ColumnProfile = z.object({
  name: z.string(),
  /** Every present value is of this type; a mix (or any text) makes `string`. */
  type: z.enum(COLUMN_TYPES),
  missing: count,
  missingShare: share,
  distinct: z.object({
    count,
    /** false past `sketch.exactDistinct` values: then a HyperLogLog estimate. */
    exact: z.boolean(),
  }),
  /** For integer, number and datetime columns (datetimes as milliseconds since the epoch, UTC). */
  numeric: NumericSummary.optional(),
  top: z.object({
    /** false once the column outgrew `sketch.exactDistinct`: counts are then lower bounds… */
    exact: z.boolean(),
    /** …short of the truth by at most this much. */
    maxError: count,
    /** Most frequent values as written, share of the present (non-missing) values. */
    values: z.array(z.object({ value: z.string(), count, share })),
  }),
  /** A uniform random sample of the present values (seeded reservoir), typed as the column. */
  sample: z.object({
    /** Present values the sample was drawn from. */
    of: count,
    values: z.union([z.array(z.number()), z.array(z.boolean()), z.array(z.string())]),
  }),
});

export const DataProfile = z.object({
  schemaVersion: z.literal(1),
  format: z.enum(PROFILE_FORMATS),
  rows: count,
  sketch: z.object({
    seed: z.number().int(),
    sampleSize: count,
    quantileK: count,
    /** Normalized rank error of the quantiles (99 % confidence). */
    quantileRankError: z.number(),
    exactDistinct: count,
    /** Relative standard error of distinct counts past the exact bound (HyperLogLog, 2^14 registers). */
    distinctRelativeError: z.number(),
    heavyHitters: count,
    topValues: count,
  }),
  columns: z.array(ColumnProfile),
});

export type DataProfile = z.infer<typeof DataProfile>;
export type ColumnProfile = z.infer<typeof ColumnProfile>;
export type NumericSummary = z.infer<typeof NumericSummary>;
