import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { bumpSemver, checkBump, checkSemver, compareSemver, formatSemver, parseSemver, type SemVer } from '.';

const v = (text: string): SemVer => {
  const parsed = parseSemver(text);
  if (!parsed) throw new Error(`test version ${text} is not semver`);
  return parsed;
};

describe('semantic versions', () => {
  it('orders pre-releases as semver 2.0.0 §11 lists them', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '2.0.0',
      '2.1.0',
      '2.1.1',
      '10.0.0',
      '99999999999999999999.0.0',
    ];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort((a, b) => compareSemver(v(a), v(b)))).toEqual(ordered);
  });

  it('ignores build metadata for precedence and keeps it in the text', () => {
    expect(compareSemver(v('1.0.0+a'), v('1.0.0+b.2'))).toBe(0);
    expect(compareSemver(v('1.0.0-rc.1+a'), v('1.0.0'))).toBe(-1);
    expect(formatSemver(v('1.0.0-rc.1+build.5'))).toBe('1.0.0-rc.1+build.5');
  });

  it('refuses what the semver grammar refuses', () => {
    for (const bad of ['1.0', '01.0.0', '1.0.0-01', '1.0.0-', '1.0.0+', 'v1.0.0', '1.0.0-a..b', ' 1.0.0']) {
      expect(parseSemver(bad), bad).toBeUndefined();
    }
  });

  it('bumps as python-semver does for GTO: lower parts reset, pre-release and build dropped', () => {
    const bump = (text: string, part: 'major' | 'minor' | 'patch') => formatSemver(bumpSemver(v(text), part));
    expect(bump('1.2.3', 'patch')).toBe('1.2.4');
    expect(bump('1.2.3', 'minor')).toBe('1.3.0');
    expect(bump('1.2.3', 'major')).toBe('2.0.0');
    expect(bump('1.0.0-rc.1+b', 'patch')).toBe('1.0.1');
    expect(bump('9007199254740993.0.0', 'major')).toBe('9007199254740994.0.0');
  });

  const semver = fc.record({
    major: fc.nat({ max: 30 }).map(String),
    minor: fc.nat({ max: 30 }).map(String),
    patch: fc.nat({ max: 30 }).map(String),
    prerelease: fc.array(
      fc.oneof(fc.nat({ max: 12 }).map(String), fc.constantFrom('alpha', 'beta', 'rc', 'x-1')),
      {
        maxLength: 3,
      },
    ),
    build: fc.array(fc.constantFrom('b1', '007', 'sha-1'), { maxLength: 2 }),
  });

  it('is a total order consistent with its text', () => {
    fc.assert(
      fc.property(semver, semver, semver, (a, b, c) => {
        expect(parseSemver(formatSemver(a))).toEqual(a);
        expect(Math.sign(compareSemver(a, b))).toBe(-Math.sign(compareSemver(b, a)));
        if (compareSemver(a, b) <= 0 && compareSemver(b, c) <= 0)
          expect(compareSemver(a, c)).toBeLessThanOrEqual(0);
        // A bump always goes up.
        for (const part of ['major', 'minor', 'patch'] as const)
          expect(compareSemver(bumpSemver(a, part), a)).toBe(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('takes a version with or without its v, and says what it expected otherwise', () => {
    expect(checkSemver('1.2.0')).toBe('v1.2.0');
    expect(checkSemver('v1.2.0-rc.1')).toBe('v1.2.0-rc.1');
    expect(() => checkSemver('v1.2')).toThrow(InputError);
    expect(() => checkSemver('v1.2')).toThrow(
      'version: "v1.2" is not a semantic version (expected v<major>.<minor>.<patch>[-<pre-release>][+<build>], e.g. v1.2.0)',
    );
    expect(checkBump('minor')).toBe('minor');
    expect(() => checkBump('micro')).toThrow('bump: "micro" is not one of major, minor, patch');
  });
});
