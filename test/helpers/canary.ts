// The canary setup shared by the rollout tests (core and action bundles): real model servers and
// the weighted router of test/fixtures/canary, started per test and stopped after it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { load, type Stack, send, startStack } from '../fixtures/canary/stack.mjs';

export { load, type Stack, send };

/** Analysis conditions a healthy canary passes, loose on latency (a loaded CI machine is noisy). */
export const HEALTH = [
  'canary.error_rate < 0.05',
  // Loose: a loaded CI machine makes latency noisy; errors and predictions are the sharp checks.
  'canary.p95_ms <= stable.p95_ms * 3 + 100',
  'agreement(canary.predictions, stable.predictions) >= 0.95',
  'psi(canary.scores, stable.scores) < 0.2',
].join('\n');

/**
 * `startStack` for one test: registers the stack's stop with vitest's afterEach, so a failing
 * test leaves no server behind. Call at module level once; use the returned starter in tests.
 */
export function stacksPerTest(): (versions: Record<string, string[]>, stable: string) => Promise<Stack> {
  const stacks: Stack[] = [];
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((s) => s.stop()));
  });
  return async (versions, stable) => {
    const stack = await startStack(versions, stable);
    stacks.push(stack);
    return stack;
  };
}

/** The router's current split. */
export async function traffic(stack: Stack) {
  return (await (await fetch(`${stack.router}/admin/traffic`)).json()) as {
    stable: string;
    canary: string | null;
    weight: number;
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
