import { basename, extname, relative, resolve } from 'node:path';
import { type ActionResult, defineAction } from '../action';
import { type AuditContext, appendWithAudit, canonicalJson } from '../audit';
import { InputError } from '../errors';
import type { Platform } from '../platform';
import { writeFileAtomic } from '../platform';
import type { AddProgress, ContentStore, StoredFile } from '../store';
import { type DataDiff, diffFiles, diffMarkdown, diffOutput, diffText, tableLines } from './diff';
import { collectFiles, countRows, realWorkspace } from './files';
import { artifactName, parseHandOff, sendVersion } from './hand-off';
import { openMeta, openStore } from './open';
import { type DataProfiles, profileFiles, readDataProfiles } from './profiles';
import { type ProgressOptions, TransferProgress } from './progress';
import {
  checkDatasetName,
  type DataFile,
  DataVersion,
  dataVersionPath,
  formatDataVersion,
  latestDataVersion,
  manifestDigest,
  pointerFileName,
} from './record';
import { compareTables, type RowChange } from './row-diff';
import { type VersionDataInput, type VersionDataOutput, versionDataSpec } from './spec';

type Inputs = Record<VersionDataInput, string>;
type Result = ActionResult<VersionDataOutput>;

export const versionDataAction = defineAction({
  spec: versionDataSpec,
  run: (platform, inputs) => versionData(platform, inputs),
});

async function versionData(platform: Platform, inputs: Inputs): Promise<Result> {
  const lines = inputs.path
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const workspace = await realWorkspace(platform.context.workspace);
  const source = await collectFiles(workspace, lines);
  for (const link of source.skipped) {
    platform.warning(`${link}: a symlink, left out (a version holds regular files only)`);
  }
  const name = checkDatasetName(inputs.name || defaultName(lines[0] as string));
  const handOff = parseHandOff(platform, inputs.artifact);
  const { store, label } = openStore(platform, inputs.store);
  const meta = openMeta(platform);
  try {
    await meta.fetch();
    const progress = addProgress(platform, name);
    const added = await store.addFiles(source.files, { onProgress: progress.update });
    platform.info(progress.summary());
    const before = await latestDataVersion(await meta.snapshot(), name);
    const digest = manifestDigest(added.files);
    const chunkLists = canonicalJson({
      schemaVersion: 1,
      files: added.files.map(({ path, sha256, chunks }) => ({ path, sha256, chunks })),
    });
    // The same manifest has the same chunk lists and profiles: an unchanged re-run uploads
    // nothing at all, and reads no file again.
    const unchanged = before?.digest === digest;
    const chunks = unchanged ? before.chunks : await store.putBlob(chunkLists);
    const profiles = unchanged
      ? { digest: before.profiles, files: undefined }
      : await storeProfiles(platform, store, added.files, source.files, before);
    const files = await manifest(added.files, source.files, before, profiles.files);
    const root = relative(workspace, source.root).split('\\').join('/') || '.';
    const context: AuditContext = {
      actor: platform.context.actor ?? 'unknown',
      commit: platform.context.sha ?? null,
      runUrl: platform.context.runUrl ?? null,
    };
    let record: DataVersion | undefined;
    let previous: DataVersion | undefined;
    // Rows are compared with the version each attempt builds on (another run may have landed one).
    const rowChanges = new Map<number, Promise<Map<string, RowChange>>>();
    const tables = added.files.map((stored, i) => ({
      stored,
      absolutePath: (source.files[i] as { absolutePath: string }).absolutePath,
    }));
    const rowsAgainst = (version: DataVersion) => {
      let changes = rowChanges.get(version.number);
      if (!changes) {
        changes = compareTables(store, version, tables, (line) => platform.warning(line));
        rowChanges.set(version.number, changes);
      }
      return changes;
    };
    // Compared before the write, outside its fetch-to-push window, against the likely previous.
    if (before && before.digest !== digest) await rowsAgainst(before);
    // The number is taken from the tip each attempt sees, so concurrent runs never share one.
    const written = await appendWithAudit(meta, context, async (view) => {
      previous = await latestDataVersion(view, name);
      record = undefined;
      if (previous?.digest === digest) return undefined;
      const number = (previous?.number ?? 0) + 1;
      record = DataVersion.parse({
        schemaVersion: 1,
        name,
        number,
        digest,
        root,
        files,
        bytes: files.reduce((sum, f) => sum + f.size, 0),
        chunks,
        profiles: profiles.digest,
        store: label,
        message: inputs.message || undefined,
        createdAt: new Date().toISOString(),
        actor: context.actor,
        commit: context.commit,
        runUrl: context.runUrl,
        diff: diffFiles(
          previous?.files ?? [],
          files,
          previous?.number ?? null,
          previous ? await rowsAgainst(previous) : undefined,
        ),
      });
      return {
        files: { [dataVersionPath(name, number)]: formatDataVersion(record) },
        message: `data: ${name} v${number}${inputs.message ? `\n\n${inputs.message}` : ''}`,
        action: 'version-data',
        subject: `${name} v${number}`,
        data: { digest },
      };
    });
    const changed = record !== undefined && written.written.length > 0;
    const current = (changed ? record : previous) as DataVersion;
    const diff = changed
      ? (current.diff as DataDiff)
      : diffFiles(current.files, current.files, current.number);
    if (platform.name === 'local') {
      await writeFileAtomic(
        resolve(workspace, pointerFileName(name)),
        `${JSON.stringify({ schemaVersion: 1, name, version: current.number, digest }, null, 2)}\n`,
      );
    }
    const headline = changed
      ? `${name} v${current.number} recorded (${digest.slice(0, 12)}), ${added.bytesUploaded} bytes uploaded`
      : `${name} unchanged: still v${current.number} (${digest.slice(0, 12)})`;
    platform.info(headline);
    platform.info(diffText(diff));
    for (const line of tableLines(diff)) platform.info(line);
    await platform.appendSummary(
      diffMarkdown({ name, number: current.number, digest, changed }, diff, added.bytesUploaded),
    );
    const artifact =
      handOff &&
      (await sendVersion(platform, artifactName(handOff, name, current.number), {
        files: added.files,
        sources: source.files.map((f) => f.absolutePath),
        chunkLists,
        workspace,
      }));
    return {
      outputs: {
        name,
        version: String(current.number),
        digest,
        changed: String(changed),
        diff: diffOutput(diff),
        'bytes-uploaded': String(added.bytesUploaded),
        artifact: artifact ?? '',
      },
      exitCode: 0,
    };
  } finally {
    await store.close();
  }
}

