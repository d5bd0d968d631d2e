import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { InputError } from '../errors';
import { type MetaView, readRecord } from '../meta';

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/);

/** A data version a run read: pinned by its manifest digest, not only its number. */
export const RunData = z.object({
  name: z.string(),
  number: z.number().int().positive(),
  digest: SHA256,
  /** Workspace-relative directory the command was given (`MCP_DATA_<NAME>`). */
  path: z.string(),
});
export type RunData = z.infer<typeof RunData>;

/** A file the run produced, stored in the content store (read back with its chunk list). */
export const RunOutput = z.object({
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  mode: z.number().int(),
  sha256: SHA256,
});
export type RunOutput = z.infer<typeof RunOutput>;

export const RunEnvironment = z.object({
  os: z.string(),
  arch: z.string(),
  cpus: z.string(),
  cpuCount: z.number().int().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  gpus: z.array(z.string()),
  /** Tool versions seen on the machine: `node`, `python`, … */
  versions: z.record(z.string(), z.string()),
  /** sha256 of lock files present in the workspace: package-lock.json, requirements.txt, poetry.lock, uv.lock, … */
  locks: z.record(z.string(), SHA256),
});
export type RunEnvironment = z.infer<typeof RunEnvironment>;

/**
 * One training run on `mcp-meta` at `runs/<name>/<id>.json`. Written once, never changed: a
 * cache hit is a run of its own that names the run it restored (`cachedFrom`).
 */
export const RunRecord = z.object({
  schemaVersion: z.literal(1),
  id: z.string(),
  /** The model/experiment name. */
  name: z.string(),
  commit: z.string().nullable(),
  /** Uncommitted changes to tracked files when the run started. */
  dirty: z.boolean(),
  command: z.string(),
  /** The merged params the command was given (`MCP_PARAMS`). */
  params: z.record(z.string(), z.unknown()),
  data: z.array(RunData),
  outputs: z.array(RunOutput),
  /** Store blob holding the outputs' chunk lists (to restore them); null when there are none. */
  outputsBlob: SHA256.nullable(),
  /** The store the outputs went to, as the `store` input named it. */
  store: z.string(),
  /** Flattened metrics read from the `metrics` file after the command; {} without one. */
  metrics: z.record(z.string(), z.number()),
  environment: RunEnvironment,
  startedAt: z.string(),
  finishedAt: z.string(),
  exitCode: z.number().int(),
  /** Peak resident memory of the command and its children, bytes; null when unmeasured. */
  peakMemoryBytes: z.number().nonnegative().nullable(),
  /** Digest of everything that decides the run's result; equal keys give equal runs. */
  cacheKey: SHA256,
  /** Set when this run restored another run's outputs instead of running the command. */
  cachedFrom: z.string().nullable(),
  actor: z.string().nullable(),
  runUrl: z.string().nullable(),
  /** sha256 of the model: the file the first `outputs` line named (their manifest's when several). */
  modelDigest: SHA256.nullable().optional(),
  /** The command was stopped by the `timeout` (its exit code is then the signal's, 128 + n). */
  timedOut: z.boolean().optional(),
  /** Why the run failed although the command exited 0 (a declared output missing, unreadable metrics). */
  problems: z.array(z.string()).optional(),
  /** Digests of the parts of the cache key (code, data, params, command, locks, spec): what changed between two runs. */
  cacheParts: z.record(z.string(), SHA256).optional(),
  message: z.string().optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** Model/experiment names: what dataset names allow, so they are safe as paths and tags. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** `20261129T081500Z-1a2b3c4d`: sorts by start time, unique across concurrent jobs. */
const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

export function checkRunName(name: string, input = 'name'): string {
  if (!NAME.test(name) || name.includes('..')) {
    throw new InputError(
      `${input}: "${name}" is not a run name (letters, digits, ., _ and -, at most 100)`,
      input,
    );
  }
  return name;
}

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

export function runRecordPath(name: string, id: string): string {
  return `runs/${name}/${id}.json`;
}

/** `runs-cache/<key>.json`: the first run recorded for a cache key (create-only, so the first wins). */
export function cacheEntryPath(key: string): string {
  return `runs-cache/${key}.json`;
}

export const CacheEntry = z.object({ schemaVersion: z.literal(1), name: z.string(), id: z.string() });
export type CacheEntry = z.infer<typeof CacheEntry>;

export function formatRunRecord(record: RunRecord): string {
  return `${JSON.stringify(RunRecord.parse(record), null, 2)}\n`;
}

export async function readRun(
  view: Pick<MetaView, 'read'>,
  name: string,
  id: string,
): Promise<RunRecord | undefined> {
  return readRecord(view, RunRecord, runRecordPath(name, id), 'RunRecord');
}

/** Every run of `name`, oldest first. */
export async function listRuns(view: Pick<MetaView, 'read' | 'list'>, name: string): Promise<RunRecord[]> {
  const ids = (await view.list(`runs/${name}`))
    .filter((entry) => entry.endsWith('.json'))
    .map((entry) => entry.slice(0, -'.json'.length))
    .filter(isRunId)
    .sort();
  const runs: RunRecord[] = [];
  for (const id of ids) {
    const run = await readRun(view, name, id);
    if (run) runs.push(run);
  }
  return runs;
}

/** Names that have runs recorded. */
export async function runNames(view: Pick<MetaView, 'list'>): Promise<string[]> {
  return (await view.list('runs')).sort();
}

/** A run by id alone, whatever its name. */
export async function findRun(
  view: Pick<MetaView, 'read' | 'list'>,
  id: string,
): Promise<RunRecord | undefined> {
  if (!isRunId(id)) return undefined;
  for (const name of await runNames(view)) {
    const run = await readRun(view, name, id);
    if (run) return run;
  }
  return undefined;
}

export async function readCacheEntry(
  view: Pick<MetaView, 'read'>,
  key: string,
): Promise<CacheEntry | undefined> {
  return readRecord(view, CacheEntry, cacheEntryPath(key), 'cache entry');
}
