import { EventEmitter } from 'node:events';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ActionResult, defineAction } from '../action';
import { type AuditContext, appendWithAudit } from '../audit';
import { openMeta, openStore, realWorkspace } from '../data';
import { InputError, McpError } from '../errors';
import { formatBytes } from '../markdown';
import type { MetaBranch } from '../meta';
import type { Platform } from '../platform';
import type { ContentStore } from '../store';
import { cacheKey, explainMiss, findCached } from './cache';
import { codeState, outputMatcher } from './code';
import { type Cancel, runCommand, type SignalSource } from './command';
import { pullData, resolveData } from './data';
import { captureEnvironment, lockDigests } from './environment';
import { collectOutputs, modelDigest, readMetrics, restoreOutputs, storeOutputs } from './outputs';
import { cacheEntryPath, formatRunRecord, newRunId, RunRecord, runRecordPath } from './record';
import { readRequest, type TrainRequest } from './request';
import { type TrainInput, type TrainOutput, trainSpec } from './spec';
import { formatDuration, runMarkdown } from './summary';

type Result = ActionResult<TrainOutput>;

/** What the process gives the run: the environment the command inherits, and the signals that cancel it. */
export interface TrainProcess {
  env: NodeJS.ProcessEnv;
  signals?: SignalSource;
  /** Time between SIGTERM and SIGKILL when the command is stopped (default 5 s: the runner waits 7.5 s). */
  graceMs?: number;
}

export const trainAction = defineAction({
  spec: trainSpec,
  // The one place the process itself is handed to core: the command inherits its environment,
  // and the runner cancels a job by signalling it.
  run: (platform, inputs) => train(platform, inputs, { env: process.env, signals: process }),
});

/** `.mcp/output/<name>`: MCP_OUTPUT_DIR, emptied before each run; what is left in it is an output. */
export function outputDirOf(name: string): string {
  return `.mcp/output/${name}`;
}

export async function train(
  platform: Platform,
  inputs: Record<TrainInput, string>,
  proc: TrainProcess,
): Promise<Result> {
  // Listening from the start: a cancel that comes before the command runs stops it from running.
  const relay = new EventEmitter<Record<Cancel, [Cancel]>>();
  let cancelledEarly: Cancel | undefined;
  const onSignal = (signal: Cancel) => {
    if (relay.listenerCount(signal) > 0) relay.emit(signal, signal);
    else cancelledEarly ??= signal;
  };
  proc.signals?.on('SIGINT', onSignal);
  proc.signals?.on('SIGTERM', onSignal);
  try {
    return await trainListening(platform, inputs, proc, relay, () => cancelledEarly);
  } finally {
    proc.signals?.off('SIGINT', onSignal);
    proc.signals?.off('SIGTERM', onSignal);
  }
}