/** `data/train.csv` → `train`, `data/` → `data`, `data/*.csv` → `data`. */
function defaultName(line: string): string {
  const plain = line.split('/').filter((s) => s && s !== '.' && !/[*?[]/.test(s));
  const cut = line.split('/').findIndex((s) => /[*?[]/.test(s));
  const last = (cut === -1 ? plain : plain.slice(0, cut)).at(-1);
  if (!last || last === '..') {
    throw new InputError(`name: cannot be derived from path "${line}"; give a name`, 'name');
  }
  const base = basename(last, extname(last)) || last;
  return base.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'data';
}

/**
 * Manifest entries, sorted, with row counts: a profile's where there is one, else counted (and
 * reused from the previous version for unchanged files).
 */
async function manifest(
  stored: StoredFile[],
  source: { path: string; absolutePath: string }[],
  previous: DataVersion | undefined,
  profiles: DataProfiles | undefined,
): Promise<DataFile[]> {
  // Rows depend on the kind of file too: a .txt renamed to .csv starts being counted.
  const key = (sha256: string, path: string) => `${sha256} ${extname(path).toLowerCase()}`;
  const known = new Map((previous?.files ?? []).map((f) => [key(f.sha256, f.path), f.rows]));
  const profiled = new Map((profiles?.files ?? []).map((f) => [f.path, f.profile?.rows]));
  const files: DataFile[] = [];
  for (const [i, file] of stored.entries()) {
    const rows =
      profiled.get(file.path) ??
      (known.has(key(file.sha256, file.path))
        ? known.get(key(file.sha256, file.path))
        : await countRows((source[i] as { absolutePath: string }).absolutePath));
    files.push({ path: file.path, size: file.size, mode: file.mode, sha256: file.sha256, rows });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Profiles the tabular files (reusing the previous version's profiles of unchanged ones) and
 * stores them as one blob; no digest when the version has no tabular file.
 */
async function storeProfiles(
  platform: Platform,
  store: ContentStore,
  stored: StoredFile[],
  source: { absolutePath: string }[],
  before: DataVersion | undefined,
): Promise<{ digest: string | undefined; files: DataProfiles }> {
  let previous: DataProfiles | undefined;
  try {
    previous = before && (await readDataProfiles(store, before));
  } catch (error) {
    platform.warning(
      `${before?.name} v${before?.number}: its profiles cannot be read (${(error as Error).message.split('\n')[0]}); profiling every file again`,
    );
  }
  const files = await profileFiles(
    stored,
    source.map((f) => f.absolutePath),
    previous,
    platform,
  );
  if (files.files.length === 0) return { digest: undefined, files };
  return { digest: await store.putBlob(canonicalJson(files)), files };
}

/**
 * Progress of hashing, then of uploading: a line every few seconds on long runs, and `summary()`
 * for the closing line with both phases' totals and rates.
 */
export function addProgress(platform: Pick<Platform, 'info'>, name: string, options?: ProgressOptions) {
  const write = (line: string) => platform.info(line);
  const hashing = new TransferProgress(write, `${name}: hashing`, options);
  let cached = 0;
  let uploading: TransferProgress | undefined;
  let packs = 0;
  return {
    update: (progress: AddProgress) => {
      if (progress.phase === 'hash') {
        cached = progress.cachedFiles;
        hashing.update({
          files: progress.files,
          totalFiles: progress.totalFiles,
          bytes: progress.bytes,
          totalBytes: progress.totalBytes,
          detail: cached > 0 ? `${cached} unchanged (stat cache)` : undefined,
        });
        return;
      }
      // Uploading starts when hashing ends, not at its first report (after a pack's first bytes).
      uploading ??= new TransferProgress(write, `${name}: uploading`, {
        ...options,
        startedAt: hashing.updatedAt,
      });
      packs = progress.packs;
      uploading.update({
        bytes: progress.bytes,
        totalBytes: progress.totalBytes,
        detail: `pack ${progress.packs}/${progress.totalPacks}`,
      });
    },
    summary: () =>
      `${name}: hashed ${hashing.summary()}${cached > 0 ? `, ${cached} files unchanged (stat cache)` : ''}; ` +
      (uploading ? `uploaded ${packs} packs, ${uploading.summary()}` : 'nothing to upload'),
  };
}
