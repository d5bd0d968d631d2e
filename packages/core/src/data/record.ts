import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../audit';
import { InputError } from '../errors';
import { type MetaView, readRecord } from '../meta';

/** One file of a version. `rows` (CSV/TSV/JSONL only) is a profile, not part of the identity. */
export const DataFile = z.object({
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  mode: z.number().int(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().nonnegative().optional(),
});
export type DataFile = z.infer<typeof DataFile>;

export const DataVersion = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  number: z.number().int().positive(),
  /** sha256 of the canonical manifest (paths, sizes, modes, sha256s): the version's identity. */
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  /** The workspace-relative directory the paths are relative to ('.' for the workspace). */
  root: z.string(),
  files: z.array(DataFile),
  bytes: z.number().int().nonnegative(),
  /** The store blob holding every file's chunk list (needed to read the files back). */
  chunks: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * The store blob holding the tabular files' profiles (`DataProfiles`): absent in versions
   * recorded before profiles were, and in versions without a CSV/TSV/JSONL/Parquet file.
   */
  profiles: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  store: z.string(),
  message: z.string().optional(),
  createdAt: z.string(),
  actor: z.string().nullable(),
  commit: z.string().nullable(),
  runUrl: z.string().nullable(),
  diff: z.unknown().optional(),
});
export type DataVersion = z.infer<typeof DataVersion>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkDatasetName(name: string, input = 'name'): string {
  if (!NAME.test(name) || name.includes('..')) {
    throw new InputError(
      `${input}: "${name}" is not a dataset name (letters, digits, ., _ and -, at most 100)`,
      input,
    );
  }
  return name;
}

export function dataVersionPath(name: string, number: number): string {
  return `data/${name}/v${number}.json`;
}

/** The manifest's identity: the same files give the same digest on any machine, in any order. */
export function manifestDigest(files: readonly DataFile[]): string {
  const manifest = [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map(({ path, size, mode, sha256 }) => ({ path, size, mode, sha256 }));
  return createHash('sha256')
    .update(canonicalJson({ schemaVersion: 1, files: manifest }))
    .digest('hex');
}

export function formatDataVersion(record: DataVersion): string {
  return `${JSON.stringify(DataVersion.parse(record), null, 2)}\n`;
}

/** The version numbers of `name` on the tip, ascending. */
export async function versionNumbers(view: Pick<MetaView, 'list'>, name: string): Promise<number[]> {
  const numbers: number[] = [];
  for (const entry of await view.list(`data/${name}`)) {
    const match = /^v(\d+)\.json$/.exec(entry);
    if (match) numbers.push(Number(match[1]));
  }
  return numbers.sort((a, b) => a - b);
}

export async function readDataVersion(
  view: Pick<MetaView, 'read'>,
  name: string,
  number: number,
): Promise<DataVersion | undefined> {
  return readRecord(view, DataVersion, dataVersionPath(name, number), 'DataVersion');
}

export async function latestDataVersion(
  view: Pick<MetaView, 'read' | 'list'>,
  name: string,
): Promise<DataVersion | undefined> {
  const numbers = await versionNumbers(view, name);
  const last = numbers.at(-1);
  return last === undefined ? undefined : readDataVersion(view, name, last);
}

/** `latest`, a number or a manifest digest (a prefix of 8 or more hex digits), as a record. */
export async function findDataVersion(
  view: Pick<MetaView, 'read' | 'list'>,
  name: string,
  selector: string,
  input = 'version',
): Promise<DataVersion> {
  const numbers = await versionNumbers(view, name);
  if (numbers.length === 0)
    throw new InputError(`name: no versions of dataset "${name}" on mcp-meta`, 'name');
  let found: DataVersion | undefined;
  if (selector === '' || selector === 'latest') {
    found = await readDataVersion(view, name, numbers.at(-1) as number);
  } else if (/^v?\d+$/.test(selector) && Number(selector.replace('v', '')) <= 1e9) {
    found = await readDataVersion(view, name, Number(selector.replace('v', '')));
  } else if (/^[0-9a-f]{8,64}$/.test(selector)) {
    for (const n of [...numbers].reverse()) {
      const record = await readDataVersion(view, name, n);
      if (record?.digest.startsWith(selector)) {
        found = record;
        break;
      }
    }
  } else {
    throw new InputError(`${input}: "${selector}" is not latest, a version number or a digest`, input);
  }
  if (!found) {
    throw new InputError(
      `${input}: dataset "${name}" has no version ${selector} (versions 1 to ${numbers.at(-1)})`,
      input,
    );
  }
  return found;
}

/** The pointer file a code commit pins its data with. */
export const DataPointer = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  version: z.number().int().positive(),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});
export type DataPointer = z.infer<typeof DataPointer>;

export function pointerFileName(name: string): string {
  return `${name}.data.json`;
}
