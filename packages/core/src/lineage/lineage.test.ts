import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { runRecordPath } from '../train/record';
import { formatLineageMermaid, formatLineageText } from './graph';
import { lineageOf } from './lineage';
import { rankRuns } from './runs';
import { deploymentRecord, runRecord } from './test-records';

const ID = (n: number) => `20261129T08000${n}Z-0000000${n}`;

describe('rankRuns', () => {
  const runs = [
    runRecord({ id: ID(1), metrics: { f1: 0.8, loss: 0.5 }, startedAt: '2026-11-29T08:00:01Z' }),
    runRecord({ id: ID(2), metrics: { f1: 0.9, loss: 0.7 }, startedAt: '2026-11-29T08:00:02Z' }),
    runRecord({ id: ID(3), metrics: { f1: 0.95 }, exitCode: 1, startedAt: '2026-11-29T08:00:03Z' }),
    runRecord({ id: ID(4), metrics: { loss: 0.2 }, startedAt: '2026-11-29T08:00:04Z' }),
    runRecord({ id: ID(5), metrics: { f1: 0.9 }, startedAt: '2026-11-29T08:00:05Z', commit: 'b'.repeat(40) }),
  ];

  it('ranks higher-is-better metrics down, never lets a failed run win, and breaks ties by the earlier run', () => {
    const result = rankRuns(runs, { metric: 'f1' });
    expect(result.direction).toBe('higher');
    expect(result.ranked.map((r) => r.run.id)).toEqual([ID(2), ID(5), ID(1)]);
    expect(result.skipped.map((s) => [s.run.id, s.reason])).toEqual([
      [ID(3), 'exit code 1'],
      [ID(4), 'no f1'],
    ]);
  });

  it('takes the direction from the metric name or the caller', () => {
    expect(rankRuns(runs, { metric: 'loss' }).ranked.map((r) => r.value)).toEqual([0.2, 0.5, 0.7]);
    expect(rankRuns(runs, { metric: 'f1', direction: 'lower' }).ranked[0]?.run.id).toBe(ID(1));
  });

  it('keeps to one commit when asked, and refuses a commit that is not a sha', () => {
    const result = rankRuns(runs, { metric: 'f1', commit: 'bbbbbbb' });
    expect(result.ranked.map((r) => r.run.id)).toEqual([ID(5)]);
    expect(() => rankRuns(runs, { metric: 'f1', commit: 'main' })).toThrow(InputError);
  });
});

/** A mcp-meta tip as files, enough for reads. */
function view(files: Record<string, unknown>) {
  const text = new Map(Object.entries(files).map(([k, v]) => [k, `${JSON.stringify(v)}\n`]));
  return {
    read: async (path: string) => text.get(path),
    list: async (dir: string) => {
      const names = new Set<string>();
      for (const path of text.keys()) {
        if (path.startsWith(`${dir}/`)) names.add(path.slice(dir.length + 1).split('/')[0] as string);
      }
      return [...names].sort();
    },
  };
}

