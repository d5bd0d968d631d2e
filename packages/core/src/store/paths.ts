import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { InputError } from '../errors';

/**
 * Dataset-relative paths (as a manifest records them: `/`-separated, no leading `/`) kept inside
 * the dataset's root. A manifest may come from anyone who can push to the repository, so a path
 * must never write or read outside the directory the user named.
 */

/**
 * `path` under `root`, refusing absolute paths, `..` and empty segments, and backslashes (a
 * separator on Windows runners). Lexical only; see `resolveInside` for symlinks.
 */
export function confinePath(root: string, path: string, input = 'path'): string {
  const refuse = (why: string) => new InputError(`${input}: ${JSON.stringify(path)} ${why}`, input);
  if (path.length === 0) throw refuse('is empty');
  if (path.includes('\0')) throw refuse('contains a NUL byte');
  if (path.includes('\\')) throw refuse('contains a backslash; dataset paths use /');
  if (path.startsWith('/') || isAbsolute(path) || /^[a-zA-Z]:/.test(path)) {
    throw refuse('is absolute; expected a path relative to the dataset root');
  }
  for (const segment of path.split('/')) {
    if (segment === '..') throw refuse('leaves the dataset root (..)');
    if (segment === '' || segment === '.') throw refuse('is not a normalized relative path');
  }
  return join(root, path);
}

/**
 * As `confinePath`, and also follows symlinks: the part of the path that exists must resolve
 * inside the real root. For a read the whole path exists; for a write the deepest existing
 * directory is checked, so a symlinked directory cannot redirect the write. A symlink at the
 * very end is refused outright when it points out of the root.
 */
export async function resolveInside(root: string, path: string, input = 'path'): Promise<string> {
  const target = confinePath(root, path, input);
  const realRoot = await realpath(root);
  let existing = target;
  for (;;) {
    try {
      await lstat(existing);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      existing = dirname(existing);
    }
  }
  let real: string;
  try {
    real = await realpath(existing);
  } catch (error) {
    // A dangling symlink: where it points does not exist, so refuse rather than follow it.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`${input}: ${JSON.stringify(path)} is a symlink to nothing`, input);
    }
    throw error;
  }
  if (!isInside(realRoot, real)) {
    throw new InputError(
      `${input}: ${JSON.stringify(path)} resolves outside the dataset root (symlink)`,
      input,
    );
  }
  return target;
}

/** The dataset-relative, `/`-separated form of `absolute`, which must be under `root`. */
export function datasetPath(root: string, absolute: string, input = 'path'): string {
  const rel = relative(root, absolute);
  if (!rel || !isInside(root, absolute)) {
    throw new InputError(`${input}: ${JSON.stringify(absolute)} is not inside ${root}`, input);
  }
  return rel.split(sep).join('/');
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
