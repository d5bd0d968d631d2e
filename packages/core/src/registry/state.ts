import { compareSemver, parseSemver } from './semver';
import type { Identity, TagRecord } from './tags';

/** Trailers mcp writes into tag messages; GTO shows them as part of the message. */
export const TRAILER = {
  /** sha256 of the model's file manifest, on version tags: what makes a re-run idempotent. */
  digest: 'Mcp-Model-Digest',
  /** The version a stage tag is about, since GTO finds it by commit and a commit may hold several. */
  version: 'Mcp-Version',
  runId: 'Mcp-Run-Id',
} as const;

export type RegistryEventKind = 'register' | 'deregister' | 'assign' | 'unassign' | 'deprecate';

/** One registry event, in the order GTO replays them. */
export interface RegistryEvent {
  kind: RegistryEventKind;
  name: string;
  /** `v1.2.3`; for a stage on a commit without a registered version, the commit id (as GTO). */
  version: string | null;
  stage: string | null;
  tag: string;
  commit: string;
  /** ISO 8601, from the tagger date. */
  time: string;
  counter: number | null;
  tagger: Identity;
  message: string;
}

export interface VersionState {
  version: string;
  /** False for a commit that only carries a stage tag (GTO's "discovered" version). */
  registered: boolean;
  /** Registered and not deregistered since (or discovered). */
  active: boolean;
  commit: string;
  /** The tag that registered it. */
  tag: string | null;
  createdAt: string;
  digest: string | null;
  /** Stages this version currently holds. */
  stages: string[];
  /**
   * Stages whose latest tag for this version assigns it (GTO's active `VStage`s): a superset of
   * `stages`, holding the fallbacks a stage returns to when its holder is unassigned.
   */
  assigned: string[];
}

export interface StageState {
  stage: string;
  version: string;
  /** The assignment that put it there. */
  tag: string;
  assignedAt: string;
}

export interface ModelState {
  name: string;
  /** The latest event is a deprecation (a later registration or assignment revives it, as in GTO). */
  deprecated: boolean;
  /** The greatest active registered version, or null. */
  latest: string | null;
  /** Newest semver first; discovered versions (commit ids) last. */
  versions: VersionState[];
  /** Stage → the version it holds now. */
  stages: Record<string, StageState>;
  /** Every event, oldest first. */
  events: RegistryEvent[];
  /** Tags that GTO cannot make sense of, each with the reason. */
  warnings: string[];
}

const PRIORITY: Record<RegistryEventKind, number> = {
  deprecate: 2,
  register: 3,
  deregister: 4,
  assign: 5,
  unassign: 6,
};

/**
 * GTO replays events by tagger time (`gto/tag.py` `find`, sorted by `tag_time`); it keeps ties in
 * tag-name order, so `#10` would come before `#9`. Tagger times have one-second resolution and a
 * CI job often registers and promotes within one second, so ties are broken by the counter (the
 * order the tags were written in), then by GTO's event priority (`gto/base.py`), then by name.
 */
