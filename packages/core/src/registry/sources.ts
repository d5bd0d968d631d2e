import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { collectFiles, materialize, openStore, withChunks } from '../data';
import { InputError, McpError, nearNames } from '../errors';
import type { Direction } from '../gate';
import { rankRuns, reportedMetrics } from '../lineage/runs';
import type { MetaView } from '../meta';
import type { Platform } from '../platform';
import { datasetPath } from '../store';
import { outputMatcher } from '../train/code';
import { checkRunName, findRun, isRunId, listRuns, type RunOutput, type RunRecord } from '../train/record';
import { modelDigest } from './record';
import type { LocalModelFile } from './release';

type View = Pick<MetaView, 'read' | 'list'>;

/** The model files to register, and the run they came from. */
export interface ModelSource {
  files: LocalModelFile[];
  run?: RunRecord;
  /** How the run was chosen, for the log (best-of). */
  why?: string;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Files named by `path` lines, recorded by their workspace-relative paths (as `train` records outputs). */
export async function filesFromPaths(workspace: string, lines: string[]): Promise<LocalModelFile[]> {
  const found = await collectFiles(workspace, lines, 'path');
  return Promise.all(
    found.files.map(async ({ absolutePath }) => ({
      path: datasetPath(workspace, absolutePath),
      absolutePath,
      size: (await stat(absolutePath)).size,
      sha256: await sha256File(absolutePath),
    })),
  );
}

/** A recorded run by id; refused when it failed. */
export async function runById(view: View, id: string): Promise<RunRecord> {
  if (!isRunId(id)) {
    throw new InputError(`run-id: "${id}" is not a run id (like 20261129T081500Z-1a2b3c4d)`, 'run-id');
  }
  const run = await findRun(view, id);
  if (!run) throw new InputError(`run-id: no run ${id} on mcp-meta`, 'run-id');
  if (run.exitCode !== 0 || run.problems?.length || run.timedOut) {
    throw new InputError(
      `run-id: run ${id} failed (exit code ${run.exitCode}); register a successful run`,
      'run-id',
    );
  }
  return run;
}

/** The best successful run of a sweep at `commit`, by `metric`. */
export async function bestRun(
  view: View,
  query: { name: string; metric: string; direction?: Direction; commit: string },
): Promise<{ run: RunRecord; why: string }> {
  const name = checkRunName(query.name, 'best-of');
  if (!query.metric)
    throw new InputError('metric: best-of ranks runs by a metric; give it (e.g. f1)', 'metric');
  const runs = await listRuns(view, name);
  if (runs.length === 0) throw new InputError(`best-of: no runs of "${name}" on mcp-meta`, 'best-of');
  const result = rankRuns(runs, { metric: query.metric, direction: query.direction, commit: query.commit });
  const winner = result.ranked[0];
  if (!winner) {
    const near = nearNames(query.metric, reportedMetrics(runs));
    const skipped = result.skipped.map((s) => `${s.run.id}: ${s.reason}`).join('; ');
    throw new InputError(
      `metric: no successful run of ${name} at commit ${query.commit.slice(0, 7)} reported "${query.metric}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}${skipped ? ` — ${skipped}` : ''}`,
      'metric',
    );
  }
  const why = `best of ${result.ranked.length} runs of ${name} by ${query.metric} (${result.direction} is better): ${winner.run.id} = ${winner.value}`;
  return { run: winner.run, why };
}

/**
 * Which outputs of a run are the model: those `path` names, else the ones whose digest is the
 * run's `modelDigest` (what train computed over its first `outputs` line): one file, a directory
 * of them, or all.
 */
export function modelOutputs(run: RunRecord, lines: string[]): RunOutput[] {
  if (lines.length > 0) {
    const isModel = outputMatcher(lines);
    const picked = run.outputs.filter((o) => isModel(o.path));
    if (picked.length === 0) {
      const listed = run.outputs.map((o) => o.path).join(', ') || 'none';
      throw new InputError(`path: matches none of the outputs of run ${run.id} (${listed})`, 'path');
    }
    return picked;
  }
  const candidates: RunOutput[][] = run.outputs.map((o) => [o]);
  const dirs = new Set(
    run.outputs.flatMap((o) =>
      o.path
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
    ),
  );
  for (const dir of dirs) candidates.push(run.outputs.filter((o) => o.path.startsWith(`${dir}/`)));
  candidates.push(run.outputs);
  const match = run.modelDigest ? candidates.find((c) => modelDigest(c) === run.modelDigest) : undefined;
  if (match) return match;
  throw new InputError(
    `run-id: run ${run.id} recorded no model (its outputs: ${run.outputs.map((o) => o.path).join(', ') || 'none'}); name the model files with path`,
    'path',
  );
}

/**
 * The run's model files on this machine: the workspace's copies when they are the recorded bytes
 * (train ran in this job), the rest read from the content store into `.mcp/register/<run-id>/`.
 */
export async function filesFromRun(
  platform: Platform,
  run: RunRecord,
  lines: string[],
  storeInput: string,
): Promise<LocalModelFile[]> {
  const workspace = platform.context.workspace;
  const outputs = modelOutputs(run, lines);
  const files: LocalModelFile[] = [];
  const fetch: RunOutput[] = [];
  for (const output of outputs) {
    const local = resolve(workspace, output.path);
    const size = await stat(local).then(
      (s) => (s.isFile() ? s.size : -1),
      () => -1,
    );
    if (size === output.size && (await sha256File(local)) === output.sha256) {
      files.push({ path: output.path, absolutePath: local, size, sha256: output.sha256 });
    } else fetch.push(output);
  }
  if (fetch.length === 0) return files;
  if (!run.outputsBlob) throw new McpError(`run ${run.id} stored no outputs to read the model from`);
  const { store, label } = openStore(platform, storeInput || run.store, 'store');
  try {
    const entries = withChunks(fetch, await store.getBlob(run.outputsBlob), `run ${run.id}`);
    const dir = join(workspace, '.mcp', 'register', run.id);
    platform.info(`reading ${fetch.length} model files of run ${run.id} from ${label}`);
    const placed = await materialize(store, entries, dir);
    fetch.forEach((output, i) => {
      files.push({
        path: output.path,
        absolutePath: placed.targets[i] as string,
        size: output.size,
        sha256: output.sha256,
      });
    });
  } finally {
    await store.close();
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
