/**
 * Errors that reach a user. Entries map them to exit codes: `InputError` → 2 (bad input or
 * usage), any other `McpError` → 1 (a step could not be done). A gate that says no is not an
 * error: its action returns exit code 1. Anything else is a bug: its stack shows in debug logs.
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

export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

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
