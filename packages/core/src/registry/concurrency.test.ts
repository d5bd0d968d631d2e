import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repoWithRemote } from '../../../../test/helpers/git';
import { bundledFixture, runJob } from '../../../../test/helpers/jobs';
import { buildRegistry, RegistryGit } from '.';

const writerScript = bundledFixture('registry/bump-writer.ts');

interface Registered {
  writer: string;
  digest: string;
  version: string;
  tag: string;
  created: boolean;
  attempts: number;
}

const runWriter = (clone: string, writer: string, digest: string) =>
  runJob<Registered>(writerScript(), [clone, writer, digest]);

/** Jobs of one matrix sweep: clones of one commit, most of them depth-1 like actions/checkout. */
function remoteWithClones(count: number) {
  const { root, origin } = repoWithRemote({ 'train.py': 'print(1)\n' });
  git(origin, 'config', 'core.logAllRefUpdates', 'always');
  const clones = Array.from({ length: count }, (_, i) => {
    const clone = join(root, `job-${i + 1}`);
    git(root, 'clone', '-q', ...(i % 4 === 3 ? [] : ['--depth', '1']), `file://${origin}`, clone);
    return clone;
  });
  return { origin, clones };
}

const digestOf = (i: number) => i.toString(16).padStart(2, '0').repeat(32);

describe('concurrent registrations on one bare remote', () => {
  it('ten jobs bumping at once get ten distinct versions, none lost or duplicated', async () => {
    const { origin, clones } = remoteWithClones(10);
    const started = performance.now();
    const results = await Promise.all(
      clones.map((clone, i) => runWriter(clone, `job-${i + 1}`, digestOf(i + 1))),
    );
    const seconds = (performance.now() - started) / 1000;

    const expected = Array.from({ length: 10 }, (_, i) => `v0.0.${i + 1}`);
    expect(
      results.map((r) => r.version).sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2])),
    ).toEqual(expected);
    expect(results.every((r) => r.created)).toBe(true);
    // The remote holds exactly those tags, each pointing at the job's files.
    expect(git(origin, 'tag', '-l').split('\n').sort()).toEqual(expected.map((v) => `churn@${v}`).sort());
    const registry = buildRegistry(
      await new RegistryGit({ cwd: clones[0] ?? '', tagger: { name: 't', email: 't@e' } }).readTags(),
    );
    const versions = registry.get('churn')?.versions ?? [];
    for (const result of results) {
      expect(versions.find((v) => v.version === result.version)?.digest).toBe(result.digest);
    }
    // Tag refs are created once and never moved: one reflog entry each on the remote.
    for (const version of expected) {
      expect(
        git(origin, 'reflog', 'show', '--format=%H', `refs/tags/churn@${version}`).split('\n'),
      ).toHaveLength(1);
    }
    const attempts = results.map((r) => r.attempts);
    expect(Math.max(...attempts)).toBeGreaterThan(1);
    console.info(
      `10 concurrent registrations in ${seconds.toFixed(2)} s; attempts per job max ${Math.max(...attempts)}, total ${attempts.reduce((a, b) => a + b)}`,
    );
  }, 180_000);

  it('twin jobs registering the same files at once make one version', async () => {
    const { origin, clones } = remoteWithClones(3);
    const results = await Promise.all(
      clones.map((clone, i) => runWriter(clone, `twin-${i + 1}`, digestOf(7))),
    );
    expect(new Set(results.map((r) => r.version))).toEqual(new Set(['v0.0.1']));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(git(origin, 'tag', '-l')).toBe('churn@v0.0.1');
  }, 120_000);
});
