import { setTimeout as wait } from 'node:timers/promises';

/**
 * Time as the rollout sees it. Injected so that tests of the state machine run its minutes of
 * bake time in milliseconds, and tests with real servers run it for real.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0 || signal?.aborted) return;
    await wait(ms, undefined, { signal }).catch((error: unknown) => {
      if ((error as Error).name !== 'AbortError') throw error;
    });
  },
};

/**
 * A clock whose sleeps return at once and move time forward, for tests of the state machine:
 * a rollout with 5-minute intervals takes as long as its own work.
 */
export class VirtualClock implements Clock {
  constructor(private time = Date.parse('2026-05-01T12:00:00.000Z')) {}

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.time += Math.max(0, ms);
    // Lets other tasks (a heartbeat, an abort) run, as a real sleep would.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