describe('lineageOf', () => {
  const digest = 'd'.repeat(64);
  const data = {
    schemaVersion: 1,
    name: 'train',
    number: 3,
    digest,
    root: 'data',
    files: [{ path: 'a.csv', size: 2048, mode: 0o644, sha256: 'e'.repeat(64) }],
    bytes: 2048,
    chunks: 'f'.repeat(64),
    store: 'local:.mcp/store',
    createdAt: '2026-11-28T10:00:00.000Z',
    actor: 'alice',
    commit: null,
    runUrl: null,
  };
  const first = runRecord({
    id: ID(1),
    data: [{ name: 'train', number: 3, digest, path: 'data' }],
    metrics: { f1: 0.91234 },
  });
  const hit = runRecord({ id: ID(2), data: first.data, cachedFrom: ID(1), metrics: first.metrics });
  const meta = view({
    'data/train/v3.json': data,
    [runRecordPath('weather', ID(1))]: first,
    [runRecordPath('weather', ID(2))]: hit,
  });

  it('follows a cache hit back to the run it restored and both to their data', async () => {
    const graph = await lineageOf(meta, ID(2));
    expect(graph.subject).toBe(`run:${ID(2)}`);
    expect(graph.edges).toEqual([
      ['data:train@3', `run:${ID(2)}`],
      ['data:train@3', `run:${ID(1)}`],
      [`run:${ID(1)}`, `run:${ID(2)}`],
    ]);
    const text = formatLineageText(graph);
    expect(text).toContain(`Lineage of run ${ID(2)}`);
    expect(text).toMatch(/data\s+train v3\s+sha256:dddddddddddd, 1 files, 2\.0 KiB, 2026-11-28/);
    expect(text).toMatch(new RegExp(`\\* run\\s+run ${ID(2)}.*cache hit, f1=0\\.9123`));
    expect(text).toContain(`← train v3, run ${ID(1)}`);
  });

  it('traces a model version through its run to the data', async () => {
    const model = {
      schemaVersion: 1,
      name: 'weather',
      semver: '0.0.3',
      tag: 'weather@v0.0.3',
      commit: 'b'.repeat(40),
      files: [{ path: 'model/tree.json', size: 10, sha256: 'e'.repeat(64) }],
      digest: '9'.repeat(64),
      runId: ID(2),
      data: [{ name: 'train', number: 3, digest }],
      metrics: { f1: 0.91 },
      description: null,
      labels: [],
      createdAt: '2026-11-29T09:00:00.000Z',
      actor: 'alice',
      runUrl: null,
    };
    const withModel = view({
      'data/train/v3.json': data,
      [runRecordPath('weather', ID(1))]: first,
      [runRecordPath('weather', ID(2))]: hit,
      'models/weather/v0.0.3.json': model,
      // Where it went: promoted in production, rolled back from in staging, and (not its) v0.0.4.
      'deployments/production/000001/deployment.json': deploymentRecord({ number: 1 }),
      'deployments/staging/000001/deployment.json': deploymentRecord({
        number: 1,
        environment: 'staging',
        outcome: 'rolled-back',
        stableAfter: 'v0.0.2',
        finishedAt: '2026-11-30T09:00:00.000Z',
      }),
      'deployments/production/000002/deployment.json': deploymentRecord({ number: 2, version: 'v0.0.4' }),
    });
    const graph = await lineageOf(withModel, 'weather@v0.0.3');
    expect(graph.subject).toBe('model:weather@v0.0.3');
    expect(graph.edges).toContainEqual([`run:${ID(2)}`, 'model:weather@v0.0.3']);
    expect(graph.edges.filter(([from]) => from === 'model:weather@v0.0.3')).toEqual([
      ['model:weather@v0.0.3', 'deployment:production/1'],
      ['model:weather@v0.0.3', 'deployment:staging/1'],
    ]);
    const text = formatLineageText(graph);
    expect(text).toMatch(/\* model\s+weather@v0\.0\.3\s+sha256:999999999999, 1 files, commit bbbbbbb/);
    expect(text).toMatch(
      /deployment\s+production\/1\s+canary over v0\.0\.2, promoted, 2026-11-30 10:05Z, by carol/,
    );
    expect(text).toMatch(/deployment\s+staging\/1\s+canary over v0\.0\.2, rolled-back, 2026-11-30 09:00Z/);
    expect(text).not.toContain('production/2');
    expect(formatLineageMermaid(graph)).toMatch(/n\d>"deployment: production\/1"\]\n/);
    await expect(lineageOf(withModel, 'weather@v0.0.4')).rejects.toThrow('no model version weather@v0.0.4');
  });

  it('lists the runs that read a data version, downstream', async () => {
    const graph = await lineageOf(meta, 'train@v3');
    expect(graph.subject).toBe('data:train@3');
    expect(graph.nodes.filter((n) => n.kind === 'run')).toHaveLength(2);
    await expect(lineageOf(meta, 'train@v4')).rejects.toThrow('no run read data train v4');
  });

  it('draws Mermaid with labels that cannot break out of their quotes', async () => {
    const graph = {
      subject: 'run:x',
      nodes: [
        { id: 'data:a"]-->b@1', kind: 'data' as const, label: 'a"]--> evil <b>', detail: '' },
        { id: 'run:x', kind: 'run' as const, label: 'run x', detail: '' },
      ],
      edges: [['data:a"]-->b@1', 'run:x']] as [string, string][],
    };
    const mermaid = formatLineageMermaid(graph);
    expect(mermaid).toBe(
      [
        '```mermaid',
        'graph LR',
        '  n0[("data: a#34;#93;--#62; evil #60;b#62;")]',
        '  n1["run: run x"]',
        '  n0 --> n1',
        '  style n1 stroke-width:3px',
        '```',
      ].join('\n'),
    );
  });

  it('says what a subject must look like', async () => {
    await expect(lineageOf(meta, 'nonsense')).rejects.toThrow(
      /is not a model version .* a run id .* or a data version/,
    );
    await expect(lineageOf(meta, '20991231T000000Z-00000000')).rejects.toThrow(
      'no run 20991231T000000Z-00000000',
    );
  });
});
