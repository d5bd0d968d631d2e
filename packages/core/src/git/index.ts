import { execFile, spawn } from 'node:child_process';
import { isAbsolute, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A git command that failed for a reason other than "no such ref or path": no git, no repo, auth. */
export class GitError extends Error {
  override name = 'GitError';
}

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
    return stdout;
  } catch (error) {
    const err = error as { code?: string | number; stderr?: string; message: string };
    if (err.code === 'ENOENT') throw new GitError('git is not installed or not on PATH');
    const line = (err.stderr ?? '').split('\n').find((l) => l.trim()) ?? err.message;
    throw new GitError(line.replace(/^fatal: /, ''));
  }
}

async function succeeds(cwd: string, args: string[]): Promise<boolean> {
  try {
    await git(cwd, args);
    return true;
  } catch (error) {
    if ((error as Error).message === 'git is not installed or not on PATH') throw error;
    return false;
  }
}

/** `git <rev>:./<path>` names a file relative to `cwd` in that revision's tree. */
function revPath(cwd: string, ref: string, path: string): string {
  const rel = isAbsolute(path) ? relative(cwd, path) : path;
  return `${ref}:./${rel.split('\\').join('/')}`;
}

export type AtRef = { found: true } | { found: false; missing: 'ref' | 'path' };

/** Whether `path` exists at `ref`; git failures other than a missing ref or path throw `GitError`. */
export async function lookupAtRef(cwd: string, ref: string, path: string): Promise<AtRef> {
  await git(cwd, ['rev-parse', '--git-dir']);
  if (!(await succeeds(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]))) {
    return { found: false, missing: 'ref' };
  }
  if (!(await succeeds(cwd, ['cat-file', '-e', revPath(cwd, ref, path)])))
    return { found: false, missing: 'path' };
  return { found: true };
}

/** The file's content at `ref`, or undefined when the ref or the file does not exist there. */
export async function readAtRef(cwd: string, ref: string, path: string): Promise<string | undefined> {
  if (!(await lookupAtRef(cwd, ref, path)).found) return undefined;
  return git(cwd, ['show', revPath(cwd, ref, path)]);
}

/** The file at `ref` as a stream, for files too big to hold (predictions). Check it exists first. */
export function streamAtRef(cwd: string, ref: string, path: string): Readable {
  const child = spawn('git', ['show', revPath(cwd, ref, path)], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
  return child.stdout;
}

/**
 * The commit a change is compared with: the base commit when the CI system names it, else the
 * base branch as the remote has it now. A checkout usually lacks both (actions/checkout fetches
 * only the merge commit), so they are fetched shallowly; a stale `origin/<branch>` is the last resort.
 */
export async function resolveBase(
  cwd: string,
  base: { sha?: string; branch?: string },
): Promise<string | undefined> {
  if (base.sha) {
    if (await succeeds(cwd, ['cat-file', '-e', `${base.sha}^{commit}`])) return base.sha;
    if (await succeeds(cwd, ['fetch', '--no-tags', '--depth=1', 'origin', base.sha])) return base.sha;
  }
  if (!base.branch) return undefined;
  if (await succeeds(cwd, ['fetch', '--no-tags', '--depth=1', 'origin', base.branch])) {
    return (await git(cwd, ['rev-parse', 'FETCH_HEAD'])).trim();
  }
  for (const candidate of [`origin/${base.branch}`, base.branch]) {
    if (await succeeds(cwd, ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`])) return candidate;
  }
  return undefined;
}
