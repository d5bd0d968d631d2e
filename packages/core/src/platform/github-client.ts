import { setTimeout as sleep } from 'node:timers/promises';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import type { GitHubClient } from '../store';

export interface GitHubClientOptions {
  token: string;
  /** REST API root; default https://api.github.com (GitHub Enterprise Server: its GITHUB_API_URL). */
  apiUrl?: string;
  /** Default: the proxy-aware fetch of @actions/github. */
  fetch?: typeof fetch;
  /** Milliseconds per second of waiting: scales retry-after and the retry backoff. Default 1000. */
  retryBaseMs?: number;
  /** Least gap between content-creating requests; default plugin-throttling's 1 s, as GitHub asks. */
  writeIntervalMs?: number;
  /** Retries of a request refused by a rate limit; default 3. */
  rateLimitRetries?: number;
  /** Rate limits met: worth a line in the job log. */
  log?: (message: string) => void;
}

type Gate = NonNullable<Extract<ThrottlingOptions, { onRateLimit: unknown }>['write']>;

// Waiting out a primary rate limit longer than this would outlast most CI jobs anyway.
const MAX_RATE_LIMIT_WAIT_S = 15 * 60;

/**
 * The Octokit for bulk work (release-asset storage): GitHub allows about 80 content-creating
 * requests a minute, so writes are spaced, secondary rate limits waited out, 5xx retried.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const log = options.log ?? (() => {});
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const rateLimitRetries = options.rateLimitRetries ?? 3;
  const gate = options.writeIntervalMs === undefined ? undefined : spacedGate(options.writeIntervalMs);
  return getOctokit(
    options.token,
    {
      baseUrl: options.apiUrl ?? 'https://api.github.com',
      // A `request` object replaces @actions/github's default one (its proxy-aware fetch) whole.
      ...(options.fetch ? { request: { fetch: options.fetch } } : {}),
      retry: { retryAfterBaseValue: retryBaseMs },
      throttle: {
        retryAfterBaseValue: retryBaseMs,
        ...(gate ? { write: gate, notifications: gate } : {}),
        onSecondaryRateLimit: (after, request, _octokit, count) => {
          log(`GitHub's secondary rate limit: ${request.method} ${request.url} again in ${after} s`);
          return count < rateLimitRetries;
        },
        onRateLimit: (after, request, _octokit, count) => {
          log(`GitHub's rate limit: ${request.method} ${request.url} again in ${after} s`);
          return count < rateLimitRetries && after <= MAX_RATE_LIMIT_WAIT_S;
        },
      },
    },
    retry,
    throttling,
  );
}

/**
 * plugin-throttling makes each content-creating request wait for a Bottleneck group that spaces them
 * one second apart; it only calls `key(id).schedule(options, fn)`, so a shorter gap needs no more.
 */
function spacedGate(intervalMs: number): Gate {
  let last = Promise.resolve();
  const limiter = {
    schedule: <T>(_options: unknown, fn: () => Promise<T>): Promise<T> => {
      const turn = last.then(fn);
      last = turn.then(
        () => sleep(intervalMs),
        () => sleep(intervalMs),
      );
      return turn;
    },
  };
  return { key: () => limiter } as unknown as Gate;
}
