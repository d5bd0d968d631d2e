import { InputError } from '../errors';
import { checkModelName, checkStageName, formatTag, type ParsedTag } from './grammar';
import {
  type Bump,
  bumpSemver,
  checkSemver,
  compareSemver,
  FIRST_VERSION,
  formatSemver,
  parseSemver,
} from './semver';
import { buildRegistry, type ModelState, TRAILER, type VersionState } from './state';
import type { RegistryGit, Step, TagRecord } from './tags';

/** What a write did: `created` is false when the registry already said so (a re-run). */
export interface TagWritten {
  name: string;
  tag: string;
  commit: string;
  /** `v1.2.3` */
  version: string;
  created: boolean;
  /** ISO 8601 tagger time of the tag (the existing one when nothing was created). */
  time: string;
  /** Tries it took; more than one means it lost races to other writers. */
  attempts: number;
  /** Things GTO users should know (a stage GTO cannot attribute). */
  warnings: string[];
}

export interface RegisterOptions {
  name: string;
  /** The commit the version is of (the training run's); any revision. */
  commit: string;
  /** sha256 of the model's file manifest (`modelDigest`). */
  digest: string;
  /** An explicit version (`v1.2.0` or `1.2.0`); otherwise the greatest version is bumped. */
  version?: string;
  bump?: Bump;
  /** Extra text for the tag message (the description). */
  description?: string;
  runId?: string | null;
  now?: () => Date;
}

/**
 * Registers a version: the annotated tag `<name>@v<semver>` on `commit`, pushed. The next
 * version comes from the tags on the remote; a push that loses the race to another job re-reads
 * them and takes the next number. A version of this name that already holds `digest` is returned
 * as it is (`created: false`), so a re-run of the same job registers nothing new.
 */
export async function registerVersion(git: RegistryGit, options: RegisterOptions): Promise<TagWritten> {
  const name = checkModelName(options.name);
  if (!/^[0-9a-f]{64}$/.test(options.digest)) {
    throw new InputError(`digest: "${options.digest}" is not a lowercase hex sha256`, 'digest');
  }
  const explicit = options.version ? checkSemver(options.version) : undefined;
  const commit = await git.resolveCommit(options.commit);
  let attempts = 0;
  return git.retrying(async (): Promise<Step<TagWritten>> => {
    attempts++;
    const tags = await git.readTags();
    const model = buildRegistry(tags).get(name);
    const written = (v: VersionState, created: boolean): TagWritten => ({
      name,
      tag: v.tag ?? '',
      commit: v.commit,
      version: v.version,
      created,
      time: v.createdAt,
      attempts,
      warnings: [],
    });
    const registered = model?.versions.filter((v) => v.registered) ?? [];
    if (explicit) {
      const existing = registered.find((v) => sameVersion(v.version, explicit));
      if (existing?.active && existing.digest === options.digest) return { done: written(existing, false) };
      if (existing) throw versionTaken(name, explicit, existing, options.digest);
    } else {
      // The newest active version with these files: a re-run, or a twin job that won the race.
      const same = registered.find((v) => v.active && v.digest === options.digest);
      if (same) return { done: written(same, false) };
    }
    const version = explicit ?? nextVersion(registered, options.bump ?? 'patch');
    const tag = formatTag({ kind: 'register', name, version });
    const message = [
      // GTO's own default message, so `gto history` reads the same.
      `Registering artifact ${name} version ${version}`,
      options.description?.trim() ?? '',
      [`${TRAILER.digest}: ${options.digest}`, options.runId ? `${TRAILER.runId}: ${options.runId}` : '']
        .filter(Boolean)
        .join('\n'),
    ]
      .filter(Boolean)
      .join('\n\n');
    const time = eventTime(options.now, tags, name);
    const published = await publish(git, tag, commit, message, time);
    if ('retry' in published) return published;
    return {
      done: { name, tag, commit, version, created: true, time: secondsIso(time), attempts, warnings: [] },
    };
  });
}

export interface StageOptions {
  name: string;
  stage: string;
  /** The version to (un)assign: `v1.2.0` or `1.2.0`. */
  version: string;
  message?: string;
  now?: () => Date;
}

/**
 * Assigns `stage` to a registered version with the tag `<name>#<stage>#<n>` on its commit. When
 * the version already holds the stage nothing is written (`created: false`). Assigning a
 * version that held the stage before (a rollback) writes a new tag: the latest assignment wins.
 */