function compareEvents(a: TagRecord, b: TagRecord): number {
  return (
    a.time - b.time ||
    (a.parsed.counter ?? 0) - (b.parsed.counter ?? 0) ||
    PRIORITY[a.parsed.kind as RegistryEventKind] - PRIORITY[b.parsed.kind as RegistryEventKind] ||
    (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)
  );
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** Newest semver first, then commit ids (discovered versions) in order. */
export function compareVersionsDescending(a: string, b: string): number {
  const x = parseSemver(a.slice(1));
  const y = parseSemver(b.slice(1));
  if (x && y) return compareSemver(y, x) || (a < b ? 1 : a > b ? -1 : 0);
  if (x || y) return x ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The registry as GTO sees it (`gto show` defaults): one state per model name. */
export function buildRegistry(tags: readonly TagRecord[]): Map<string, ModelState> {
  const byName = new Map<string, TagRecord[]>();
  for (const tag of tags) {
    // `@created` matches GTO's pattern, but GTO never acts on it.
    if (tag.parsed.kind === 'create') continue;
    const list = byName.get(tag.parsed.name) ?? [];
    list.push(tag);
    byName.set(tag.parsed.name, list);
  }
  const models = new Map<string, ModelState>();
  for (const name of [...byName.keys()].sort()) {
    models.set(name, buildModel(name, (byName.get(name) ?? []).sort(compareEvents)));
  }
  return models;
}

interface Working {
  state: VersionState;
  /** Register/deregister events, oldest first. */
  direct: RegistryEvent[];
  /** Stage → its assign/unassign events, oldest first. */
  stages: Map<string, RegistryEvent[]>;
}

/** A version first seen in `tag`: registered there, or only named by a stage tag. */
function newVersion(
  version: string,
  tag: TagRecord,
  flags: { registered: boolean; active: boolean },
): Working {
  return {
    state: {
      version,
      ...flags,
      commit: tag.commit,
      tag: null,
      createdAt: iso(tag.time),
      digest: null,
      stages: [],
      assigned: [],
    },
    direct: [],
    stages: new Map(),
  };
}

function buildModel(name: string, tags: TagRecord[]): ModelState {
  const warnings: string[] = [];
  const versions = new Map<string, Working>();
  const event = (tag: TagRecord, version: string | null): RegistryEvent => ({
    kind: tag.parsed.kind as RegistryEventKind,
    name,
    version,
    stage: 'stage' in tag.parsed ? tag.parsed.stage : null,
    tag: tag.tag,
    commit: tag.commit,
    time: iso(tag.time),
    counter: tag.parsed.counter ?? null,
    tagger: tag.tagger,
    message: tag.message,
  });

  // GTO indexes version tags before stage tags, so a stage finds versions registered after it.
  for (const tag of tags) {
    if (tag.parsed.kind !== 'register' && tag.parsed.kind !== 'deregister') continue;
    const version = tag.parsed.version;
    let working = versions.get(version);
    if (working && working.state.commit !== tag.commit) {
      warnings.push(
        `${tag.tag} is on commit ${tag.commit.slice(0, 12)}, but ${version} is on ${working.state.commit.slice(0, 12)}; ignored`,
      );
      continue;
    }
    if (!working) {
      working = newVersion(version, tag, { registered: true, active: false });
      versions.set(version, working);
    }
    if (tag.parsed.kind === 'register' && working.state.tag === null) {
      working.state.tag = tag.tag;
      working.state.createdAt = iso(tag.time);
      working.state.digest = tag.trailers[TRAILER.digest] ?? null;
    }
    working.direct.push(event(tag, version));
  }

  const events: RegistryEvent[] = [];
  for (const tag of tags) {
    if (tag.parsed.kind === 'register' || tag.parsed.kind === 'deregister') {
      events.push(event(tag, tag.parsed.version));
      continue;
    }
    if (tag.parsed.kind === 'deprecate') {
      events.push(event(tag, null));
      continue;
    }
    const version = stageVersion(tag, versions, warnings);
    if (version === undefined) continue;
    let working = versions.get(version);
    if (!working) {
      // A stage on a commit no version names: GTO shows it as a version named by the commit.
      working = newVersion(version, tag, { registered: false, active: true });
      versions.set(version, working);
    }
    const stage = event(tag, version);
    const list = working.stages.get(stage.stage as string) ?? [];
    list.push(stage);
    working.stages.set(stage.stage as string, list);
    events.push(stage);
  }

  // A version is active when its last direct event registers it (`Version.is_active`).
  for (const { state, direct } of versions.values()) {
    if (state.registered) state.active = direct.at(-1)?.kind === 'register';
  }
  // Each stage holds the active version whose still-standing assignment is the latest
  // (`get_vstages` with versions_per_stage=1 and sort by timestamp, as `gto show` runs it):
  // the latest assignment wins, and unassigning it falls back to the one before.
  const stages: Record<string, StageState> = {};
  const order = new Map(events.map((e, i) => [e.tag, i]));
  for (const { state, stages: byStage } of versions.values()) {
    if (!state.active) continue;
    for (const [stage, list] of byStage) {
      const last = list.at(-1);
      if (last?.kind !== 'assign') continue;
      state.assigned.push(stage);
      const current = stages[stage];
      if (!current || (order.get(last.tag) ?? 0) > (order.get(current.tag) ?? 0)) {
        stages[stage] = { stage, version: state.version, tag: last.tag, assignedAt: last.time };
      }
    }
  }
  for (const holder of Object.values(stages)) versions.get(holder.version)?.state.stages.push(holder.stage);

  const all = [...versions.values()]
    .map((w) => w.state)
    .sort((a, b) => compareVersionsDescending(a.version, b.version));
  for (const version of all) {
    version.stages.sort();
    version.assigned.sort();
  }
  const latest = all.find((v) => v.registered && v.active)?.version ?? null;
  return {
    name,
    // `Artifact.is_active`: the newest event of all is not a deprecation.
    deprecated: events.at(-1)?.kind === 'deprecate',
    latest,
    versions: all,
    stages: Object.fromEntries(Object.entries(stages).sort(([a], [b]) => (a < b ? -1 : 1))),
    events,
    warnings,
  };
}

/**
 * The version a stage tag is about. GTO takes the version registered on the tag's commit, and a
 * commit without one becomes a version named by the commit id (`index_tag`). mcp's own stage tags
 * also name their version (a matrix sweep may register several on one commit); that name counts
 * only when it agrees with the commit.
 */
function stageVersion(
  tag: TagRecord,
  versions: Map<string, Working>,
  warnings: string[],
): string | undefined {
  const named = tag.trailers[TRAILER.version];
  const onCommit = [...versions.values()]
    .filter((w) => w.state.commit === tag.commit)
    .map((w) => w.state.version);
  if (named && onCommit.includes(named)) return named;
  if (onCommit.length <= 1) return onCommit[0] ?? tag.commit;
  warnings.push(
    `${tag.tag} is on commit ${tag.commit.slice(0, 12)}, which holds versions ${onCommit.sort().join(', ')}, and does not say which; ignored (GTO cannot read it either)`,
  );
  return undefined;
}
