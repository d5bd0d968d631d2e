import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  }).trim();
}

export function tempDir(prefix = 'mcp-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A repository with `files` committed on `main` and pushed to a bare `origin`, both in a temp dir. */
export function repoWithRemote(files: Record<string, string>, name = 'work') {
  const root = tempDir();
  const origin = join(root, 'origin.git');
  const work = join(root, name);
  git(root, 'init', '-q', '--bare', '-b', 'main', origin);
  git(root, 'init', '-q', '-b', 'main', work);
  writeFiles(work, files);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'base');
  git(work, 'remote', 'add', 'origin', origin);
  git(work, 'push', '-q', 'origin', 'main');
  return { root, origin, work };
}

/**
 * A real repository as a CI job sees it: a bare `origin`, `main` with the base files, and a
 * clone checked out on a feature branch with the candidate's files.
 */
export function repoWithPullRequest(base: Record<string, string>, head: Record<string, string>) {
  // Tests reach the pushing repository as `<root>/seed`.
  const { root, origin } = repoWithRemote(base, 'seed');
  const work = join(root, 'work');
  git(root, 'clone', '-q', origin, work);
  git(work, 'checkout', '-q', '-b', 'feature');
  writeFiles(work, head);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'candidate');
  return { root, origin, work, sha: git(work, 'rev-parse', 'HEAD') };
}
