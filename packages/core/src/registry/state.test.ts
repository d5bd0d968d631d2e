import { describe, expect, it } from 'vitest';
import { buildRegistry, type ModelState, parseTag, type TagRecord, TRAILER } from '.';

const commit = (c: string) => c.repeat(40);

/** A tag as git would list it: `time` in seconds, trailers as mcp writes them. */
function tag(name: string, onCommit: string, time: number, trailers: Record<string, string> = {}): TagRecord {
  const parsed = parseTag(name);
  if (!parsed) throw new Error(`test tag ${name} is outside the grammar`);
  return {
    tag: name,
    parsed,
    object: 'f'.repeat(40),
    commit: commit(onCommit),
    time,
    tagger: { name: 'alice', email: 'alice@example.com' },
    message: name,
    trailers,
  };
}

function model(tags: TagRecord[], name = 'churn'): ModelState {
  // Input order must not matter: git lists tags by name, not by time.
  const state = buildRegistry([...tags].reverse()).get(name);
  if (!state) throw new Error(`no model ${name}`);
  return state;
}

const holders = (state: ModelState) =>
  Object.fromEntries(Object.entries(state.stages).map(([stage, s]) => [stage, s.version]));

describe('registry state from tags', () => {
  it('the latest assignment wins a stage, and unassigning it falls back to the one before', () => {
    const registered = [tag('churn@v0.0.1', 'a', 100), tag('churn@v0.0.2', 'b', 200)];
    const first = model([...registered, tag('churn#prod#1', 'a', 300), tag('churn#prod#2', 'b', 400)]);
    expect(holders(first)).toEqual({ prod: 'v0.0.2' });
    expect(first.versions.map((v) => [v.version, v.stages, v.assigned])).toEqual([
      ['v0.0.2', ['prod'], ['prod']],
      ['v0.0.1', [], ['prod']],
    ]);

    const rolledBack = model([
      ...registered,
      tag('churn#prod#1', 'a', 300),
      tag('churn#prod#2', 'b', 400),
      tag('churn#prod#3', 'a', 500),
    ]);
    expect(holders(rolledBack)).toEqual({ prod: 'v0.0.1' });

    const unassigned = model([
      ...registered,
      tag('churn#prod#1', 'a', 300),
      tag('churn#prod#2', 'b', 400),
      tag('churn#prod!#3', 'b', 500),
    ]);
    expect(holders(unassigned)).toEqual({ prod: 'v0.0.1' });
    expect(unassigned.versions.find((v) => v.version === 'v0.0.2')?.assigned).toEqual([]);
  });

  it('orders by tagger time first, then by counter within one second', () => {
    const registered = [tag('churn@v0.0.1', 'a', 100), tag('churn@v0.0.2', 'b', 100)];
    // #2 was written by a clock behind the other job's: time decides, as in GTO.
    expect(
      holders(model([...registered, tag('churn#prod#2', 'a', 300), tag('churn#prod#1', 'b', 400)])),
    ).toEqual({
      prod: 'v0.0.2',
    });
    // Within one second GTO's tag-name order would put #10 before #9; the counter does not.
    expect(
      holders(model([...registered, tag('churn#prod#9', 'a', 300), tag('churn#prod#10', 'b', 300)])),
    ).toEqual({
      prod: 'v0.0.2',
    });
    expect(
      holders(model([...registered, tag('churn#prod#10', 'a', 300), tag('churn#prod#9', 'b', 300)])),
    ).toEqual({
      prod: 'v0.0.1',
    });
  });

  it('a deregistered version is no longer latest and loses its stages', () => {
    const state = model([
      tag('churn@v0.0.1', 'a', 100),
      tag('churn@v0.1.0', 'b', 200),
      tag('churn#prod#1', 'a', 300),
      tag('churn#prod#2', 'b', 400),
      tag('churn@v0.1.0!#3', 'b', 500),
    ]);
    expect(state.latest).toBe('v0.0.1');
    expect(holders(state)).toEqual({ prod: 'v0.0.1' });
    expect(state.versions.map((v) => [v.version, v.active])).toEqual([
      ['v0.1.0', false],
      ['v0.0.1', true],
    ]);
  });

  it('latest is the greatest semver, not the newest tag; pre-releases rank below their release', () => {
    const state = model([
      tag('churn@v1.0.0', 'a', 100),
      tag('churn@v1.1.0-rc.1', 'b', 200),
      tag('churn@v0.9.0', 'c', 300),
    ]);
    expect(state.latest).toBe('v1.1.0-rc.1');
    expect(state.versions.map((v) => v.version)).toEqual(['v1.1.0-rc.1', 'v1.0.0', 'v0.9.0']);
  });

  it('deprecation holds while it is the newest event; a later registration revives the model', () => {
    const base = [tag('churn@v0.0.1', 'a', 100), tag('churn@deprecated#1', 'a', 200)];
    expect(model(base).deprecated).toBe(true);
    expect(model([...base, tag('churn@v0.0.2', 'b', 300)]).deprecated).toBe(false);
  });

  it('a stage on a commit without a version makes a version named by the commit, as GTO does', () => {
    const state = model([
      tag('churn#dev#1', 'c', 100),
      tag('churn#dev!#2', 'c', 200),
      tag('churn#staging#3', 'c', 300),
    ]);
    expect(state.latest).toBeNull();
    expect(state.versions).toMatchObject([
      { version: commit('c'), registered: false, active: true, stages: ['staging'] },
    ]);
    expect(state.events.map((e) => [e.kind, e.version, e.stage])).toEqual([
      ['assign', commit('c'), 'dev'],
      ['unassign', commit('c'), 'dev'],
      ['assign', commit('c'), 'staging'],
    ]);
  });

  it('a stage tag on a commit with two versions counts only when its message names one', () => {
    const registered = [tag('churn@v0.0.1', 'a', 100), tag('churn@v0.0.2', 'a', 100)];
    const named = model([...registered, tag('churn#prod#1', 'a', 200, { [TRAILER.version]: 'v0.0.1' })]);
    expect(holders(named)).toEqual({ prod: 'v0.0.1' });
    expect(named.warnings).toEqual([]);
    const unnamed = model([...registered, tag('churn#prod#1', 'a', 200)]);
    expect(holders(unnamed)).toEqual({});
    expect(unnamed.warnings).toEqual([
      'churn#prod#1 is on commit aaaaaaaaaaaa, which holds versions v0.0.1, v0.0.2, and does not say which; ignored (GTO cannot read it either)',
    ]);
    // A message naming a version of another commit is not believed: GTO goes by the commit.
    const lying = model([
      tag('churn@v0.0.1', 'a', 100),
      tag('churn@v0.0.2', 'b', 100),
      tag('churn#prod#1', 'a', 200, { [TRAILER.version]: 'v0.0.2' }),
    ]);
    expect(holders(lying)).toEqual({ prod: 'v0.0.1' });
  });

  it('keeps models apart, records digests, and skips @created', () => {
    const registry = buildRegistry([
      tag('churn@v0.0.1', 'a', 100, { [TRAILER.digest]: 'd'.repeat(64) }),
      tag('team/churn@v2.0.0', 'b', 100),
      tag('churn@created', 'a', 50),
    ]);
    expect([...registry.keys()]).toEqual(['churn', 'team/churn']);
    expect(registry.get('churn')?.versions[0]?.digest).toBe('d'.repeat(64));
    expect(registry.get('churn')?.events).toHaveLength(1);
    expect(registry.get('team/churn')?.latest).toBe('v2.0.0');
  });
});
