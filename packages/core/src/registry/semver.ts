import { InputError } from '../errors';

/**
 * A semantic version (semver.org 2.0.0). Numbers stay digit strings: the grammar puts no bound
 * on them, and a registry written by other tools must not lose precision when read back.
 */
export interface SemVer {
  major: string;
  minor: string;
  patch: string;
  /** Dot-separated identifiers after `-`; empty for a release. */
  prerelease: string[];
  /** Dot-separated identifiers after `+`; ignored for precedence. */
  build: string[];
}

export type Bump = 'major' | 'minor' | 'patch';

const NUMBER = '0|[1-9]\\d*';
const PRERELEASE_ID = `(?:${NUMBER}|\\d*[a-zA-Z-][0-9a-zA-Z-]*)`;
/** The pattern semver.org recommends, as GTO uses it (`gto/constants.py`, `semver`). */
export const SEMVER_PATTERN =
  `(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})` +
  `(?:-(${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*))?` +
  '(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?';
const SEMVER = new RegExp(`^${SEMVER_PATTERN}$`);

/** A name's first version, as GTO's `SemVer.get_minimal()`. */
export const FIRST_VERSION = '0.0.1';

/** `1.2.3-rc.1+build.5` (no `v`), or undefined when it is not semver. */
export function parseSemver(text: string): SemVer | undefined {
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  const [, major = '', minor = '', patch = '', prerelease, build] = match;
  return {
    major,
    minor,
    patch,
    prerelease: prerelease ? prerelease.split('.') : [],
    build: build ? build.split('.') : [],
  };
}

export function formatSemver(version: SemVer): string {
  const pre = version.prerelease.length > 0 ? `-${version.prerelease.join('.')}` : '';
  const build = version.build.length > 0 ? `+${version.build.join('.')}` : '';
  return `${version.major}.${version.minor}.${version.patch}${pre}${build}`;
}

/** Digit strings without leading zeros compare by length first. */
function compareNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const isNumeric = (id: string) => /^\d+$/.test(id);

/** Precedence as semver 2.0.0 §11 defines it: build metadata does not count. */
export function compareSemver(a: SemVer, b: SemVer): number {
  for (const part of ['major', 'minor', 'patch'] as const) {
    const order = compareNumbers(a[part], b[part]);
    if (order !== 0) return order;
  }
  // A pre-release ranks below the release it precedes.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return (a.prerelease.length === 0 ? 1 : 0) - (b.prerelease.length === 0 ? 1 : 0);
  }
  const length = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < length; i++) {
    const x = a.prerelease[i] as string;
    const y = b.prerelease[i] as string;
    if (x === y) continue;
    if (isNumeric(x) && isNumeric(y)) return compareNumbers(x, y);
    // Numeric identifiers rank below alphanumeric ones; alphanumerics compare in ASCII order.
    if (isNumeric(x) !== isNumeric(y)) return isNumeric(x) ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

/**
 * The next version after `version`, as python-semver's `bump_*` (which GTO calls): the part is
 * incremented, lower parts reset, pre-release and build dropped (`1.0.0-rc.1` → patch `1.0.1`).
 */
export function bumpSemver(version: SemVer, part: Bump): SemVer {
  const next = (n: string) => (BigInt(n) + 1n).toString();
  const bumped = { prerelease: [], build: [] };
  if (part === 'major') return { major: next(version.major), minor: '0', patch: '0', ...bumped };
  if (part === 'minor') return { major: version.major, minor: next(version.minor), patch: '0', ...bumped };
  return { major: version.major, minor: version.minor, patch: next(version.patch), ...bumped };
}

/** A version as a user gives it (`v1.2.0` or `1.2.0`), in the tag's form `v1.2.0`. */
export function checkSemver(text: string, input = 'version'): string {
  const bare = text.startsWith('v') ? text.slice(1) : text;
  if (!parseSemver(bare)) {
    throw new InputError(
      `${input}: "${text}" is not a semantic version (expected v<major>.<minor>.<patch>[-<pre-release>][+<build>], e.g. v1.2.0)`,
      input,
    );
  }
  return `v${bare}`;
}

export function checkBump(text: string, input = 'bump'): Bump {
  if (text !== 'major' && text !== 'minor' && text !== 'patch') {
    throw new InputError(`${input}: "${text}" is not one of major, minor, patch`, input);
  }
  return text;
}
