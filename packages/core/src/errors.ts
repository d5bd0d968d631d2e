/**
 * Errors that reach a user. Entries map them to exit codes: `InputError` → 2 (bad input or
 * usage), `GateFailed` → 1 (a gate or a deployment said no). Anything else is a bug: its stack
 * is shown in debug logs only.
 */
export class McpError extends Error {
  override name = 'McpError';
}

/** Bad input: one line that names the input, the value and what was expected. Exit code 2. */
export class InputError extends McpError {
  override name = 'InputError';
  constructor(
    message: string,
    readonly input?: string,
  ) {
    super(message);
  }
}

/** A gate judged the candidate and said no. Exit code 1. */
export class GateFailed extends McpError {
  override name = 'GateFailed';
}

export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

export function exitCodeOf(error: unknown): number {
  if (error instanceof InputError) return ExitCode.usage;
  return ExitCode.failed;
}

/** Up to `max` names closest to `name` (edit distance), for "did you mean" hints. */
export function nearNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const scored: [string, number][] = [];
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const distance = c.includes(lower) || lower.includes(c) ? 1 : editDistance(lower, c);
    if (distance <= Math.max(2, Math.floor(name.length / 3))) scored.push([candidate, distance]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([c]) => c);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
