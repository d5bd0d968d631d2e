import { McpError } from '../errors';
import { formatBytes } from '../markdown';
import type { HostedRelease, ReleaseAsset, ReleaseHost, ReleaseUpload } from '../platform/types';

/** A model file on this machine, ready to upload. */
export interface LocalModelFile {
  /** The path the version records (workspace-relative, as `train` records outputs). */
  path: string;
  absolutePath: string;
  size: number;
  sha256: string;
}

/** One model file as released: one asset, or parts of it past the host's asset size limit. */
export interface ReleasedFile {
  path: string;
  size: number;
  sha256: string;
  /** The asset's name (of the first part's name without `.part-001` when in parts). */
  name: string;
  /** Download URL; empty when the file is in parts or there is no release host. */
  url: string;
  /** Parts to concatenate in order, when the file is larger than one asset may be. */
  parts?: { name: string; size: number; url: string }[];
}

export interface PublishedRelease {
  url: string;
  files: ReleasedFile[];
  /** Assets uploaded by this run (0 when the release was already complete). */
  uploaded: number;
  /** The release existed before this run, published and complete. */
  existed: boolean;
}

interface PlannedPart extends ReleaseUpload {
  file: LocalModelFile;
  /** Whole-file sha256, when the part is the whole file. */
  sha256?: string;
}

/**
 * Asset names from the recorded paths: the common directory left out (`.mcp/output/churn/model.pkl`
 * is `model.pkl`), deeper directories joined with `--`, and characters a release host would rename
 * replaced by `_` (GitHub renames them, GitLab package file names refuse them).
 */
export function assetNames(paths: readonly string[]): Map<string, string> {
  const split = paths.map((p) => p.split('/'));
  let common = 0;
  const first = split[0] ?? [];
  while (
    common < first.length - 1 &&
    split.every((parts) => parts.length - 1 > common && parts[common] === first[common])
  ) {
    common++;
  }
  const names = new Map<string, string>();
  const taken = new Map<string, string>();
  for (const [i, parts] of split.entries()) {
    const name = parts
      .slice(common)
      .map((part) => part.replace(/[^A-Za-z0-9._-]/g, '_'))
      .join('--')
      .replace(/^[.]+|[.]+$/g, '_');
    const path = paths[i] as string;
    const clash = taken.get(name);
    if (clash) {
      throw new McpError(`${clash} and ${path} would be the same release asset ${name}; rename one of them`);
    }
    taken.set(name, path);
    names.set(path, name);
  }
  return names;
}

/** Every asset to upload: a file, or its parts of at most `maxAssetSize` bytes. */
function plan(files: readonly LocalModelFile[], maxAssetSize: number): PlannedPart[] {
  const names = assetNames(files.map((f) => f.path));
  const parts: PlannedPart[] = [];
  for (const file of files) {
    const name = names.get(file.path) as string;
    if (file.size <= maxAssetSize) {
      parts.push({ file, name, path: file.absolutePath, start: 0, size: file.size, sha256: file.sha256 });
      continue;
    }
    const count = Math.ceil(file.size / maxAssetSize);
    const width = Math.max(3, String(count).length);
    for (let i = 0; i < count; i++) {
      const start = i * maxAssetSize;
      parts.push({
        file,
        name: `${name}.part-${String(i + 1).padStart(width, '0')}`,
        path: file.absolutePath,
        start,
        size: Math.min(maxAssetSize, file.size - start),
      });
    }
  }
  return parts;
}

/** An asset already there holds the part: same size, and the same sha256 where the host says it. */
function holds(asset: ReleaseAsset | undefined, part: PlannedPart): boolean {
  if (!asset || (asset.size !== undefined && asset.size !== part.size)) return false;
  return !(asset.sha256 && part.sha256 && asset.sha256 !== part.sha256);
}

