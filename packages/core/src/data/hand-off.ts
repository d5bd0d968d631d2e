import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors';
import type { Platform } from '../platform';
import type { ContentStore, StoredFile } from '../store';

/**
 * Handing a data version to later jobs of the same workflow run as an Actions artifact, so that
 * they read it without downloading it from the store. The artifact is a flat directory of
 * `<sha256>` files: every chunk of the version and its chunk lists, named by their digest. A
 * later job extracts it into the chunk cache, which reads consult before the store; every byte
 * is still checked against its digest, and whatever the artifact lacks comes from the store.
 */
export interface HandOff {
  /** The name the input gave, or undefined for `mcp-data-<dataset>-v<number>`. */
  name?: string;
}

// Actions artifact names refuse `"`, `:`, `<`, `>`, `|`, `*`, `?`, `\` and `/`; ours stay plainer.
const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The `artifact` input, checked before any work: `false`/empty is off, `true` the default name. */
export function parseHandOff(platform: Platform, value: string, input = 'artifact'): HandOff | undefined {
  if (value === '' || value === 'false') return undefined;
  if (!platform.artifacts) {
    throw new InputError(
      `${input}: workflow artifacts exist only in GitHub Actions; set it to false here (the store holds the version)`,
      input,
    );
  }
  if (value === 'true') return {};
  if (!ARTIFACT_NAME.test(value)) {
    throw new InputError(
      `${input}: "${value}" is not true, false or an artifact name (letters, digits, ., _, -)`,
      input,
    );
  }
  return { name: value };
}

export function artifactName(handOff: HandOff, dataset: string, number: number): string {
  return handOff.name ?? `mcp-data-${dataset}-v${number}`;
}

/** Where received chunks land, and where a ContentStore opened for a pull looks for chunks. */
export const chunkCacheDir = (workspace: string) => join(workspace, '.mcp', 'chunks');

/**
 * Uploads the version's chunks (cut again from the files just versioned) and its chunk lists as
 * the artifact `name`. A failure is a warning, not an error: the version is in the store already.
 * Returns the artifact's name once it is uploaded.
 */
export async function sendVersion(
  platform: Platform,
  name: string,
  version: { files: StoredFile[]; sources: string[]; chunkLists: string; workspace: string },
): Promise<string | undefined> {
  const dir = join(version.workspace, '.mcp', 'hand-off', `${name}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
    const written = new Set<string>();
    for (const [i, file] of version.files.entries()) {
      await cutChunks(version.sources[i] as string, file, dir, written);
    }
    const lists = Buffer.from(version.chunkLists);
    const listsDigest = sha256(lists);
    await writeFile(join(dir, listsDigest), lists);
    written.add(listsDigest);
    const uploaded = await platform.artifacts?.upload(
      name,
      [...written].map((digest) => join(dir, digest)),
      dir,
    );
    platform.info(
      `artifact ${name}: ${written.size} objects, ${uploaded?.size ?? 0} bytes, for later jobs of this run`,
    );
    return name;
  } catch (error) {
    platform.warning(
      `artifact ${name} not uploaded (${firstLine(error)}); later jobs will read from the store`,
    );
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Extracts the artifact `name` of this run into the chunk cache. No such artifact, or a failed
 * download, is a warning: the pull then reads everything from the store.
 */
export async function receiveVersion(platform: Platform, name: string, workspace: string): Promise<void> {
  const cache = chunkCacheDir(workspace);
  const dir = join(workspace, '.mcp', 'hand-off', `${name}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
    if (!(await platform.artifacts?.download(name, dir))) {
      platform.warning(`artifact ${name} is not in this run; reading from the store`);
      return;
    }
    await mkdir(cache, { recursive: true });
    let received = 0;
    // Only digest-named files are taken; each is verified when it is used.
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isFile() || !SHA256.test(entry.name)) continue;
      await rename(join(dir, entry.name), join(cache, entry.name));
      received++;
    }
    platform.info(`artifact ${name}: ${received} objects received; the store serves only what it lacks`);
  } catch (error) {
    platform.warning(`artifact ${name} not downloaded (${firstLine(error)}); reading from the store`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The chunk-list blob `digest`: from the chunk cache when a hand-off left a good copy, else the store. */
export async function readChunkLists(
  store: ContentStore,
  digest: string,
  workspace: string,
): Promise<Buffer> {
  if (SHA256.test(digest)) {
    const cached = await readFile(join(chunkCacheDir(workspace), digest)).catch(() => undefined);
    if (cached && sha256(cached) === digest) return cached;
  }
  return store.getBlob(digest);
}

/** Writes each chunk of `file` not written yet as `<dir>/<digest>`, skipping any the file no longer holds. */
async function cutChunks(source: string, file: StoredFile, dir: string, written: Set<string>): Promise<void> {
  const handle = await open(source, 'r');
  try {
    let offset = 0;
    for (const chunk of file.chunks) {
      const at = offset;
      offset += chunk.size;
      if (written.has(chunk.digest)) continue;
      const bytes = Buffer.alloc(chunk.size);
      const { bytesRead } = await handle.read(bytes, 0, chunk.size, at);
      // Changed since it was versioned: the later job gets this chunk from the store instead.
      if (bytesRead !== chunk.size || sha256(bytes) !== chunk.digest) continue;
      await writeFile(join(dir, chunk.digest), bytes);
      written.add(chunk.digest);
    }
  } finally {
    await handle.close();
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? '';
}
