import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { type DataProfiles, type DataVersion, findDataVersion, readDataProfiles, withChunks } from '../data';
import { InputError, McpError } from '../errors';
import type { MetaView } from '../meta';
import { type DataProfile, detectFormat, profileFile } from '../profile';
import { buildRegistry, type ModelState, RegistryGit, readModelVersion } from '../registry';
import { type ContentStore, MissingObject } from '../store';
import { findRun } from '../train/record';

/** One side of the comparison: its profile and where it came from. */
export interface Side {
  /** `weather v3 (weather.csv)` or the file's path, for reports. */
  label: string;
  profile: DataProfile;
  /** When the side is a data version. */
  version?: { name: string; number: number; digest: string; path: string };
}

export interface Sources {
  workspace: string;
  /** The content store a version's profiles (and files) are read from. */
  store: (record: DataVersion) => ContentStore;
  meta: () => Promise<MetaView>;
  /** The model registry (tags of the remote), read once when a stage is named. */
  registry: () => Promise<Map<string, ModelState>>;
  info: (line: string) => void;
}

/** `name@N`, `name@latest`, `name@<digest>` or `name@<stage>`, then `:<path>` to pick a file. */
const VERSION = /^([A-Za-z0-9][A-Za-z0-9._-]*)@([A-Za-z0-9._-]+)(?::(.+))?$/;

/**
 * The profile `value` names: a file in the workspace (profiled now), or a data version — by
 * number, `latest`, digest, or a registry stage (`production`: the data version the model holding
 * that stage was trained on). A version's profile was recorded by version-data; one recorded
 * before profiles existed is read back from the store and profiled now.
 */
export async function resolveSide(value: string, input: string, sources: Sources): Promise<Side> {
  const path = resolve(sources.workspace, value);
  const inside = !relative(sources.workspace, path).startsWith('..');
  if (inside && existsSync(path) && statSync(path).isFile()) {
    return { label: value, profile: await profileFile(path, { input }) };
  }
  const match = VERSION.exec(value);
  if (!match) {
    throw new InputError(
      `${input}: "${value}" is neither a file in the workspace nor a data version (name@N, name@latest, name@production)`,
      input,
    );
  }
  const [, name, selector, file] = match as unknown as [string, string, string, string | undefined];
  const view = await sources.meta();
  const number = isVersionSelector(selector)
    ? undefined
    : await stageVersion(name, selector, input, sources, view);
  const record = await findDataVersion(view, name, number === undefined ? selector : String(number), input);
  return profileOfVersion(record, file, input, sources);
}

function isVersionSelector(selector: string): boolean {
  return selector === 'latest' || /^v?\d+$/.test(selector) || /^[0-9a-f]{8,64}$/.test(selector);
}

/** The number of dataset `name`'s version that the model(s) holding `stage` were trained on. */
async function stageVersion(
  name: string,
  stage: string,
  input: string,
  sources: Sources,
  view: MetaView,
): Promise<number> {
  const holders: { model: string; version: string; numbers: number[] }[] = [];
  for (const model of (await sources.registry()).values()) {
    const version = model.stages[stage]?.version;
    if (!version) continue;
    const record = await readModelVersion(view, model.name, version);
    let data = record?.data ?? [];
    if (data.length === 0 && record?.runId) data = (await findRun(view, record.runId))?.data ?? [];
    holders.push({
      model: model.name,
      version,
      numbers: data.filter((d) => d.name === name).map((d) => d.number),
    });
  }
  const trained = holders.filter((h) => h.numbers.length > 0);
  const numbers = [...new Set(trained.flatMap((h) => h.numbers))];
  if (numbers.length === 1) {
    const [holder] = trained;
    sources.info(
      `${input}: ${name}@${stage} is v${numbers[0]}, which ${holder?.model}@${holder?.version} was trained on`,
    );
    return numbers[0] as number;
  }
  if (numbers.length > 1) {
    throw new InputError(
      `${input}: models in stage ${stage} were trained on different versions of ${name} (${trained.map((h) => `${h.model}@${h.version}: v${h.numbers.join(', v')}`).join('; ')}); give name@N`,
      input,
    );
  }
  const held = holders.map((h) => `${h.model}@${h.version}`).join(', ');
  throw new InputError(
    holders.length === 0
      ? `${input}: no model holds stage "${stage}", so ${name}@${stage} names no data version`
      : `${input}: no model in stage ${stage} (${held}) was trained on dataset ${name}`,
    input,
  );
}

async function profileOfVersion(
  record: DataVersion,
  file: string | undefined,
  input: string,
  sources: Sources,
): Promise<Side> {
  const what = `${record.name} v${record.number}`;
  const tabular = record.files.filter((f) => detectFormat(f.path));
  const chosen = file === undefined ? tabular : tabular.filter((f) => f.path === file);
  if (chosen.length !== 1) {
    const paths = tabular.map((f) => f.path).join(', ') || 'none';
    throw new InputError(
      file === undefined
        ? `${input}: ${what} holds ${tabular.length} tabular files (${paths}); name one as ${record.name}@${record.number}:<path>`
        : `${input}: ${what} has no tabular file ${file} (it has ${paths})`,
      input,
    );
  }
  const entry = chosen[0] as DataVersion['files'][number];
  const version = { name: record.name, number: record.number, digest: record.digest, path: entry.path };
  const label = `${what} (${entry.path})`;
  const store = sources.store(record);
  let profiles: DataProfiles | undefined;
  try {
    profiles = await readDataProfiles(store, record);
  } catch (error) {
    if (!(error instanceof MissingObject)) throw error;
    throw new McpError(
      `${input}: the profiles of ${what} are not in ${store.backend.description} (${record.store} recorded them): ${error.message}`,
    );
  }
  const stored = profiles?.files.find((f) => f.path === entry.path);
  if (stored?.error)
    throw new InputError(`${input}: ${what} ${entry.path} has no profile: ${stored.error}`, input);
  if (stored?.profile) return { label, profile: stored.profile, version };
  sources.info(
    `${input}: ${what} was recorded without profiles; reading ${entry.path} from the store to profile it`,
  );
  const [withList] = withChunks([entry], await store.getBlob(record.chunks), what);
  const dir = await mkdtemp(join(tmpdir(), 'mcp-validate-data-'));
  try {
    const target = join(dir, basename(entry.path));
    await store.readFile(withList as NonNullable<typeof withList>, target);
    const profile = await profileFile(target, { input });
    return { label, profile, version };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The registry as the remote has it (tags read with plumbing; nothing is written). */
export function readRegistry(workspace: string): () => Promise<Map<string, ModelState>> {
  let registry: Promise<Map<string, ModelState>> | undefined;
  return () => {
    registry ??= new RegistryGit({
      cwd: workspace,
      remote: 'origin',
      tagger: { name: 'mcp', email: 'mcp@localhost' },
    })
      .readTags()
      .then(buildRegistry);
    return registry;
  };
}
