import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { constants as os } from 'node:os';
import { delimiter, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { groupAlive, PeakMemory, stopGroup } from './process-group';

export type Cancel = 'SIGINT' | 'SIGTERM';

/** Where cancellation comes from: the process itself (the runner cancelling the job) or a test's emitter. */
export interface SignalSource {
  on(signal: Cancel, listener: (signal: Cancel) => void): unknown;
  off(signal: Cancel, listener: (signal: Cancel) => void): unknown;
}

export interface CommandOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Each line the command prints (stdout and stderr alike), as it comes. */
  onLine: (line: string) => void;
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when the command is stopped. */
  graceMs?: number;
  signals?: SignalSource;
}

export interface CommandResult {
  /** The shell's convention: 128 + the signal's number when a signal ended it. */
  exitCode: number;
  timedOut: boolean;
  /** The signal that cancelled the run, when one did. */
  cancelled: Cancel | null;
  peakMemoryBytes: number | null;
  /** Processes of the group still running after the command exited (then stopped). */
  leftover: boolean;
}

/**
 * GitHub's default for `run:` steps, so a multi-line command fails at its first failing line
 * as it would there; plain `sh -e` where bash is missing.
 */
export function shellFor(env: NodeJS.ProcessEnv): string[] {
  const bash = findOnPath(env, 'bash');
  return bash ? [bash, '--noprofile', '--norc', '-eo', 'pipefail', '-c'] : ['sh', '-ec'];
}

/** Where `name` is on the command's PATH, as the shell would find it. */
export function findOnPath(env: NodeJS.ProcessEnv, name: string): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not here; next directory.
    }
  }
  return undefined;
}

/**
 * Runs the command in a process group of its own, streaming its output, and stops the whole
 * group on a timeout or a cancelling signal: SIGTERM, then SIGKILL after the grace period. No
 * process of the group is left running when this resolves.
 */
export function runCommand(options: CommandOptions): Promise<CommandResult> {
  const graceMs = options.graceMs ?? 5000;
  const [shell, ...args] = shellFor(options.env) as [string, ...string[]];
  const child = spawn(shell, [...args, options.command], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let timedOut = false;
    let cancelled: Cancel | null = null;
    let stopping: Promise<void> | undefined;
    const pgid = child.pid;
    const memory = pgid ? new PeakMemory(pgid).start() : undefined;
    const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
      if (pgid) stopping ??= stopGroup(pgid, graceMs, signal);
      return stopping;
    };
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            void stop();
          }, options.timeoutMs)
        : undefined;
    const onSignal = (signal: Cancel) => {
      // A second signal means the runner is about to kill us: no more grace.
      if (cancelled && pgid) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {}
      }
      cancelled ??= signal;
      void stop(signal);
    };
    options.signals?.on('SIGINT', onSignal);
    options.signals?.on('SIGTERM', onSignal);
    const out = lines(options.onLine);
    const err = lines(options.onLine);
    child.stdout.on('data', out.push);
    child.stderr.on('data', err.push);
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let leftover = false;
    let checked: Promise<void> | undefined;
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Children that outlive the shell (`cmd &`) are stopped too: they would outlive the job.
      if (pgid) {
        checked = groupAlive(pgid).then(async (alive) => {
          leftover = alive;
          if (alive) await stop();
        });
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      options.signals?.off('SIGINT', onSignal);
      options.signals?.off('SIGTERM', onSignal);
      reject(error);
    });
    // `close` comes once the output pipes closed: every process holding them has ended.
    child.on('close', async () => {
      clearTimeout(timer);
      await checked;
      await stopping;
      out.end();
      err.end();
      options.signals?.off('SIGINT', onSignal);
      options.signals?.off('SIGTERM', onSignal);
      const peakMemoryBytes = (await memory?.stop()) ?? null;
      const code = exit?.code ?? null;
      const signal = exit?.signal ?? null;
      const exitCode = code ?? 128 + (signal ? (os.signals[signal] ?? 0) : 0);
      resolve({ exitCode, timedOut, cancelled, peakMemoryBytes, leftover });
    });
  });
}

/**
 * Output split into lines. A progress bar redraws one line with `\r`: of its states, the last one
 * is shown when the line ends, and one every few seconds meanwhile, not hundreds.
 */
function lines(emit: (line: string) => void) {
  const decoder = new StringDecoder('utf8');
  let tail = '';
  let lastProgress = Date.now();
  const finish = (line: string) =>
    emit(line.slice(line.lastIndexOf('\r', line.length - 2) + 1).replace(/\r$/, ''));
  return {
    push: (chunk: Buffer) => {
      tail += decoder.write(chunk);
      const parts = tail.split('\n');
      tail = parts.pop() ?? '';
      for (const line of parts) finish(line);
      const cr = tail.lastIndexOf('\r');
      if (cr > 0 && Date.now() - lastProgress > 5000) {
        lastProgress = Date.now();
        emit(tail.slice(tail.lastIndexOf('\r', cr - 1) + 1, cr));
        tail = tail.slice(cr + 1);
      } else if (tail.length > 64 * 1024) {
        emit(tail);
        tail = '';
      }
    },
    end: () => {
      tail += decoder.end();
      if (tail) finish(tail);
      tail = '';
    },
  };
}