async function trainListening(
  platform: Platform,
  inputs: Record<TrainInput, string>,
  proc: TrainProcess,
  relay: SignalSource,
  cancelledEarly: () => Cancel | undefined,
): Promise<Result> {
  const workspace = await realWorkspace(platform.context.workspace);
  const request = await readRequest(workspace, inputs);
  const outputDir = outputDirOf(request.name);
  const excluded = outputMatcher([...request.outputs, request.metrics, outputDir].filter(Boolean));
  const { store, label } = openStore(platform, request.store);
  const meta = openMeta(platform);
  // Tool versions take a while to ask for (pyenv's shims take a second): asked meanwhile.
  const machine = captureEnvironment(proc.env);
  machine.catch(() => {});
  try {
    const [, code, locks] = await Promise.all([
      meta.fetch(),
      codeState(workspace, { deps: request.deps, excluded, cacheDir: join(workspace, '.mcp', 'cache') }),
      lockDigests(workspace),
    ]);
    const view = await meta.snapshot();
    // Every lookup that can fail on bad input comes before anything is written.
    const versions = await resolveData(view, request.data);
    const startedAt = new Date();
    const id = newRunId(startedAt);
    const pulled =
      versions.length > 0
        ? await platform.group('Data', () => pullData(store, workspace, versions, (l) => platform.info(l)))
        : { data: [], env: {} };
    const { key, parts } = cacheKey({
      name: request.name,
      command: request.command,
      params: request.params,
      data: pulled.data,
      code: code.digest,
      locks,
      outputs: request.outputs,
      metrics: request.metrics,
    });
    const environment = machine.then((found) => ({ ...found, locks }));
    const base = {
      schemaVersion: 1 as const,
      id,
      name: request.name,
      commit: code.commit,
      dirty: code.dirty,
      command: request.command,
      params: request.params,
      data: pulled.data,
      store: label,
      cacheKey: key,
      cacheParts: parts,
      actor: platform.context.actor ?? null,
      runUrl: platform.context.runUrl ?? null,
      ...(request.message ? { message: request.message } : {}),
    };
    const isModel = outputMatcher(request.outputs.length > 0 ? request.outputs.slice(0, 1) : [outputDir]);

    if (request.cache) {
      const hit = await findCached(view, store, request.name, key);
      if (hit) {
        await rm(resolve(workspace, outputDir), { recursive: true, force: true });
        const restored = await restoreOutputs(store, workspace, hit.entries);
        const bytes = hit.run.outputs.reduce((sum, o) => sum + o.size, 0);
        platform.info(
          `cache hit: ${hit.run.outputs.length} outputs (${formatBytes(bytes)}) restored from run ${hit.run.id}, ` +
            `${formatBytes(restored.bytesDownloaded)} downloaded; the command did not run`,
        );
        const record = RunRecord.parse({
          ...base,
          outputs: hit.run.outputs,
          outputsBlob: hit.run.outputsBlob,
          metrics: hit.run.metrics,
          modelDigest: modelDigest(hit.run.outputs, isModel),
          environment: await environment,
          startedAt: startedAt.toISOString(),
          finishedAt: new Date().toISOString(),
          exitCode: 0,
          peakMemoryBytes: null,
          cachedFrom: hit.run.id,
        });
        return await finish(platform, meta, record, false);
      }
      platform.info(`cache miss (${key.slice(0, 12)}): ${await explainMiss(view, request.name, parts)}`);
    } else {
      platform.info('cache: false, so the command runs whatever earlier runs recorded');
    }

    const paramsFile = join(workspace, '.mcp', 'train', id, 'params.json');
    await mkdir(join(workspace, '.mcp', 'train', id), { recursive: true });
    await writeFile(paramsFile, `${JSON.stringify(request.params, null, 2)}\n`);
    await rm(resolve(workspace, outputDir), { recursive: true, force: true });
    await mkdir(resolve(workspace, outputDir), { recursive: true });
    const env: NodeJS.ProcessEnv = {};
    // The action's own inputs are not the command's business.
    for (const [name, value] of Object.entries(proc.env)) if (!name.startsWith('INPUT_')) env[name] = value;
    Object.assign(env, pulled.env, {
      MCP_PARAMS: paramsFile,
      MCP_OUTPUT_DIR: resolve(workspace, outputDir),
      MCP_RUN_ID: id,
      MCP_RUN_NAME: request.name,
    });

    const early = cancelledEarly();
    if (early) throw new McpError(`cancelled by ${early} before the command started; no run recorded`);
    const result = await platform.group(`Training command (${request.name})`, () =>
      runCommand({
        command: request.command,
        cwd: workspace,
        env,
        onLine: (line) => platform.info(line),
        timeoutMs: request.timeoutMs,
        graceMs: proc.graceMs,
        signals: relay,
      }),
    );
    if (result.cancelled) {
      throw new McpError(
        `cancelled by ${result.cancelled}: the command and every process it started were stopped; no run recorded`,
      );
    }
    const finishedAt = new Date();
    if (result.leftover && !result.timedOut) {
      platform.warning('the command left processes running when it exited; they were stopped');
    }
    const record = await recordRun(platform, store, workspace, request, outputDir, result.exitCode, {
      ...base,
      environment: await environment,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      exitCode: result.exitCode,
      peakMemoryBytes: result.peakMemoryBytes,
      cachedFrom: null,
      ...(result.timedOut ? { timedOut: true } : {}),
    });
    record.modelDigest = modelDigest(record.outputs, isModel);
    const ok = record.exitCode === 0 && !record.problems?.length && !record.timedOut;
    if (!ok) {
      const why = record.timedOut
        ? `the command ran past the ${inputs.timeout} timeout and was stopped`
        : record.exitCode !== 0
          ? `the command failed with exit code ${record.exitCode}`
          : (record.problems ?? []).join('; ');
      platform.error(`train: ${why}; run ${record.id} recorded`);
    }
    return await finish(platform, meta, RunRecord.parse(record), ok);
  } finally {
    await store.close();
  }
}

