import { execFile, spawn } from 'node:child_process';
import { isAbsolute, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `git <rev>:./<path>` names a file relative to `cwd` in that revision's tree. */
function revPath(cwd: string, ref: string, path: string): string {
  const rel = isAbsolute(path) ? relative(cwd, path) : path;
  return `${ref}:./${rel.split('\\').join('/')}`;
}

export async function existsAtRef(cwd: string, ref: string, path: string): Promise<boolean> {
  try {
    await run('git', ['cat-file', '-e', revPath(cwd, ref, path)], { cwd });
    return true;
  } catch {
    return false;
  }
}

/** The file's content at `ref`, or undefined when the ref or the file does not exist. */
export async function readAtRef(cwd: string, ref: string, path: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['show', revPath(cwd, ref, path)], {
      cwd,
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  } catch {
    return undefined;
  }
}

/** The file at `ref` as a stream, for files too big to hold (predictions). */
export function streamAtRef(cwd: string, ref: string, path: string): Readable {
  const child = spawn('git', ['show', revPath(cwd, ref, path)], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
  return child.stdout;
}

/**
 * A revision that has the base branch: `origin/<branch>` when the checkout has it, else the
 * branch fetched shallowly (actions/checkout fetches only the PR's merge commit by default).
 */
export async function resolveBaseRef(cwd: string, branch: string): Promise<string | undefined> {
  for (const candidate of [`origin/${branch}`, branch]) {
    try {
      await run('git', ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], { cwd });
      return candidate;
    } catch {
      // not here; try the next
    }
  }
  try {
    await run('git', ['fetch', '--no-tags', '--depth=1', 'origin', branch], { cwd, timeout: 60_000 });
    const { stdout } = await run('git', ['rev-parse', 'FETCH_HEAD'], { cwd });
    return stdout.trim();
  } catch {
    return undefined;
  }
}
