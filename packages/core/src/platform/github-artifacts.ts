import type { ArtifactClient } from '@actions/artifact';
import type { ArtifactHandOff } from './types';

// Loaded on first use: the client and its Azure storage SDK are most of a bundle's code, and
// only a step that hands data over needs them.
const library = () => import('@actions/artifact');

/**
 * Actions artifacts through @actions/artifact, which finds the runner's results service and
 * token (ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN) in the process environment itself. Its
 * progress lines, which @actions/core writes to stdout, go to `log` instead: the CLI keeps its
 * stdout for `--json`.
 */
export class GitHubArtifacts implements ArtifactHandOff {
  private client?: Promise<ArtifactClient>;

  constructor(private readonly log: (line: string) => void) {}

  private artifactClient(): Promise<ArtifactClient> {
    this.client ??= library().then(({ DefaultArtifactClient }) => new DefaultArtifactClient());
    return this.client;
  }

  async upload(name: string, files: string[], root: string): Promise<{ id: number; size: number }> {
    const client = await this.artifactClient();
    const { id, size } = await logThrough(this.log, () =>
      client.uploadArtifact(name, files, root, {
        // A hand-off to later jobs of this run; the store keeps the version for good.
        retentionDays: 1,
        // Fast over small: the data is often compressed already, and a slow zip would cost more than it saves.
        compressionLevel: 1,
      }),
    );
    return { id: id ?? 0, size: size ?? 0 };
  }

  download(name: string, dir: string): Promise<boolean> {
    return logThrough(this.log, () => this.fetch(name, dir));
  }

  private async fetch(name: string, dir: string): Promise<boolean> {
    const client = await this.artifactClient();
    const { ArtifactNotFoundError } = await library();
    let found: Awaited<ReturnType<ArtifactClient['getArtifact']>>;
    try {
      found = await client.getArtifact(name);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return false;
      throw error;
    }
    const { digestMismatch } = await client.downloadArtifact(found.artifact.id, {
      path: dir,
      expectedHash: found.artifact.digest,
    });
    if (digestMismatch) throw new Error(`artifact ${name} does not match its digest`);
    return true;
  }
}

/**
 * Runs `fn` with the lines written to stdout sent to `log`. A write made by `log` itself (the
 * action's log is stdout) goes through unchanged.
 */
async function logThrough<T>(log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const original = process.stdout.write;
  let inside = false;
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (inside) return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    inside = true;
    try {
      for (const line of String(chunk).split(/\r?\n/)) if (line) log(line);
    } finally {
      inside = false;
    }
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  } as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = original;
  }
}
