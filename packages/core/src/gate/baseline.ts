import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../errors';
import { GitError, lookupAtRef, readAtRef, resolveBase, streamAtRef } from '../git';
import {
  loadMetricsFile,
  type Metrics,
  type PredictionSet,
  parseMetrics,
  readPredictions,
  type Task,
} from '../metrics';
import type { Platform } from '../platform';
import { loadStageBaseline } from './stage-baseline';

export interface Baseline {
  metrics: Metrics;
  source: string;
}

/**
 * The baseline's metrics: the `baseline` input (a file, `ref:<git ref>` or `stage:<stage>`), or in a pull/merge
 * request the base's copy of the metrics file. Missing on the base is normal (a first PR);
 * any other git failure is said, not hidden.
 */
export async function loadBaseline(
  platform: Platform,
  baseline: string,
  metricsPath: string,
): Promise<Baseline | undefined> {
  const workspace = platform.context.workspace;
  if (baseline.startsWith('stage:'))
    return loadStageBaseline(workspace, baseline, (line) => platform.info(line));
  if (baseline && !baseline.startsWith('ref:')) {
    return {
      metrics: await loadMetricsFile(resolve(workspace, baseline), { input: 'baseline', source: baseline }),
      source: baseline,
    };
  }
  if (baseline) {
    const ref = baseline.slice(4);
    if (!metricsPath) {
      throw new InputError(
        `baseline: ${baseline} reads the metrics path from a ref, so metrics is needed`,
        'baseline',
      );
    }
    const text = await gitInput('baseline', () => readAtRef(workspace, ref, metricsPath));
    if (text === undefined) {
      throw new InputError(
        `baseline: ${metricsPath} does not exist at git ref "${ref}" (or the ref is unknown)`,
        'baseline',
      );
    }
    return {
      metrics: parseMetrics(text, { input: 'baseline', source: `${ref}:${metricsPath}` }),
      source: baseline,
    };
  }
  const { baseRef, baseSha } = platform.context;
  if (!metricsPath || (!baseRef && !baseSha)) return undefined;
  const label = `${baseRef ?? baseSha?.slice(0, 7)}:${metricsPath}`;
  try {
    const ref = await resolveBase(workspace, { sha: baseSha, branch: baseRef });
    const text = ref ? await readAtRef(workspace, ref, metricsPath) : undefined;
    if (text === undefined) {
      platform.info(`No baseline: ${metricsPath} does not exist on ${baseRef ?? baseSha}.`);
      return undefined;
    }
    return { metrics: parseMetrics(text, { input: 'baseline', source: label }), source: label };
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    platform.warning(`No baseline: reading ${label} failed: ${error.message}`);
    return undefined;
  }
}

async function gitInput<T>(input: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof GitError) throw new InputError(`${input}: ${error.message}`, input);
    throw error;
  }
}

/** A predictions file, or `ref:<git ref>`: the candidate's predictions path as it was at that ref. */
export async function readPredictionSource(
  workspace: string,
  source: string,
  candidatePath: string,
  options: { input: string; task?: Task; posLabel?: string },
): Promise<PredictionSet> {
  if (!source.startsWith('ref:')) {
    // Messages name the file as the user wrote it, not its absolute path.
    return readPredictions({ name: source, stream: createReadStream(resolve(workspace, source)) }, options);
  }
  const ref = source.slice(4);
  const found = await gitInput(options.input, () => lookupAtRef(workspace, ref, candidatePath));
  if (!found.found) {
    const what =
      found.missing === 'ref'
        ? `git ref "${ref}" does not exist`
        : `${candidatePath} does not exist at git ref "${ref}"`;
    throw new InputError(`${options.input}: ${what}`, options.input);
  }
  return readPredictions(
    { name: `${ref}:${candidatePath}`, stream: streamAtRef(workspace, ref, candidatePath) },
    options,
  );
}
