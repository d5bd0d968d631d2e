// Real CI jobs are processes: a test fixture written in TypeScript is bundled once per test file
// (vite, SSR, everything inlined) and each job runs it with `node`, in its own process group so
// that killing a job also kills the git it runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from './git';
import { repoRoot } from './run';

/** Bundles `test/fixtures/<fixture>` before the file's tests; the returned function gives its path. */
export function bundledFixture(fixture: string): () => string {
  return bundleBeforeAll(join(repoRoot, 'test', 'fixtures', fixture), basename(fixture, '.ts'));
}

/**
 * Bundles the module at `entry` (an absolute path, e.g. a dependency's dist file) the same way,
 * before the file's tests: for packages Node cannot import as published. Gives the bundle's path.
 */
export function bundledModule(entry: string): () => string {
  return bundleBeforeAll(entry, 'module');
}

function bundleBeforeAll(entry: string, name: string): () => string {
  const outDir = tempDir('mcp-bundle-');
  let script = '';
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));
  beforeAll(async () => {
    const { build } = await import('vite');
    await build({
      configFile: false,
      logLevel: 'silent',
      root: repoRoot,
      ssr: { noExternal: true },
      build: {
        ssr: entry,
        outDir,
        target: 'node20',
        minify: false,
        rollupOptions: { output: { format: 'es', entryFileNames: `${name}.mjs` } },
      },
    });
    script = join(outDir, `${name}.mjs`);
  });
  return () => script;
}

export interface JobResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `node script ...args` as a job; `done` settles when it exits, however it exits. */
export function startJob(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<JobResult> } {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<JobResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs a job to its end and parses the JSON it prints; a non-zero exit is an error with its stderr. */
export async function runJob<T>(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<T> {
  const run = await startJob(script, args, env).done;
  if (run.code !== 0)
    throw new Error(`${args.join(' ')} exited with ${run.code ?? run.signal}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