/** Outputs stored, metrics read: the record of a run that ran. Outputs upload before the record exists. */
async function recordRun(
  platform: Platform,
  store: ContentStore,
  workspace: string,
  request: TrainRequest,
  outputDir: string,
  exitCode: number,
  partial: Omit<RunRecord, 'outputs' | 'outputsBlob' | 'metrics'>,
): Promise<RunRecord> {
  const problems: string[] = [];
  const found = await collectOutputs(workspace, {
    lines: request.outputs,
    outputDir,
    metrics: request.metrics,
  });
  if (exitCode === 0) {
    for (const line of found.missing) problems.push(`outputs: "${line}" matches no file after the command`);
  }
  let metrics: Record<string, number> = {};
  if (request.metrics && exitCode === 0) {
    try {
      metrics = await readMetrics(workspace, request.metrics);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(error.message);
    }
  }
  const started = Date.now();
  const stored = await storeOutputs(store, found.files);
  if (stored.outputs.length > 0) {
    const bytes = stored.outputs.reduce((sum, o) => sum + o.size, 0);
    platform.info(
      `${stored.outputs.length} outputs (${formatBytes(bytes)}) stored, ${formatBytes(stored.bytesUploaded)} uploaded in ${formatDuration(Date.now() - started)}`,
    );
  }
  return {
    ...partial,
    outputs: stored.outputs,
    outputsBlob: stored.blob,
    metrics,
    ...(problems.length > 0 ? { problems } : {}),
  };
}

/** The record (and, for a successful run, the cache entry) with its audit event in one commit; outputs and summary. */
async function finish(
  platform: Platform,
  meta: MetaBranch,
  record: RunRecord,
  cacheable: boolean,
): Promise<Result> {
  const context: AuditContext = {
    actor: platform.context.actor ?? 'unknown',
    commit: platform.context.sha ?? record.commit,
    runUrl: platform.context.runUrl ?? null,
  };
  const entry = `${JSON.stringify({ schemaVersion: 1, name: record.name, id: record.id }, null, 2)}\n`;
  await appendWithAudit(meta, context, async (view) => {
    const files: Record<string, string> = {
      [runRecordPath(record.name, record.id)]: formatRunRecord(record),
    };
    // The first successful run of a key is the cache entry; later ones (a race lost) only record.
    if (cacheable && !(await view.exists(cacheEntryPath(record.cacheKey)))) {
      files[cacheEntryPath(record.cacheKey)] = entry;
    }
    const how = record.cachedFrom ? `cached from ${record.cachedFrom}` : `exit ${record.exitCode}`;
    return {
      files,
      message: `run: ${record.name} ${record.id} (${how})${record.message ? `\n\n${record.message}` : ''}`,
      action: 'train',
      subject: `${record.name} ${record.id}`,
      data: { cacheKey: record.cacheKey, exitCode: record.exitCode, cachedFrom: record.cachedFrom },
    };
  });
  const duration = Date.parse(record.finishedAt) - Date.parse(record.startedAt);
  platform.info(
    `run ${record.name} ${record.id} recorded: exit code ${record.exitCode}, ${formatDuration(duration)}` +
      (record.peakMemoryBytes !== null ? `, peak memory ${formatBytes(record.peakMemoryBytes)}` : '') +
      `, ${record.outputs.length} outputs` +
      (Object.keys(record.metrics).length > 0
        ? `; ${Object.entries(record.metrics)
            .slice(0, 10)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`
        : ''),
  );
  await platform.appendSummary(runMarkdown(record, record.modelDigest ?? null));
  return {
    outputs: {
      'run-id': record.id,
      'cache-hit': String(record.cachedFrom !== null),
      metrics: JSON.stringify(record.metrics),
      outputs: JSON.stringify(record.outputs.map(({ path, size, sha256 }) => ({ path, size, sha256 }))),
      'model-digest': record.modelDigest ?? '',
    },
    exitCode: record.exitCode === 0 && !record.problems?.length && !record.timedOut ? 0 : 1,
  };
}
