import type { AuditContext } from '../audit';
import { InputError } from '../errors';
import type { MetaBranch } from '../meta';
import { type ModelData, type ModelFile, type ModelVersion, modelDigest, recordModelVersion } from './record';
import type { Bump } from './semver';
import type { RegistryGit } from './tags';
import { registerVersion, type TagWritten } from './write';

export interface RegisterModelOptions {
  name: string;
  /** The commit the model was trained on; any revision. */
  commit: string;
  files: ModelFile[];
  version?: string;
  bump?: Bump;
  runId?: string | null;
  data?: ModelData[];
  metrics?: Record<string, number>;
  description?: string;
  labels?: string[];
  now?: () => Date;
  /**
   * Runs once the tag stands and before the record is written: the release of the version. When
   * it fails, a tag this job created is withdrawn again; the re-run registers afresh.
   */
  beforeRecord?: (tag: TagWritten, record: ModelVersion) => Promise<void>;
}

export interface RegisteredModel extends TagWritten {
  record: ModelVersion;
}

/**
 * A model version: the tag first (it settles the number, and is what GTO reads), then the
 * `ModelVersion` record and its audit event on mcp-meta. A crash between the two is mended by
 * the re-run: the tag is found by the files' digest and the missing record written.
 */
export async function registerModel(
  git: RegistryGit,
  meta: MetaBranch,
  context: AuditContext,
  options: RegisterModelOptions,
): Promise<RegisteredModel> {
  if (options.files.length === 0) throw new InputError('path: no model files to register', 'path');
  const digest = modelDigest(options.files);
  const tag = await registerVersion(git, {
    name: options.name,
    commit: options.commit,
    digest,
    version: options.version,
    bump: options.bump,
    description: options.description,
    runId: options.runId ?? null,
    now: options.now,
  });
  const prospective: ModelVersion = {
    schemaVersion: 1,
    name: tag.name,
    semver: tag.version.slice(1),
    tag: tag.tag,
    commit: tag.commit,
    files: [...options.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    digest,
    runId: options.runId ?? null,
    data: options.data ?? [],
    metrics: options.metrics ?? {},
    description: options.description?.trim() || null,
    labels: options.labels ?? [],
    createdAt: tag.time,
    actor: context.actor,
    runUrl: context.runUrl,
  };
  try {
    await options.beforeRecord?.(tag, prospective);
  } catch (error) {
    // A tag this job made stands for files that did not get stored: take it back, so that GTO and
    // `mcp models show` never list a version without them, and the re-run registers it again.
    if (tag.created && (await git.withdraw(tag.tag))) {
      if (error instanceof Error) error.message += ` (tag ${tag.tag} withdrawn; run the job again)`;
    }
    throw error;
  }
  const { record } = await recordModelVersion(meta, context, prospective);
  return { ...tag, record };
}
