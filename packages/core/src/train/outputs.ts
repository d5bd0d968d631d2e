import { isAbsolute, relative, resolve, sep } from 'node:path';
import { canonicalJson } from '../audit';
import { collectFiles, materialize, walk, withChunks } from '../data';
import { InputError, McpError } from '../errors';
import { loadMetricsFile } from '../metrics';
import { modelDigest as registryModelDigest } from '../registry/record';
import { type ContentStore, datasetPath, MissingObject, type StoredFile } from '../store';
import type { RunOutput, RunRecord } from './record';

interface LocalFile {
  path: string;
  absolutePath: string;
}

/** Paths in inputs stay inside the workspace: checked before the command runs. */
export function checkInside(workspace: string, lines: readonly string[], input: string): void {
  for (const line of lines) {
    const rel = relative(workspace, resolve(workspace, line));
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new InputError(`${input}: "${line}" is outside the workspace`, input);
    }
  }
}

/**
 * The files the run produced: what each `outputs` line matches now, every file in the output
 * directory, and the metrics file. Lines that match nothing are returned as `missing`.
 */
export async function collectOutputs(
  workspace: string,
  spec: { lines: string[]; outputDir: string; metrics: string },
): Promise<{ files: LocalFile[]; missing: string[] }> {
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const line of spec.lines) {
    try {
      for (const file of (await collectFiles(workspace, [line], 'outputs')).files) {
        found.set(datasetPath(workspace, file.absolutePath), file.absolutePath);
      }
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      missing.push(line);
    }
  }
  for (const file of await walk(resolve(workspace, spec.outputDir)))
    found.set(datasetPath(workspace, file), file);
  if (spec.metrics) {
    const file = resolve(workspace, spec.metrics);
    const listed = await collectFiles(workspace, [spec.metrics], 'metrics').catch(() => undefined);
    if (listed?.files.length === 1) found.set(datasetPath(workspace, file), file);
  }
  const files = [...found]
    .map(([path, absolutePath]) => ({ path, absolutePath }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, missing };
}

/** The outputs in the content store, and the blob of their chunk lists (what a restore needs). */
export async function storeOutputs(
  store: ContentStore,
  files: LocalFile[],
): Promise<{ outputs: RunOutput[]; blob: string | null; bytesUploaded: number }> {
  if (files.length === 0) return { outputs: [], blob: null, bytesUploaded: 0 };
  const added = await store.addFiles(files);
  const blob = await store.putBlob(
    canonicalJson({
      schemaVersion: 1,
      files: added.files.map(({ path, sha256, chunks }) => ({ path, sha256, chunks })),
    }),
  );
  const outputs = added.files.map(({ path, size, mode, sha256 }) => ({ path, size, mode, sha256 }));
  return { outputs, blob, bytesUploaded: added.bytesUploaded };
}

/**
 * The model's digest: the registry's identity of the files `isModel` picks (one definition, so
 * `register-model --run-id` finds the version a run's model was registered as); null for none.
 */
export function modelDigest(
  outputs: readonly RunOutput[],
  isModel: (path: string) => boolean,
): string | null {
  const model = outputs.filter((o) => isModel(o.path));
  if (model.length === 0) return null;
  return registryModelDigest(model);
}

/**
 * The run's outputs with their chunk lists, when the store still holds every chunk of them;
 * undefined when it does not (a pruned store, another machine's local store).
 */
export async function restorable(store: ContentStore, run: RunRecord): Promise<StoredFile[] | undefined> {
  if (!run.outputsBlob) return run.outputs.length === 0 ? [] : undefined;
  try {
    const entries = withChunks(run.outputs, await store.getBlob(run.outputsBlob), `run ${run.id}`);
    const digests = new Set(entries.flatMap((e) => e.chunks.map((c) => c.digest)));
    const held = await store.has(digests);
    return held.size === digests.size ? entries : undefined;
  } catch (error) {
    if (error instanceof McpError || error instanceof MissingObject) return undefined;
    throw error;
  }
}

/** Writes stored outputs back to their workspace paths, verified. */
export async function restoreOutputs(store: ContentStore, workspace: string, entries: StoredFile[]) {
  return materialize(store, entries, workspace);
}

/** The metrics file's numbers, flattened (`test.f1`); K-fold lists by their mean. */
export async function readMetrics(workspace: string, path: string): Promise<Record<string, number>> {
  const metrics = await loadMetricsFile(resolve(workspace, path), { input: 'metrics', source: path });
  const flat: Record<string, number> = {};
  for (const [name, metric] of metrics) flat[name] = metric.value;
  return flat;
}
