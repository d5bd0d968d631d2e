import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type AuditContext, appendWithAudit, canonicalJson } from '../audit';
import { type MetaBranch, type MetaView, readRecord } from '../meta';
import { checkModelName } from './grammar';

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/);

/** One file of a model version: also a release asset. */
export const ModelFile = z.object({
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: SHA256,
});
export type ModelFile = z.infer<typeof ModelFile>;

/** A data version the model was trained on, pinned by its manifest digest. */
export const ModelData = z.object({
  name: z.string(),
  number: z.number().int().positive(),
  digest: SHA256,
});
export type ModelData = z.infer<typeof ModelData>;

/**
 * A model version on `mcp-meta` at `models/<name>/v<semver>.json`, written once. The tag
 * `<name>@v<semver>` is the registry's truth; this record holds what a tag cannot: files,
 * lineage and metrics. Stage history is read from the stage tags, never stored here.
 */
export const ModelVersion = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  /** `1.2.3` (no `v`). */
  semver: z.string(),
  /** `<name>@v<semver>` */
  tag: z.string(),
  /** The commit the tag points to. */
  commit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/),
  files: z.array(ModelFile),
  /** sha256 of the file manifest (`modelDigest`): the version's identity, also in its tag. */
  digest: SHA256,
  /** The training run (`runs/<name>/<id>.json`) the files came from; null when registered from paths. */
  runId: z.string().nullable(),
  data: z.array(ModelData),
  metrics: z.record(z.string(), z.number()),
  description: z.string().nullable(),
  labels: z.array(z.string()),
  /** The tag's tagger time. */
  createdAt: z.string(),
  actor: z.string().nullable(),
  runUrl: z.string().nullable(),
});
export type ModelVersion = z.infer<typeof ModelVersion>;

/** The files' identity: the same files give the same digest on any machine, in any order. */
export function modelDigest(files: readonly ModelFile[]): string {
  const manifest = [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map(({ path, size, sha256 }) => ({ path, size, sha256 }));
  return createHash('sha256')
    .update(canonicalJson({ schemaVersion: 1, files: manifest }))
    .digest('hex');
}

/**
 * `models/<name>/v<semver>.json`, a name's `/` nesting directories as it does in the tag. This
 * is safe because a model name (`checkModelName`) has no `.`, no empty or leading-`/` segment:
 * a name's directory can never be `..`, nor collide with a record file, which always has a dot.
 */
export function modelVersionPath(name: string, version: string): string {
  checkModelName(name);
  return `models/${name}/${version.startsWith('v') ? version : `v${version}`}.json`;
}

export function formatModelVersion(record: ModelVersion): string {
  return `${JSON.stringify(ModelVersion.parse(record), null, 2)}\n`;
}

export async function readModelVersion(
  view: Pick<MetaView, 'read'>,
  name: string,
  version: string,
): Promise<ModelVersion | undefined> {
  return readRecord(view, ModelVersion, modelVersionPath(name, version), 'ModelVersion');
}

/** Every version record of `name` on the tip, by `v<semver>`. */
export async function readModelVersions(
  view: Pick<MetaView, 'read' | 'list'>,
  name: string,
): Promise<Map<string, ModelVersion>> {
  const records = new Map<string, ModelVersion>();
  for (const entry of await view.list(`models/${name}`)) {
    const match = /^(v.+)\.json$/.exec(entry);
    if (!match) continue;
    const record = await readModelVersion(view, name, match[1] as string);
    if (record) records.set(match[1] as string, record);
  }
  return records;
}

export interface RecordResult {
  record: ModelVersion;
  /** False when mcp-meta already held a record of this version (a re-run). */
  written: boolean;
}

/**
 * Writes the record with its audit event in one commit. A record already there is the first
 * registration's and stays as it is (records are append-only): a re-run gets it back instead.
 */
export async function recordModelVersion(
  meta: MetaBranch,
  context: AuditContext,
  record: ModelVersion,
): Promise<RecordResult> {
  const parsed = ModelVersion.parse(record);
  const path = modelVersionPath(parsed.name, parsed.semver);
  let existing: ModelVersion | undefined;
  const result = await appendWithAudit(meta, context, async (view) => {
    existing = await readModelVersion(view, parsed.name, parsed.semver);
    if (existing) return undefined;
    return {
      files: { [path]: formatModelVersion(parsed) },
      message: `model: ${parsed.tag}`,
      action: 'register-model',
      subject: parsed.tag,
      data: { digest: parsed.digest, commit: parsed.commit },
    };
  });
  if (existing) return { record: existing, written: false };
  return { record: parsed, written: result.written.length > 0 };
}
