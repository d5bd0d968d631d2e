import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { arch, availableParallelism, cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from './command';
import type { RunEnvironment } from './record';

const run = promisify(execFile);

/** Lock files whose digests pin the run's dependencies (at the root and, when tracked, anywhere). */
export const LOCK_FILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'bun.lock',
  'requirements*.txt',
  'poetry.lock',
  'uv.lock',
  'Pipfile.lock',
  'pdm.lock',
  'pixi.lock',
  'conda-lock.yml',
  'environment.yml',
  'Cargo.lock',
  'go.sum',
  'Gemfile.lock',
  'renv.lock',
];

/** sha256 of each lock file in the workspace that git does not ignore, by workspace-relative path. */
export async function lockDigests(workspace: string): Promise<Record<string, string>> {
  // One git for both: tracked lock files anywhere, and untracked ones that are not ignored.
  const listed = await run(
    'git',
    [
      'ls-files',
      '-z',
      '--cached',
      '--others',
      '--exclude-standard',
      '--',
      ...LOCK_FILES.flatMap((name) => [`:(glob)${name}`, `:(glob)**/${name}`]),
    ],
    { cwd: workspace, maxBuffer: 64 * 1024 * 1024 },
  ).then(
    ({ stdout }) => stdout.split('\0').filter(Boolean),
    () => [] as string[],
  );
  const digests: Record<string, string> = {};
  for (const path of [...new Set(listed)].sort()) {
    const bytes = await readFile(join(workspace, path)).catch(() => undefined);
    // A tracked lock file deleted in the working tree is simply not there for the command.
    if (bytes) digests[path] = createHash('sha256').update(bytes).digest('hex');
  }
  return digests;
}

/** What the command ran on. Tool versions are those the command would find on its PATH. */
export async function captureEnvironment(env: NodeJS.ProcessEnv): Promise<Omit<RunEnvironment, 'locks'>> {
  const version = async (command: string, args: string[]) =>
    run(command, args, { env, timeout: 5000 }).then(
      ({ stdout, stderr }) => (stdout || stderr).trim().split('\n')[0]?.trim() || undefined,
      () => undefined,
    );
  const node = findOnPath(env, 'node');
  const [nodeVersion, python, gpus, distro] = await Promise.all([
    // The node running us is usually the one on PATH: no need to start another to ask.
    node && (await realpath(node).catch(() => node)) === (await realpath(process.execPath).catch(() => ''))
      ? process.versions.node
      : version('node', ['--version']),
    // Starting a process costs tens of ms on a busy runner: only for tools that are there.
    findOnPath(env, 'python3')
      ? version('python3', ['--version'])
      : findOnPath(env, 'python')
        ? version('python', ['--version'])
        : undefined,
    findOnPath(env, 'nvidia-smi')
      ? run('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { env, timeout: 10_000 }).then(
          ({ stdout }) =>
            stdout
              .split('\n')
              .map((l) => l.trim())
              .filter(Boolean),
          () => [] as string[],
        )
      : [],
    readFile('/etc/os-release', 'utf8').then(
      (text) => /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1],
      () => undefined,
    ),
  ]);
  const versions: Record<string, string> = {};
  if (nodeVersion) versions.node = nodeVersion.replace(/^v/, '');
  if (python) versions.python = python.replace(/^Python /, '');
  return {
    os: `${type()} ${release()}${distro ? ` (${distro})` : ''}`,
    arch: arch(),
    cpus: cpus()[0]?.model.trim() ?? 'unknown',
    cpuCount: availableParallelism(),
    memoryBytes: totalmem(),
    gpus,
    versions,
  };
}
