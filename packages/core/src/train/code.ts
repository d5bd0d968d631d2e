import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { collectFiles, globRegExp } from '../data';
import { McpError } from '../errors';
import { hashFiles } from '../store';

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    return (await run('git', args, { cwd, maxBuffer: 512 * 1024 * 1024 })).stdout;
  } catch (error) {
    const err = error as { code?: string | number; stderr?: string; message: string };
    if (err.code === 'ENOENT') throw new McpError('git is not installed or not on PATH');
    const line = (err.stderr ?? '').split('\n').find((l) => l.trim()) ?? err.message;
    throw new McpError(`git ${args[0]}: ${line.replace(/^fatal: /, '')}`);
  }
}

/** Whether a workspace-relative path is one of the declared outputs (a file, a directory or a glob). */
export function outputMatcher(lines: readonly string[]): (path: string) => boolean {
  const tests = lines.map((raw) => {
    const line = raw.replace(/^\.\//, '').replace(/\/+$/, '');
    if (/[*?[]/.test(line)) {
      const glob = globRegExp(line);
      return (path: string) => glob.test(path);
    }
    return (path: string) => path === line || path.startsWith(`${line}/`) || line === '.';
  });
  return (path) => tests.some((test) => test(path));
}

export interface CodeState {
  /** HEAD; null in a repository without commits. */
  commit: string | null;
  /** Tracked files differ from HEAD (in the index or the working tree). */
  dirty: boolean;
  /** Digest of what the command can read: the tracked files as they are now, less the outputs, or the `deps` files. */
  digest: string;
}

/**
 * The code the run sees. By default every tracked file: HEAD's tree, with files changed since
 * (staged or not) hashed from disk, less the declared outputs — a run that rewrites a tracked
 * metrics file must not change its own key. With `deps`, only those files' contents.
 */
export async function codeState(
  workspace: string,
  options: { deps: string[]; excluded: (path: string) => boolean; cacheDir: string },
): Promise<CodeState> {
  // One git for the three in a repository with commits; two when HEAD is unborn.
  const where = await git(workspace, ['rev-parse', '--show-toplevel', '--show-prefix', 'HEAD']).catch(
    () => undefined,
  );
  const parts = (where ?? (await git(workspace, ['rev-parse', '--show-toplevel', '--show-prefix']))).split(
    '\n',
  );
  const top = parts[0] || workspace;
  const prefix = parts[1] ?? '';
  const head = where ? parts[2] || null : null;
  // Paths from git are relative to the top of the repository; inputs to the workspace.
  const [changed, tree] = await Promise.all([
    head
      ? git(workspace, ['diff', '--name-only', '-z', '--no-renames', 'HEAD', '--'])
      : git(workspace, ['ls-files', '-z', '--full-name']),
    head && options.deps.length === 0 ? git(workspace, ['ls-tree', '-r', '-z', '--full-tree', 'HEAD']) : '',
  ]).then(([names, listing]) => [names.split('\0').filter(Boolean), listing] as const);
  const dirty = changed.length > 0;
  if (options.deps.length > 0) {
    const files = (await collectFiles(workspace, options.deps, 'deps')).files;
    const digests = await hashFiles(
      files.map((f) => f.absolutePath),
      { cacheDir: options.cacheDir },
    );
    const lines = files.map(
      (f, i) =>
        `${digests[i]?.mode.toString(8)} ${digests[i]?.sha256} ${relative(workspace, f.absolutePath).split(sep).join('/')}`,
    );
    return { commit: head, dirty, digest: sha256(['deps', ...lines.sort()].join('\n')) };
  }
  const entries = new Map<string, string>();
  if (head) {
    for (const entry of tree.split('\0')) {
      const tab = entry.indexOf('\t');
      if (tab > 0) entries.set(entry.slice(tab + 1), entry.slice(0, tab));
    }
  }
  for (const [path, state] of await changedStates(top, changed)) {
    if (state) entries.set(path, state);
    else entries.delete(path);
  }
  const lines: string[] = [];
  for (const [path, state] of entries) {
    const local = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
    if (local !== undefined && options.excluded(local)) continue;
    lines.push(`${state}\t${path}`);
  }
  return { commit: head, dirty, digest: sha256(['tree', ...lines.sort()].join('\n')) };
}

/**
 * Changed files as they are on disk now, in `git ls-tree`'s terms (mode, type, blob id): a change
 * committed later gives the same digest as it did uncommitted. Undefined for a deleted file.
 */
async function changedStates(top: string, paths: string[]): Promise<Map<string, string | undefined>> {
  const states = new Map<string, string | undefined>();
  const files: string[] = [];
  for (const path of paths) {
    const info = await lstat(join(top, path)).catch(() => undefined);
    if (!info) states.set(path, undefined);
    else if (info.isSymbolicLink()) {
      const id = await gitInput(top, ['hash-object', '--stdin'], await readlink(join(top, path)));
      states.set(path, `120000 blob ${id.trim()}`);
    } else if (info.isDirectory()) {
      // A submodule: counted by the commit checked out in it.
      states.set(
        path,
        `160000 commit ${(await git(join(top, path), ['rev-parse', 'HEAD']).catch(() => '')).trim()}`,
      );
    } else {
      states.set(path, info.mode & 0o111 ? '100755' : '100644');
      files.push(path);
    }
  }
  if (files.length > 0) {
    const ids = (await gitInput(top, ['hash-object', '--stdin-paths'], `${files.join('\n')}\n`)).split('\n');
    files.forEach((path, i) => {
      states.set(path, `${states.get(path)} blob ${ids[i]}`);
    });
  }
  return states;
}

function gitInput(cwd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(new McpError(`git ${args[0]}: ${error.message.split('\n')[0]}`)) : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