export async function assignStage(git: RegistryGit, options: StageOptions): Promise<TagWritten> {
  return writeStageTag(git, options, 'assign');
}

/** Unassigns `stage` from a version that holds it: `<name>#<stage>!#<n>`. */
export async function unassignStage(git: RegistryGit, options: StageOptions): Promise<TagWritten> {
  return writeStageTag(git, options, 'unassign');
}

async function writeStageTag(
  git: RegistryGit,
  options: StageOptions,
  kind: 'assign' | 'unassign',
): Promise<TagWritten> {
  const name = checkModelName(options.name);
  const stage = checkStageName(options.stage);
  const wanted = checkSemver(options.version);
  let attempts = 0;
  return git.retrying(async () => {
    attempts++;
    const tags = await git.readTags();
    const model = buildRegistry(tags).get(name);
    const version = activeVersion(model, name, wanted);
    const holder = model?.stages[stage];
    if (kind === 'assign' && holder && sameVersion(holder.version, version.version)) {
      const existing = { name, tag: holder.tag, commit: version.commit, version: version.version };
      return { done: { ...existing, created: false, time: holder.assignedAt, attempts, warnings: [] } };
    }
    if (kind === 'unassign' && !version.assigned.includes(stage)) {
      const now = holder ? ` (${holder.version} is)` : '';
      throw new InputError(`version: ${name} ${version.version} is not in stage ${stage}${now}`, 'version');
    }
    const parsed: ParsedTag = { kind, name, stage, counter: nextCounter(tags, name) };
    const verb = kind === 'assign' ? `Assigning stage ${stage} to` : `Unassigning stage ${stage} from`;
    const message = [
      `${verb} artifact ${name} version ${version.version}`,
      options.message?.trim() ?? '',
      `${TRAILER.version}: ${version.version}`,
    ]
      .filter(Boolean)
      .join('\n\n');
    return finish(git, model, parsed, version, message, () => eventTime(options.now, tags, name), attempts);
  });
}

/** Deregisters a version: `<name>@v<semver>!#<n>` on its commit. Its stages lapse with it. */
export async function deregisterVersion(
  git: RegistryGit,
  options: { name: string; version: string; message?: string; now?: () => Date },
): Promise<TagWritten> {
  const name = checkModelName(options.name);
  const wanted = checkSemver(options.version);
  let attempts = 0;
  return git.retrying(async () => {
    attempts++;
    const tags = await git.readTags();
    const model = buildRegistry(tags).get(name);
    const version = activeVersion(model, name, wanted);
    const parsed: ParsedTag = {
      kind: 'deregister',
      name,
      version: version.version,
      counter: nextCounter(tags, name),
    };
    const message = [
      `Deregistering artifact ${name} version ${version.version}`,
      options.message?.trim() ?? '',
    ]
      .filter(Boolean)
      .join('\n\n');
    return finish(git, model, parsed, version, message, () => eventTime(options.now, tags, name), attempts);
  });
}

/**
 * Deprecates a model: `<name>@deprecated#<n>` on the commit of its latest event (as GTO does).
 * Deprecating a deprecated model writes nothing.
 */
export async function deprecateModel(
  git: RegistryGit,
  options: { name: string; message?: string; now?: () => Date },
): Promise<Omit<TagWritten, 'version'>> {
  const name = checkModelName(options.name);
  let attempts = 0;
  return git.retrying(async (): Promise<Step<Omit<TagWritten, 'version'>>> => {
    attempts++;
    const tags = await git.readTags();
    const model = buildRegistry(tags).get(name);
    const last = model?.events.at(-1);
    if (!model || !last) throw new InputError(`name: the registry has no model ${name}`, 'name');
    if (model.deprecated) {
      return {
        done: {
          name,
          tag: last.tag,
          commit: last.commit,
          created: false,
          time: last.time,
          attempts,
          warnings: [],
        },
      };
    }
    const tag = formatTag({ kind: 'deprecate', name, counter: nextCounter(tags, name) });
    const message = [`Deprecating artifact '${name}'`, options.message?.trim() ?? '']
      .filter(Boolean)
      .join('\n\n');
    const time = eventTime(options.now, tags, name);
    const published = await publish(git, tag, last.commit, message, time);
    if ('retry' in published) return published;
    return {
      done: { name, tag, commit: last.commit, created: true, time: secondsIso(time), attempts, warnings: [] },
    };
  });
}

