import { InputError } from '../errors';
import { type Direction, metricDirection } from '../gate';
import type { RunRecord } from '../train/record';

export interface BestRunQuery {
  metric: string;
  /** Default: by the metric's name, as the gate judges it (loss, error, latency… lower). */
  direction?: Direction;
  /** Only runs of this commit (a matrix sweep of one workflow run shares its commit); a prefix of 7+ hex digits. */
  commit?: string;
}

export interface RankedRun {
  run: RunRecord;
  value: number;
}

export interface BestRunResult {
  direction: Direction;
  /** Successful runs that reported the metric, best first. */
  ranked: RankedRun[];
  /** Runs left out, with why: failed, metric missing, another commit. */
  skipped: { run: RunRecord; reason: string }[];
}

/**
 * The runs of a sweep ranked by one metric. Failed runs and runs without the metric never win;
 * a cache hit counts like the run it restored. Ties go to the earlier run, so the answer does
 * not change when more runs with the same value arrive.
 */
export function rankRuns(runs: readonly RunRecord[], query: BestRunQuery): BestRunResult {
  if (query.commit !== undefined && !/^[0-9a-f]{7,64}$/.test(query.commit)) {
    throw new InputError(`commit: "${query.commit}" is not a commit sha (7 to 64 hex digits)`, 'commit');
  }
  const direction = query.direction ?? metricDirection(query.metric, []);
  const ranked: RankedRun[] = [];
  const skipped: BestRunResult['skipped'] = [];
  for (const run of runs) {
    const value = run.metrics[query.metric];
    if (query.commit && !run.commit?.startsWith(query.commit)) {
      skipped.push({ run, reason: `commit ${run.commit?.slice(0, 7) ?? 'none'}` });
    } else if (run.exitCode !== 0) {
      skipped.push({ run, reason: `exit code ${run.exitCode}` });
    } else if (value === undefined || !Number.isFinite(value)) {
      skipped.push({ run, reason: `no ${query.metric}` });
    } else {
      ranked.push({ run, value });
    }
  }
  const sign = direction === 'lower' ? 1 : -1;
  ranked.sort((a, b) => sign * (a.value - b.value) || (a.run.startedAt < b.run.startedAt ? -1 : 1));
  return { direction, ranked, skipped };
}

/** `metric` names the user may have meant, from what the runs reported. */
export function reportedMetrics(runs: readonly RunRecord[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
}
