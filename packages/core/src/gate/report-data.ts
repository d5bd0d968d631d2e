import { z } from 'zod';
import { compare } from '../metrics';
import type { Verdict } from './evaluate';

/**
 * Everything a report shows, as plain data. The `pull_request` run stores it as JSON beside the
 * markdown; a trusted `workflow_run` job validates it and renders it again, so text written by a
 * fork's code only ever reaches a comment escaped, as data.
 */
const finite = z.number().finite();
const interval = z.object({ low: finite, high: finite });

const ResultData = z.object({
  rule: z.string().max(1000),
  status: z.enum(['pass', 'fail', 'no-baseline']),
  significance: z
    .union([
      z.object({ interval, significant: z.boolean(), withinNoise: z.boolean() }),
      z.object({ unavailable: z.string().max(300) }),
    ])
    .optional(),
});

const RowData = z.object({
  name: z.string().max(500),
  candidate: finite.optional(),
  baseline: finite.optional(),
  delta: finite.optional(),
  deltaInterval: interval.optional(),
  folds: z.object({ std: finite, n: z.number().int().positive() }).optional(),
  direction: z.enum(['higher', 'lower']),
  results: z.array(ResultData).max(100),
});

export const ReportData = z.object({
  schemaVersion: z.literal(1),
  action: z.literal('validate-metrics'),
  title: z.string().min(1).max(200),
  passed: z.boolean(),
  change: z.number().int().positive().optional(),
  sha: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/)
    .optional(),
  candidateSource: z.string().max(1000),
  baselineSource: z.string().max(1000).optional(),
  bootstrap: z
    .object({ resamples: z.number().int().positive(), confidence: z.number().gt(0).lt(1) })
    .optional(),
  confusion: z
    .object({
      labels: z.array(z.string().max(200)).max(200),
      matrix: z.array(z.array(z.number().int().nonnegative()).max(200)).max(200),
    })
    .optional(),
  rows: z.array(RowData).max(100_000),
});

export type ReportData = z.infer<typeof ReportData>;
export type RowData = z.infer<typeof RowData>;
export type ResultData = z.infer<typeof ResultData>;

export interface ReportSources {
  title: string;
  change?: number;
  sha?: string;
  candidateSource: string;
  baselineSource?: string;
  bootstrap?: { resamples: number; confidence: number };
  confusion?: { labels: string[]; matrix: number[][] };
}

const numberOrNothing = (value: number | undefined) =>
  value !== undefined && Number.isFinite(value) ? value : undefined;

export function toReportData(verdict: Verdict, sources: ReportSources): ReportData {
  return {
    schemaVersion: 1,
    action: 'validate-metrics',
    ...sources,
    sha: sources.sha && /^[0-9a-f]{7,64}$/.test(sources.sha) ? sources.sha : undefined,
    passed: verdict.passed,
    rows: verdict.rows.map((row) => ({
      name: row.name,
      candidate: numberOrNothing(row.candidate),
      baseline: numberOrNothing(row.baseline),
      delta: numberOrNothing(row.delta),
      deltaInterval:
        row.deltaInterval && Number.isFinite(row.deltaInterval.low) && Number.isFinite(row.deltaInterval.high)
          ? row.deltaInterval
          : undefined,
      folds: row.folds,
      direction: row.direction,
      results: row.results.map((result) => {
        const { significance } = result;
        let data: ResultData['significance'];
        if (significance && 'interval' in significance) {
          if (Number.isFinite(significance.interval.low) && Number.isFinite(significance.interval.high)) {
            const holds =
              result.bound === undefined || compare(result.rule.op, result.candidate, result.bound);
            data = { ...significance, withinNoise: result.status === 'pass' && !holds };
          } else {
            data = { unavailable: 'the bootstrap could not compute this metric on every resample' };
          }
        } else if (significance) {
          data = significance;
        }
        return { rule: result.rule.text, status: result.status, significance: data };
      }),
    })),
  };
}

/** Parses stored report JSON; one line saying what is wrong when it is not a valid report. */
export function parseReportData(text: string): ReportData | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  const parsed = ReportData.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return `is not a validate-metrics report (${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'})`;
}
