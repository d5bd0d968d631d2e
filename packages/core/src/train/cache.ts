import { canonicalJson } from '../audit';
import type { MetaView } from '../meta';
import type { ContentStore, StoredFile } from '../store';
import { sha256 } from './code';
import { restorable } from './outputs';
import { isRunId, listRuns, type RunRecord, readCacheEntry, readRun } from './record';

/** Everything that decides a run's result. */
export interface CacheInputs {
  name: string;
  command: string;
  params: Record<string, unknown>;
  data: readonly { name: string; digest: string }[];
  /** `codeState(...).digest`: the tracked tree less the outputs, or the `deps` files. */
  code: string;
  locks: Record<string, string>;
  /** The declared outputs and metrics file: a run that stores other files is another run. */
  outputs: readonly string[];
  metrics: string;
}

export type CacheParts = Record<'code' | 'data' | 'params' | 'command' | 'locks' | 'spec', string>;

const PART_NAMES: Record<keyof CacheParts, string> = {
  code: 'the code',
  data: 'the data',
  params: 'the params',
  command: 'the command',
  locks: 'the lock files',
  spec: 'the declared outputs',
};

/** The run cache key and its parts (kept in the record, to say what changed on a miss). */
export function cacheKey(inputs: CacheInputs): { key: string; parts: CacheParts } {
  const data = [...inputs.data]
    .map(({ name, digest }) => ({ name, digest }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts: CacheParts = {
    code: inputs.code,
    data: sha256(canonicalJson(data)),
    params: sha256(canonicalJson(inputs.params)),
    command: sha256(inputs.command),
    locks: sha256(canonicalJson(inputs.locks)),
    spec: sha256(canonicalJson({ name: inputs.name, outputs: inputs.outputs, metrics: inputs.metrics })),
  };
  return { key: sha256(canonicalJson({ schemaVersion: 1, ...parts })), parts };
}

/** A run worth restoring: it succeeded and was not itself stopped or found wanting. */
function reusable(run: RunRecord, key: string): boolean {
  return run.cacheKey === key && run.exitCode === 0 && !run.timedOut && !run.problems?.length;
}

/**
 * An earlier successful run with this key whose outputs the store still holds: the one the
 * cache entry names, else (a store pruned since) the newest other run of the name with the key.
 */
export async function findCached(
  view: Pick<MetaView, 'read' | 'list'>,
  store: ContentStore,
  name: string,
  key: string,
): Promise<{ run: RunRecord; entries: StoredFile[]; note?: string } | undefined> {
  const entry = await readCacheEntry(view, key);
  if (!entry) return undefined;
  const first = await readRun(view, entry.name, entry.id);
  if (first && reusable(first, key)) {
    const entries = await restorable(store, first);
    if (entries) return { run: first, entries };
  }
  for (const run of (await listRuns(view, name)).reverse()) {
    if (run.id === entry.id || !reusable(run, key)) continue;
    const entries = await restorable(store, run);
    if (entries) return { run, entries };
  }
  return undefined;
}

/** Why the newest run of the name was not a hit: which parts of the key changed since. */
export async function explainMiss(
  view: Pick<MetaView, 'read' | 'list'>,
  name: string,
  parts: CacheParts,
): Promise<string> {
  const ids = (await view.list(`runs/${name}`))
    .map((file) => file.replace(/\.json$/, ''))
    .filter(isRunId)
    .sort();
  const last = ids.at(-1);
  const previous = last ? await readRun(view, name, last) : undefined;
  if (!previous) return `no earlier run of ${name}`;
  if (!previous.cacheParts) return `the key differs from run ${previous.id}'s`;
  const changed = (Object.keys(PART_NAMES) as (keyof CacheParts)[]).filter(
    (part) => previous.cacheParts?.[part] !== parts[part],
  );
  if (changed.length === 0) {
    return previous.exitCode === 0
      ? `run ${previous.id} has the same key but its outputs are not in this store`
      : `run ${previous.id} has the same key but failed`;
  }
  return `${changed.map((part) => PART_NAMES[part]).join(', ')} changed since run ${previous.id}`;
}
