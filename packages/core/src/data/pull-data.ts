import { lstat, readFile, rm } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { type ActionResult, defineAction } from '../action';
import { InputError } from '../errors';
import type { Platform } from '../platform';
import { realWorkspace, walk } from './files';
import { artifactName, parseHandOff, readChunkLists, receiveVersion } from './hand-off';
import { materialize, withChunks } from './materialize';
import { openMeta, openStore } from './open';
import { mib, TransferProgress } from './progress';
import { checkDatasetName, DataPointer, findDataVersion } from './record';
import { type PullDataInput, type PullDataOutput, pullDataSpec } from './spec';

type Inputs = Record<PullDataInput, string>;
type Result = ActionResult<PullDataOutput>;

export const pullDataAction = defineAction({
  spec: pullDataSpec,
  run: (platform, inputs) => pullData(platform, inputs),
});

async function pullData(platform: Platform, inputs: Inputs): Promise<Result> {
  const workspace = await realWorkspace(platform.context.workspace);
  const wanted = await selection(workspace, inputs);
  const handOff = parseHandOff(platform, inputs.artifact);
  const { store } = openStore(platform, inputs.store);
  const meta = openMeta(platform);
  try {
    await meta.fetch();
    const record = await findDataVersion(await meta.snapshot(), wanted.name, wanted.version, wanted.input);
    const destination = resolve(workspace, inputs.path || record.root);
    if (inputs.clean === 'true' && relative(destination, workspace) === '') {
      throw new InputError('clean: refusing to clean the whole workspace; give a path for the data', 'clean');
    }
    if (handOff) await receiveVersion(platform, artifactName(handOff, record.name, record.number), workspace);
    const entries = withChunks(
      record.files,
      await readChunkLists(store, record.chunks, workspace),
      `${record.name} v${record.number}`,
    );
    const progress = new TransferProgress((line) => platform.info(line), `${record.name}: pulling`);
    const {
      targets,
      written,
      bytesDownloaded: downloaded,
    } = await materialize(store, entries, destination, (done) =>
      progress.update({
        files: done.files,
        totalFiles: done.totalFiles,
        bytes: done.bytes,
        totalBytes: done.totalBytes,
        detail: `${mib(done.bytesDownloaded)} MiB downloaded`,
      }),
    );
    const total = entries.reduce((sum, e) => sum + e.size, 0);
    progress.finish({ bytes: total, totalBytes: total });
    const removed = inputs.clean === 'true' ? await clean(destination, new Set(targets)) : 0;
    const shown = relative(workspace, destination) || '.';
    platform.info(
      `${record.name} v${record.number} at ${shown}: ${written} files written, ${entries.length - written} already right` +
        `${removed ? `, ${removed} removed` : ''}; ${downloaded} bytes downloaded; ${progress.summary()}`,
    );
    return {
      outputs: {
        name: record.name,
        version: String(record.number),
        digest: record.digest,
        path: shown,
        'bytes-downloaded': String(downloaded),
      },
      exitCode: 0,
    };
  } finally {
    await store.close();
  }
}

async function selection(
  workspace: string,
  inputs: Inputs,
): Promise<{ name: string; version: string; input: string }> {
  if (!inputs.pointer) {
    if (!inputs.name) throw new InputError('name: give the dataset name (or a pointer file)', 'name');
    return { name: checkDatasetName(inputs.name), version: inputs.version, input: 'version' };
  }
  const text = await readFile(resolve(workspace, inputs.pointer), 'utf8').catch(() => {
    throw new InputError(`pointer: cannot read "${inputs.pointer}"`, 'pointer');
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`pointer: "${inputs.pointer}" is not JSON`, 'pointer');
  }
  const pointer = DataPointer.safeParse(value);
  if (!pointer.success) {
    throw new InputError(
      `pointer: "${inputs.pointer}" is not a data pointer (name, version, digest)`,
      'pointer',
    );
  }
  if (inputs.name && inputs.name !== pointer.data.name) {
    throw new InputError(`name: "${inputs.name}" differs from the pointer's "${pointer.data.name}"`, 'name');
  }
  return {
    name: checkDatasetName(pointer.data.name, 'pointer'),
    version: pointer.data.digest,
    input: 'pointer',
  };
}

/** Files under `destination` that the version lacks, deleted; returns how many. */
async function clean(destination: string, keep: Set<string>): Promise<number> {
  let removed = 0;
  for (const file of await walk(destination)) {
    if (keep.has(file)) continue;
    const info = await lstat(file);
    if (!info.isFile()) continue;
    await rm(file);
    removed++;
  }
  return removed;
}
