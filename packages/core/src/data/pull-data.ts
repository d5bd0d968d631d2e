import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { type ActionResult, defineAction } from '../action';
import { InputError, McpError } from '../errors';
import type { Platform } from '../platform';
import { type ChunkRef, resolveInside, type StoredFile } from '../store';
import { realWorkspace, walk } from './files';
import { openMeta, openStore } from './open';
import { checkDatasetName, DataPointer, type DataVersion, findDataVersion } from './record';
import { type PullDataInput, type PullDataOutput, pullDataSpec } from './spec';

type Inputs = Record<PullDataInput, string>;
type Result = ActionResult<PullDataOutput>;

const ChunkLists = z.object({
  schemaVersion: z.literal(1),
  files: z.array(
    z.object({
      path: z.string(),
      sha256: z.string(),
      chunks: z.array(z.object({ digest: z.string(), size: z.number() })),
    }),
  ),
});

export const pullDataAction = defineAction({
  spec: pullDataSpec,
  run: (platform, inputs) => pullData(platform, inputs),
});

async function pullData(platform: Platform, inputs: Inputs): Promise<Result> {
  const workspace = await realWorkspace(platform.context.workspace);
  const wanted = await selection(workspace, inputs);
  const { store } = openStore(platform, inputs.store);
  const meta = openMeta(platform);
  try {
    await meta.fetch();
    const record = await findDataVersion(await meta.snapshot(), wanted.name, wanted.version, wanted.input);
    const destination = resolve(workspace, inputs.path || record.root);
    if (inputs.clean === 'true' && relative(destination, workspace) === '') {
      throw new InputError('clean: refusing to clean the whole workspace; give a path for the data', 'clean');
    }
    const entries = await storedFiles(record, await store.getBlob(record.chunks));
    await mkdir(destination, { recursive: true });
    const targets = await Promise.all(entries.map((e) => resolveInside(destination, e.path)));
    const reuse = await store.localChunks(targets);
    // Everything is staged beside the destination first and renamed into place only when every
    // file verified, so a tampered store leaves `path` exactly as it was.
    const staging = join(destination, `.mcp-pull-${process.pid}-${randomBytes(4).toString('hex')}`);
    let downloaded = 0;
    let written = 0;
    // A progress line every few seconds on long pulls, never one per file.
    let lastLine = Date.now();
    try {
      const moves: [string, string][] = [];
      for (const [i, entry] of entries.entries()) {
        const target = targets[i] as string;
        const present = reuse.files.get(target);
        if (present?.sha256 === entry.sha256 && present.mode === entry.mode) continue;
        const staged = join(staging, String(i));
        await mkdir(staging, { recursive: true });
        const result = await store.readFile(entry, staged, { reuse });
        downloaded += result.bytesDownloaded;
        moves.push([staged, target]);
        if (Date.now() - lastLine > 5000) {
          lastLine = Date.now();
          platform.info(`${record.name}: ${i + 1}/${entries.length} files, ${downloaded} bytes downloaded`);
        }
      }
      for (const [staged, target] of moves) {
        await mkdir(dirname(target), { recursive: true });
        await rename(staged, target);
        written++;
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const removed = inputs.clean === 'true' ? await clean(destination, new Set(targets)) : 0;
    const shown = relative(workspace, destination) || '.';
    platform.info(
      `${record.name} v${record.number} at ${shown}: ${written} files written, ${entries.length - written} already right` +
        `${removed ? `, ${removed} removed` : ''}; ${downloaded} bytes downloaded`,
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

/** The version's files with their chunk lists, from the blob the version names. */
async function storedFiles(record: DataVersion, blob: Buffer): Promise<StoredFile[]> {
  const parsed = ChunkLists.safeParse(JSON.parse(blob.toString('utf8')));
  if (!parsed.success)
    throw new McpError(`the chunk lists of ${record.name} v${record.number} are malformed`);
  const lists = new Map<string, ChunkRef[]>(
    parsed.data.files.map((f) => [`${f.path}\0${f.sha256}`, f.chunks]),
  );
  return record.files.map((file) => {
    const chunks = lists.get(`${file.path}\0${file.sha256}`);
    if (!chunks) throw new McpError(`${file.path}: no chunk list in ${record.name} v${record.number}`);
    return { path: file.path, size: file.size, mode: file.mode, sha256: file.sha256, chunks };
  });
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
