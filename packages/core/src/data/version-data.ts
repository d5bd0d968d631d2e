import { basename, extname, relative, resolve } from 'node:path';
import { type ActionResult, defineAction } from '../action';
import { type AuditContext, appendWithAudit, canonicalJson } from '../audit';
import { InputError } from '../errors';
import type { Platform } from '../platform';
import { writeFileAtomic } from '../platform';
import type { AddProgress, StoredFile } from '../store';
import { type DataDiff, diffFiles, diffMarkdown, diffOutput, diffText } from './diff';
import { collectFiles, countRows, realWorkspace } from './files';
import { openMeta, openStore } from './open';
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
  const { store, label } = openStore(platform, inputs.store);
  const meta = openMeta(platform);
  try {
    await meta.fetch();
    const added = await store.addFiles(source.files, { onProgress: progressLogger(platform, name) });
    const before = await latestDataVersion(await meta.snapshot(), name);
    const files = await profile(added.files, source.files, before);
    const digest = manifestDigest(files);
    // The same manifest has the same chunk lists: an unchanged re-run uploads nothing at all.
    const chunks =
      before?.digest === digest
        ? before.chunks
        : await store.putBlob(
            canonicalJson({
              schemaVersion: 1,
              files: added.files.map(({ path, sha256, chunks }) => ({ path, sha256, chunks })),
            }),
          );
    const root = relative(workspace, source.root).split('\\').join('/') || '.';
    const context: AuditContext = {
      actor: platform.context.actor ?? 'unknown',
      commit: platform.context.sha ?? null,
      runUrl: platform.context.runUrl ?? null,
    };
    let record: DataVersion | undefined;
    let previous: DataVersion | undefined;
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
        store: label,
        message: inputs.message || undefined,
        createdAt: new Date().toISOString(),
        actor: context.actor,
        commit: context.commit,
        runUrl: context.runUrl,
        diff: diffFiles(previous?.files ?? [], files, previous?.number ?? null),
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
    await platform.appendSummary(
      diffMarkdown({ name, number: current.number, digest, changed }, diff, added.bytesUploaded),
    );
    return {
      outputs: {
        name,
        version: String(current.number),
        digest,
        changed: String(changed),
        diff: diffOutput(diff),
        'bytes-uploaded': String(added.bytesUploaded),
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

/** Manifest entries, sorted, with row counts (reused from the previous version for unchanged files). */
async function profile(
  stored: StoredFile[],
  source: { path: string; absolutePath: string }[],
  previous: DataVersion | undefined,
): Promise<DataFile[]> {
  // Rows depend on the kind of file too: a .txt renamed to .csv starts being counted.
  const key = (sha256: string, path: string) => `${sha256} ${extname(path).toLowerCase()}`;
  const known = new Map((previous?.files ?? []).map((f) => [key(f.sha256, f.path), f.rows]));
  const files: DataFile[] = [];
  for (const [i, file] of stored.entries()) {
    const rows = known.has(key(file.sha256, file.path))
      ? known.get(key(file.sha256, file.path))
      : await countRows((source[i] as { absolutePath: string }).absolutePath);
    files.push({ path: file.path, size: file.size, mode: file.mode, sha256: file.sha256, rows });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A progress line every few seconds on long hashing or uploading, never a flood. */
function progressLogger(platform: Platform, name: string): (progress: AddProgress) => void {
  let last = Date.now();
  return (progress) => {
    const now = Date.now();
    if (now - last < 5000) return;
    last = now;
    const mib = (n: number) => (n / 1048576).toFixed(1);
    platform.info(
      progress.phase === 'hash'
        ? `${name}: hashed ${progress.files}/${progress.totalFiles} files, ${mib(progress.bytes)} MiB`
        : `${name}: uploaded ${mib(progress.bytes)}/${mib(progress.totalBytes)} MiB, pack ${progress.packs}/${progress.totalPacks}`,
    );
  };
}
