import { InputError } from '../errors';
import { SEMVER_PATTERN } from './semver';

/**
 * GTO's tag grammar (iterative/gto, `gto/constants.py` `tag_re`, `gto/tag.py` `parse_name` and
 * `TagTemplates`), so that GTO and the tools built on it read our registry and we read theirs:
 *
 * | tag | event |
 * | --- | --- |
 * | `<name>@v<semver>[#<n>]` | register a version |
 * | `<name>@v<semver>![#<n>]` | deregister it |
 * | `<name>#<stage>[#<n>]` | assign a stage (to the version registered on the tag's commit) |
 * | `<name>#<stage>![#<n>]` | unassign it |
 * | `<name>@deprecated[#<n>]` | deprecate the model |
 * | `<name>@created[#<n>]` | matched by GTO's pattern but never acted on |
 *
 * `<n>` counts the counted tags of a name, whatever their kind (`name_tag`: the greatest counter
 * of the name plus one).
 */
export type ParsedTag =
  | { kind: 'register' | 'deregister'; name: string; version: string; counter?: number }
  | { kind: 'assign' | 'unassign'; name: string; stage: string; counter?: number }
  | { kind: 'deprecate' | 'create'; name: string; counter?: number };

export type TagKind = ParsedTag['kind'];

/**
 * GTO 1.x reads wider names than it once wrote: upper case, `_`, a leading digit, one character,
 * and a `<dirname>:` prefix (DVC artifacts outside the root `dvc.yaml`, spelled `<dirname>=` in
 * tags). Reading accepts all of it; `checkModelName` keeps what we write inside every version.
 */
const GTO_NAME = '[a-zA-Z0-9](?:[a-zA-Z0-9\\-/_]*[a-zA-Z0-9])?';
const GTO_DIRNAME = '[a-zA-Z0-9\\-_./]+';
const GTO_FULLNAME = new RegExp(`^(?:${GTO_DIRNAME}:)?${GTO_NAME}$`);
const TAG = new RegExp(
  `^(?<artifact>(?:${GTO_DIRNAME}=)?${GTO_NAME})` +
    `(?:(?:#(?<stage>${GTO_NAME})|@(?<version>v${SEMVER_PATTERN}))(?<cancel>!?)|@(?<special>deprecated|created))` +
    '(?:#(?<counter>[0-9]+))?$',
);

/** The tag's meaning, or undefined for a tag outside the grammar (GTO ignores those too). */
export function parseTag(tag: string): ParsedTag | undefined {
  const groups = TAG.exec(tag)?.groups;
  if (!groups) return undefined;
  // GTO names a `<dirname>=<name>` artifact `<dirname>:<name>` (`tag_to_name`).
  const name = (groups.artifact as string).replace('=', ':');
  const counter = groups.counter === undefined ? {} : { counter: Number(groups.counter) };
  const cancelled = groups.cancel === '!';
  if (groups.version !== undefined) {
    return { kind: cancelled ? 'deregister' : 'register', name, version: groups.version, ...counter };
  }
  if (groups.stage !== undefined) {
    return { kind: cancelled ? 'unassign' : 'assign', name, stage: groups.stage, ...counter };
  }
  return { kind: groups.special === 'deprecated' ? 'deprecate' : 'create', name, ...counter };
}

export function formatTag(tag: ParsedTag): string {
  const name = tag.name.replace(':', '=');
  const counter = tag.counter === undefined ? '' : `#${tag.counter}`;
  switch (tag.kind) {
    case 'register':
      return `${name}@${tag.version}${counter}`;
    case 'deregister':
      return `${name}@${tag.version}!${counter}`;
    case 'assign':
      return `${name}#${tag.stage}${counter}`;
    case 'unassign':
      return `${name}#${tag.stage}!${counter}`;
    case 'deprecate':
      return `${name}@deprecated${counter}`;
    case 'create':
      return `${name}@created${counter}`;
  }
}

/** Whether GTO (1.x) reads `name` as an artifact name, `<dirname>:<name>` included. */
export function isGtoName(name: string): boolean {
  return GTO_FULLNAME.test(name);
}

/**
 * Loose refs are files, one path component per `/`-segment; a name this long keeps every
 * `refs/tags/...` component far below the 255 bytes a filesystem allows.
 */
const MAX_NAME = 100;

const RULE =
  'lowercase letters, digits, "-" and "/", 2 to 100 characters, starting with a letter and ending with a letter or digit, no "//"';

/** What is wrong with a name we would write, or undefined when nothing is. */
function nameProblem(name: string): string | undefined {
  if (name.length < 2) return 'it is shorter than 2 characters';
  if (name.length > MAX_NAME) return `it is longer than ${MAX_NAME} characters`;
  const bad = /[^a-z0-9/-]/.exec(name)?.[0];
  if (bad !== undefined) {
    return /[A-Z]/.test(bad) ? 'upper case is not allowed' : `${JSON.stringify(bad)} is not allowed`;
  }
  if (!/^[a-z]/.test(name)) return 'it must start with a lowercase letter';
  if (!/[a-z0-9]$/.test(name)) return 'it must end with a letter or digit';
  // GTO's pattern allows `a//b`, but git refuses such a tag name.
  if (name.includes('//')) return 'it has "//" (git refuses it in a tag name)';
  return undefined;
}

/**
 * A model name we may write. The rule is GTO 0.2's (`[a-z][a-z0-9-/]*[a-z0-9]`), the narrowest
 * GTO ever had, so every GTO release parses our tags; later releases only widened it.
 */
export function checkModelName(name: string, input = 'name'): string {
  const problem = nameProblem(name);
  if (problem) {
    throw new InputError(`${input}: "${name}" is not a valid model name: ${problem} (use ${RULE})`, input);
  }
  return name;
}

/** A stage name: GTO gives stages the same grammar as names. */
export function checkStageName(stage: string, input = 'stage'): string {
  const problem = nameProblem(stage);
  if (problem) {
    throw new InputError(`${input}: "${stage}" is not a valid stage name: ${problem} (use ${RULE})`, input);
  }
  return stage;
}

/** A name to look up: any name GTO reads, so registries written by GTO 1.x are readable. */
export function checkLookupName(name: string, input = 'name'): string {
  if (!isGtoName(name)) {
    throw new InputError(
      `${input}: "${name}" is not a model name GTO can read (use ${RULE}; GTO 1.x also reads upper case, "_" and a "<dirname>:" prefix)`,
      input,
    );
  }
  return name;
}
