import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { percentile } from './index';

const numpy = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../../../test/fixtures/sklearn/percentile.json'), 'utf8'),
) as { values: number[]; quantiles: { q: number; value: number }[] };

describe('percentile', () => {
  it('is bit-identical to numpy.quantile with the default linear method', () => {
    const values = Float64Array.from(numpy.values);
    for (const { q, value } of numpy.quantiles) expect(percentile(values, q), `q=${q}`).toBe(value);
  });

  it('does not reorder its input', () => {
    const values = Float64Array.from([3, 1, 2]);
    expect(percentile(values, 0.5)).toBe(2);
    expect(Array.from(values)).toEqual([3, 1, 2]);
  });

  it('propagates NaN, like numpy, and is NaN for no values', () => {
    expect(percentile(Float64Array.from([1, Number.NaN, 2]), 0.5)).toBeNaN();
    expect(percentile(new Float64Array(0), 0.5)).toBeNaN();
  });

  it('takes q as a fraction and refuses a percentage', () => {
    expect(() => percentile(Float64Array.from([1, 2]), 2.5)).toThrow(RangeError);
    expect(() => percentile(Float64Array.from([1, 2]), -0.1)).toThrow(RangeError);
  });
});
