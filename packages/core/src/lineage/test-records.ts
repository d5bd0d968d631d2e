import { Deployment } from '../deploy/record';
import type { RunRecord } from '../train/record';

/** A run record with plausible defaults; tests override what they are about. */
export function runRecord(overrides: Partial<RunRecord> & Pick<RunRecord, 'id'>): RunRecord {
  return {
    schemaVersion: 1,
    name: 'weather',
    commit: 'a'.repeat(40),
    dirty: false,
    command: 'node train.mjs',
    params: {},
    data: [],
    outputs: [],
    outputsBlob: null,
    store: 'local:.mcp/store',
    metrics: {},
    environment: {
      os: 'linux 6.1',
      arch: 'x64',
      cpus: 'test cpu',
      cpuCount: 2,
      memoryBytes: 1,
      gpus: [],
      versions: { node: 'v20.0.0' },
      locks: {},
    },
    startedAt: '2026-11-29T08:00:00.000Z',
    finishedAt: '2026-11-29T08:00:10.000Z',
    exitCode: 0,
    peakMemoryBytes: null,
    cacheKey: 'c'.repeat(64),
    cachedFrom: null,
    actor: 'alice',
    runUrl: null,
    ...overrides,
  };
}

/** An ended deployment of weather in production, promoted over v0.0.2; tests override the rest. */
export function deploymentRecord(overrides: Partial<Deployment> & Pick<Deployment, 'number'>): Deployment {
  const environment = overrides.environment ?? 'production';
  return Deployment.parse({
    schemaVersion: 1,
    id: `${environment}/${overrides.number}`,
    kind: 'canary',
    environment,
    model: 'weather',
    version: 'v0.0.3',
    stableVersion: 'v0.0.2',
    provider: { type: 'command', setWeight: 'true', timeoutMs: 1000 },
    analysis: null,
    steps: [],
    hooks: { beforeStep: null, afterStep: null },
    onInterrupted: 'rollback',
    reason: null,
    actor: 'carol',
    runUrl: null,
    commit: null,
    weights: [],
    interruptions: [],
    outcome: 'promoted',
    outcomeReason: 'every step passed',
    stableAfter: 'v0.0.3',
    startedAt: '2026-11-30T10:00:00.000Z',
    finishedAt: '2026-11-30T10:05:00.000Z',
    ...overrides,
  });
}