async function finish(
  git: RegistryGit,
  model: ModelState | undefined,
  parsed: ParsedTag,
  version: VersionState,
  message: string,
  now: (() => Date) | undefined,
  attempts: number,
): Promise<Step<TagWritten>> {
  const tag = formatTag(parsed);
  const time = (now ?? (() => new Date()))();
  const published = await publish(git, tag, version.commit, message, time);
  if ('retry' in published) return published;
  const twins = (model?.versions ?? []).filter(
    (v) => v.registered && v.commit === version.commit && v.version !== version.version,
  );
  // GTO finds a stage's version by commit and stops at a commit with several (`ManyVersions`).
  const warnings =
    twins.length > 0 && parsed.kind !== 'deregister'
      ? [
          `${tag} is on commit ${version.commit.slice(0, 12)}, which also holds ${twins.map((v) => v.version).join(', ')} of ${parsed.name}: mcp reads which version it means from the tag message, GTO cannot tell them apart`,
        ]
      : [];
  return {
    done: {
      name: parsed.name,
      tag,
      commit: version.commit,
      version: version.version,
      created: true,
      time: secondsIso(time),
      attempts,
      warnings,
    },
  };
}

/**
 * Now, or one second after the name's latest tag when the clock has not moved past it: tagger
 * times have whole seconds, and GTO orders a model's events by them, so two events in one
 * second (a deprecation, then a registration that revives the model) would otherwise tie.
 */
function eventTime(now: (() => Date) | undefined, tags: readonly TagRecord[], name: string): Date {
  const clock = (now ?? (() => new Date()))();
  let latest = Number.NEGATIVE_INFINITY;
  for (const record of tags) if (record.parsed.name === name) latest = Math.max(latest, record.time);
  return clock.getTime() / 1000 >= latest + 1 ? clock : new Date((latest + 1) * 1000);
}

async function publish(
  git: RegistryGit,
  tag: string,
  commit: string,
  message: string,
  time: Date,
): Promise<Step<true>> {
  const object = await git.createTag(tag, commit, message, time);
  return git.publish(tag, object);
}

/** The greatest registered version bumped; deregistered ones count, since their tags stay. */
function nextVersion(registered: VersionState[], bump: Bump): string {
  let greatest: ReturnType<typeof parseSemver>;
  for (const v of registered) {
    const semver = parseSemver(v.version.slice(1));
    if (semver && (!greatest || compareSemver(semver, greatest) > 0)) greatest = semver;
  }
  return `v${greatest ? formatSemver(bumpSemver(greatest, bump)) : FIRST_VERSION}`;
}

/** GTO's `name_tag`: one counter per name, over all its counted tags, whatever their kind. */
export function nextCounter(tags: readonly TagRecord[], name: string): number {
  let greatest = 0;
  for (const { parsed } of tags) {
    if (parsed.name === name && parsed.counter !== undefined) greatest = Math.max(greatest, parsed.counter);
  }
  return greatest + 1;
}

/** Build metadata does not make another version: `v1.0.0+a` and `v1.0.0+b` are one number. */
function sameVersion(a: string, b: string): boolean {
  const x = parseSemver(a.slice(1));
  const y = parseSemver(b.slice(1));
  return x && y ? compareSemver(x, y) === 0 : a === b;
}

function activeVersion(model: ModelState | undefined, name: string, wanted: string): VersionState {
  const registered = model?.versions.filter((v) => v.registered && v.active) ?? [];
  const found = registered.find((v) => sameVersion(v.version, wanted));
  if (!found) {
    const known = registered.map((v) => v.version).join(', ');
    throw new InputError(
      `version: ${name} has no registered version ${wanted} (${known ? `registered: ${known}` : 'none registered'})`,
      'version',
    );
  }
  return found;
}

function versionTaken(name: string, version: string, existing: VersionState, digest: string): InputError {
  const why = !existing.active
    ? 'was deregistered; its tag stays'
    : existing.digest
      ? `holds other model files (digest ${existing.digest.slice(0, 12)}, these are ${digest.slice(0, 12)})`
      : 'was registered without a model digest (not by mcp)';
  return new InputError(
    `version: ${name} ${version} already exists and ${why}; give another version or use bump`,
    'version',
  );
}

function secondsIso(time: Date): string {
  return new Date(Math.floor(time.getTime() / 1000) * 1000).toISOString();
}
