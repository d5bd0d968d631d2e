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
