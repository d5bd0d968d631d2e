import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Backoff before the second try; doubles each time, up to `capMs`, with full jitter. */
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 20, baseMs: 100, capMs: 5000 };

/** One try of a write that may lose a race: done, or why to try again. */
export type Step<T> = { done: T } | { retry: string };

export interface RetryHooks {
  /** A line for the log before waiting. */
  log?: (line: string) => void;
  /** The error thrown when the tries are used up. */
  giveUp: (attempts: number, reason: string) => Error;
}

/**
 * Runs `step` until it is done. Backoff is exponential with full jitter, from a base no shorter
 * than the failed try itself: writers that lost a race then spread over about as many windows
 * as there are writers, instead of all retrying within one and losing again.
 */
export async function retryWithBackoff<T>(
  step: () => Promise<Step<T>>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  const { attempts, baseMs, capMs } = policy;
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    const outcome = await step();
    if ('done' in outcome) return outcome.done;
    if (attempt >= attempts) throw hooks.giveUp(attempts, outcome.retry);
    const base = Math.max(baseMs, performance.now() - started);
    const delay = Math.round(Math.random() * Math.min(capMs, base * 2 ** (attempt - 1)));
    hooks.log?.(`${outcome.retry}; trying again in ${delay} ms (attempt ${attempt + 1} of ${attempts})`);
    await sleep(delay);
  }
}
