import { createReadStream } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors';
import { datasetPath } from '../store';
import { tableKind } from './row-diff';

export interface DataSource {
  /** Absolute directory the dataset's paths are relative to. */
  root: string;
  files: { path: string; absolutePath: string }[];
  /** Symlinks met inside directories and left out (workspace-relative). */
  skipped: string[];
}

const GLOB = /[*?[]/;

/**
 * The files named by the `path` input: files, directories (recursively) and globs (`*`, `?`,
 * `**`, `[...]`), one per line, each inside the workspace. The dataset's root is their deepest
 * common directory, so `data/` versions `train.csv` as `train.csv`. Symlinks are not followed:
 * one would let a version read files outside the workspace.
 */
export async function collectFiles(workspace: string, lines: string[], input = 'path'): Promise<DataSource> {
  const found = new Set<string>();
  const skipped: string[] = [];
  for (const line of lines) {
    const absolute = resolve(workspace, line);
    if (!isInside(workspace, absolute)) {
      throw new InputError(`${input}: "${line}" is outside the workspace`, input);
    }
    const before = found.size;
    if (GLOB.test(line)) {
      const base = baseOf(absolute);
      const pattern = globRegExp(relative(base, absolute).split(sep).join('/'));
      const links: string[] = [];
      for (const file of await walk(base, links)) if (pattern.test(datasetPath(base, file))) found.add(file);
      skipped.push(...links.filter((link) => pattern.test(datasetPath(base, link))));
    } else {
      const info = await lstat(absolute).catch(() => undefined);
      if (!info) throw new InputError(`${input}: "${line}" does not exist`, input);
      if (info.isSymbolicLink())
        throw new InputError(`${input}: "${line}" is a symlink; name its target`, input);
      if (info.isDirectory()) for (const file of await walk(absolute, skipped)) found.add(file);
      else if (info.isFile()) found.add(absolute);
    }
    if (found.size === before) throw new InputError(`${input}: "${line}" matches no file`, input);
  }
  const files = [...found].sort();
  const root = commonDirectory(workspace, files);
  return {
    root,
    files: files.map((absolutePath) => ({ path: datasetPath(root, absolutePath), absolutePath })),
    skipped: skipped.map((path) => relative(workspace, path)),
  };
}

/** Every regular file under `dir`, skipping `.git` and `.mcp`; symlinks are left out (and listed in `skipped`). */
export async function walk(dir: string, skipped: string[] = []): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '.git' && entry.name !== '.mcp') out.push(...(await walk(path, skipped)));
    } else if (entry.isFile()) out.push(path);
    else if (entry.isSymbolicLink()) skipped.push(path);
  }
  return out;
}

/** Rows of a CSV/TSV (lines less the header) or JSONL file (lines); undefined for other files. */
export async function countRows(path: string): Promise<number | undefined> {
  const kind = tableKind(path);
  if (!kind) return undefined;
  let lines = 0;
  let last = 0x0a;
  for await (const part of createReadStream(path)) {
    const bytes = part as Buffer;
    for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) lines++;
    if (bytes.length > 0) last = bytes[bytes.length - 1] as number;
  }
  if (last !== 0x0a) lines++;
  return kind === 'csv' || kind === 'tsv' ? Math.max(0, lines - 1) : lines;
}

function baseOf(absolute: string): string {
  const parts = absolute.split(sep);
  const firstGlob = parts.findIndex((p) => GLOB.test(p));
  return parts.slice(0, firstGlob).join(sep) || sep;
}

/** A glob (`*`, `?`, `**`, `[...]`) of `/`-separated relative paths as a regular expression. */
export function globRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches any number of directories, including none.
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        source += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function commonDirectory(workspace: string, files: string[]): string {
  let common = dirname(files[0] as string);
  for (const file of files) {
    while (!isInside(common, file)) common = dirname(common);
  }
  return isInside(workspace, common) ? common : workspace;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The real workspace path, so that `relative` agrees with paths the walk finds. */
export function realWorkspace(workspace: string): Promise<string> {
  return realpath(workspace);
}