export interface PublishOptions {
  tag: string;
  title: string;
  commit: string;
  files: LocalModelFile[];
  /** The release notes (the model card), from the assets as uploaded. */
  notes: (files: ReleasedFile[]) => string;
  log?: (line: string) => void;
}

/**
 * The release of a model version: a draft of the tag, each asset it lacks uploaded, the model
 * card set as its notes, then published. A re-run finds the draft (or the published release) by
 * the tag and only does what is missing, so a failed upload costs a re-run, not a new version.
 */
export async function publishModelRelease(
  host: ReleaseHost,
  options: PublishOptions,
): Promise<PublishedRelease> {
  const log = options.log ?? (() => {});
  const parts = plan(options.files, host.maxAssetSize);
  let release = await host.find(options.tag);
  const present = (r: HostedRelease) => new Map(r.assets.map((a) => [a.name, a]));
  if (
    release &&
    !release.draft &&
    parts.every((p) => holds(present(release as HostedRelease).get(p.name), p))
  ) {
    log(`release ${options.tag} already holds the model files: ${release.url}`);
    return { url: release.url, files: released(parts, present(release)), uploaded: 0, existed: true };
  }
  if (!release) {
    release = await host.createDraft(options.tag, {
      title: options.title,
      notes: 'Uploading the model files; the model card follows.',
      commit: options.commit,
    });
    log(`draft release of ${options.tag} created`);
  } else if (release.draft) {
    log(`completing the draft release of ${options.tag} an earlier run left`);
  }
  const assets = present(release);
  const missing = parts.filter((p) => !holds(assets.get(p.name), p));
  const total = missing.reduce((sum, p) => sum + p.size, 0);
  let done = 0;
  for (const part of missing) {
    const existing = assets.get(part.name);
    if (existing && !release.draft) {
      throw new McpError(
        `release ${options.tag} is published with an asset ${part.name} that is not this model's file; delete the release (not the tag) and run again`,
      );
    }
    const started = Date.now();
    const asset = await host.upload(release, part);
    done += part.size;
    assets.set(part.name, asset);
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    log(
      `uploaded ${part.name} (${formatBytes(part.size)}, ${formatBytes(part.size / seconds)}/s): ${formatBytes(done)} of ${formatBytes(total)}`,
    );
  }
  const files = released(parts, assets);
  const notes = clip(options.notes(files), host.maxNotes);
  if (release.draft || release.notes !== notes) release = await host.setNotes(release, notes);
  if (release.draft) {
    const mine = parts.map((p) => assets.get(p.name)).filter((a): a is ReleaseAsset => a !== undefined);
    release = await host.publish({ ...release, assets: mine });
  }
  log(`release ${options.tag} published: ${release.url}`);
  return { url: release.url, files, uploaded: missing.length, existed: false };
}

function released(parts: PlannedPart[], assets: Map<string, ReleaseAsset>): ReleasedFile[] {
  const byFile = new Map<string, PlannedPart[]>();
  for (const part of parts) byFile.set(part.file.path, [...(byFile.get(part.file.path) ?? []), part]);
  return [...byFile.values()].map((group) => {
    const first = group[0] as PlannedPart;
    const { path, size, sha256 } = first.file;
    if (group.length === 1)
      return { path, size, sha256, name: first.name, url: assets.get(first.name)?.url ?? '' };
    return {
      path,
      size,
      sha256,
      name: first.name.replace(/\.part-\d+$/, ''),
      url: '',
      parts: group.map((p) => ({ name: p.name, size: p.size, url: assets.get(p.name)?.url ?? '' })),
    };
  });
}

/** Notes past the host's limit are cut at a line, with a word on where the rest is. */
export function clip(notes: string, max: number): string {
  if (notes.length <= max) return notes;
  const tail = '\n\n…the model card was cut to fit the release notes; `mcp models show` has the rest.';
  const cut = notes.slice(0, Math.max(0, max - tail.length));
  const line = cut.lastIndexOf('\n');
  return `${line > 0 ? cut.slice(0, line) : cut}${tail}`;
}
