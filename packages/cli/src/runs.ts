import { parseArgs } from 'node:util';
import {
  checkRunName,
  ExitCode,
  formatBytes,
  InputError,
  listRuns,
  nearNames,
  type RunRecord,
  rankRuns,
  reportedMetrics,
  runNames,
} from '@mcp/core';
import { metaOptions, metaSnapshot } from './meta';

export const runsUsage = `usage: mcp runs list --name <name> [--json]
       mcp runs best --name <name> --metric <metric> [--direction higher|lower] [--commit <sha>] [--json]`;

/**
 * `mcp runs list` prints the recorded runs of a name; `mcp runs best` picks the best of a sweep
 * by one metric (failed runs and runs without the metric never win; ties go to the earlier run).
 */
export async function runsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  let values: ReturnType<typeof parse>['values'];
  try {
    if (sub !== 'list' && sub !== 'best')
      throw new InputError(`"${sub ?? ''}" is not list or best`, 'command');
    values = parse(rest).values;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n${runsUsage}\n`);
    return ExitCode.usage;
  }
  try {
    if (!values.name) throw new InputError('name: give the run name (--name)', 'name');
    const name = checkRunName(values.name);
    const view = await metaSnapshot(values);
    const runs = await listRuns(view, name);
    if (runs.length === 0) {
      const names = await runNames(view);
      const near = nearNames(name, names);
      throw new InputError(
        `name: no runs of "${name}" on mcp-meta${near.length ? ` (did you mean ${near.join(', ')}?)` : names.length ? ` (names: ${names.join(', ')})` : ''}`,
        'name',
      );
    }
    if (sub === 'list') {
      process.stdout.write(values.json ? `${JSON.stringify(runs.map(summary))}\n` : `${listTable(runs)}\n`);
      return ExitCode.ok;
    }
    return best(runs, values);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message.split('\n')[0]}\n`);
    return error instanceof InputError ? ExitCode.usage : ExitCode.failed;
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      ...metaOptions,
      name: { type: 'string' },
      metric: { type: 'string' },
      direction: { type: 'string' },
      commit: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
}

function best(runs: RunRecord[], values: ReturnType<typeof parse>['values']): number {
  if (!values.metric) throw new InputError('metric: give the metric to rank by (--metric f1)', 'metric');
  const { direction } = values;
  if (direction !== undefined && direction !== 'higher' && direction !== 'lower') {
    throw new InputError(`direction: "${direction}" is not higher or lower`, 'direction');
  }
  const result = rankRuns(runs, { metric: values.metric, direction, commit: values.commit });
  const winner = result.ranked[0];
  if (!winner) {
    const known = reportedMetrics(runs);
    const near = nearNames(values.metric, known);
    const why = result.skipped.map((s) => `${s.run.id}: ${s.reason}`).join('; ');
    throw new InputError(
      `metric: no successful run reported "${values.metric}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}${why ? ` — ${why}` : ''}`,
      'metric',
    );
  }
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ ...summary(winner.run), metric: values.metric, value: winner.value, direction: result.direction })}\n`,
    );
    return ExitCode.ok;
  }
  const rows = [
    ...result.ranked.map((r, i) => [
      i === 0 ? '★' : String(i + 1),
      r.run.id,
      String(r.value),
      short(r.run),
      '',
    ]),
    ...result.skipped.map((s) => ['-', s.run.id, '', short(s.run), s.reason]),
  ];
  process.stdout.write(
    `best ${values.metric} (${result.direction} is better): ${winner.run.id} = ${winner.value}\n\n` +
      `${textTable(['rank', 'run', values.metric, 'commit', 'left out'], rows)}\n`,
  );
  return ExitCode.ok;
}

function summary(run: RunRecord) {
  return {
    id: run.id,
    name: run.name,
    commit: run.commit,
    exitCode: run.exitCode,
    cacheHit: run.cachedFrom !== null,
    params: run.params,
    metrics: run.metrics,
    outputs: run.outputs,
    startedAt: run.startedAt,
    runUrl: run.runUrl,
  };
}

function short(run: RunRecord): string {
  return run.commit ? run.commit.slice(0, 7) + (run.dirty ? '+' : '') : '-';
}

function listTable(runs: RunRecord[]): string {
  const metricNames = reportedMetrics(runs).slice(0, 4);
  const rows = runs.map((run) => [
    run.id,
    short(run),
    String(run.exitCode),
    run.cachedFrom ? 'hit' : '',
    formatBytes(run.outputs.reduce((sum, o) => sum + o.size, 0)),
    ...metricNames.map((m) => (run.metrics[m] === undefined ? '' : String(run.metrics[m]))),
  ]);
  return textTable(['run', 'commit', 'exit', 'cache', 'outputs', ...metricNames], rows);
}

/** Columns padded to their widest cell, for a terminal. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
