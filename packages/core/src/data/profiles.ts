import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { InputError } from '../errors';
import { DataProfile, detectFormat, profileFile } from '../profile';
import type { ContentStore, StoredFile } from '../store';
import type { DataVersion } from './record';

/**
 * The profiles of a version's tabular files (CSV/TSV, JSON Lines, Parquet), stored as one blob in
 * the content store and named by the `DataVersion` record's `profiles` digest: a profile carries a
 * 10 000-value sample per column, far too big for a record on mcp-meta. A file that could not be
 * profiled (a ragged row) has its one-line reason instead, so that a gate can say why.
 */
export const FileProfile = z.object({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  profile: DataProfile.optional(),
  error: z.string().optional(),
});
export type FileProfile = z.infer<typeof FileProfile>;

export const DataProfiles = z.object({
  schemaVersion: z.literal(1),
  files: z.array(FileProfile),
});
export type DataProfiles = z.infer<typeof DataProfiles>;

export interface ProfileLog {
  info(line: string): void;
  warning(line: string): void;
}

/** A file's profile depends on its bytes and on the format its name gives them. */
const reuseKey = (sha256: string, path: string) => `${sha256} ${detectFormat(path) ?? ''}`;

/**
 * Profiles every tabular file among `stored` (in the manifest's order), reusing the profile of a
 * file the previous version already held with the same bytes and format: an unchanged file is not
 * read again. A file that is not a valid table is a warning and an `error` entry, not a failure:
 * versioning stores bytes as they are.
 */
export async function profileFiles(
  stored: readonly StoredFile[],
  absolutePaths: readonly string[],
  previous: DataProfiles | undefined,
  log: ProfileLog,
): Promise<DataProfiles> {
  const known = new Map((previous?.files ?? []).map((f) => [reuseKey(f.sha256, f.path), f]));
  const files: FileProfile[] = [];
  for (const [i, file] of stored.entries()) {
    if (!detectFormat(file.path)) continue;
    const reused = known.get(reuseKey(file.sha256, file.path));
    if (reused) {
      files.push({ ...reused, path: file.path });
      continue;
    }
    const absolutePath = absolutePaths[i] as string;
    const started = performance.now();
    const size = (await stat(absolutePath)).size;
    if (size >= 64 * 2 ** 20) log.info(`${file.path}: profiling ${formatMiB(size)}`);
    try {
      const profile = await profileFile(absolutePath, { input: 'path' });
      const seconds = (performance.now() - started) / 1000;
      log.info(
        `${file.path}: profiled ${profile.rows} rows × ${profile.columns.length} columns in ${seconds.toFixed(1)} s`,
      );
      files.push({ path: file.path, sha256: file.sha256, profile });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      // The message names the input and the absolute path; the record speaks of dataset paths.
      const reason = error.message.replace(`path: ${absolutePath}`, file.path);
      log.warning(`${reason} (no profile recorded for it)`);
      files.push({ path: file.path, sha256: file.sha256, error: reason });
    }
  }
  return { schemaVersion: 1, files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}

/**
 * The profiles a version recorded, read from the store and checked; undefined for a version
 * recorded before profiles were (or one without tabular files).
 */
export async function readDataProfiles(
  store: Pick<ContentStore, 'getBlob'>,
  record: Pick<DataVersion, 'profiles' | 'name' | 'number'>,
): Promise<DataProfiles | undefined> {
  if (!record.profiles) return undefined;
  const bytes = await store.getBlob(record.profiles);
  const parsed = DataProfiles.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success) {
    throw new Error(
      `the profiles of ${record.name} v${record.number} (blob ${record.profiles.slice(0, 12)}) do not match the DataProfiles schema: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

function formatMiB(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
