import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/git';
import { type Cancel, runCommand } from './command';

/** Alive and not a zombie (some containers' PID 1 never reaps orphans). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function pidsIn(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// The command writes its own pid and a child's; both must be gone when runCommand resolves.
const sleeper = (file: string) => `sleep 60 & echo $$ $! > ${file}; wait`;

describe('runCommand: the training command in a process group of its own', () => {
  it('streams stdout and stderr line by line and returns the exit code', async () => {
    const lines: string[] = [];
    const result = await runCommand({
      command: 'echo one; echo two >&2; printf "10%%\\r50%%\\r100%%\\n"; printf "no newline"; exit 3',
      cwd: tempDir(),
      env: process.env,
      onLine: (line) => lines.push(line),
    });
    expect(result).toMatchObject({ exitCode: 3, timedOut: false, cancelled: null, leftover: false });
    expect(lines).toEqual(expect.arrayContaining(['one', 'two', '100%', 'no newline']));
    expect(lines).not.toContain('50%');
  });

  it('a multi-line command fails at its first failing line, as a run: step does', async () => {
    const lines: string[] = [];
    const result = await runCommand({
      command: 'false\necho after',
      cwd: tempDir(),
      env: process.env,
      onLine: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(1);
    expect(lines).not.toContain('after');
  });

  it('a timeout stops the command and its children', async () => {
    const dir = tempDir();
    const file = join(dir, 'pids');
    const started = Date.now();
    const result = await runCommand({
      command: sleeper(file),
      cwd: dir,
      env: process.env,
      onLine: () => {},
      timeoutMs: 500,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(128 + 15);
    expect(Date.now() - started).toBeLessThan(5000);
    const pids = pidsIn(file);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it('a command that ignores SIGTERM is killed after the grace period', async () => {
    const dir = tempDir();
    const file = join(dir, 'pids');
    const result = await runCommand({
      command: `trap '' TERM; ${sleeper(file)}`,
      cwd: dir,
      env: process.env,
      onLine: () => {},
      timeoutMs: 300,
      graceMs: 300,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(128 + 9);
    for (const pid of pidsIn(file)) expect(alive(pid)).toBe(false);
  });

  it('SIGTERM to our process is forwarded to the group, and nothing survives', async () => {
    const dir = tempDir();
    const file = join(dir, 'pids');
    const signals = new EventEmitter<Record<Cancel, [Cancel]>>();
    const running = runCommand({
      command: sleeper(file),
      cwd: dir,
      env: process.env,
      onLine: () => {},
      signals,
    });
    await waitFor(() => pidsIn(file).length === 2);
    signals.emit('SIGTERM', 'SIGTERM');
    const result = await running;
    expect(result.cancelled).toBe('SIGTERM');
    for (const pid of pidsIn(file)) expect(alive(pid)).toBe(false);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('a background process left behind by a finished command is stopped', async () => {
    const dir = tempDir();
    const file = join(dir, 'pids');
    const result = await runCommand({
      command: `sleep 60 > /dev/null 2>&1 & echo $! > ${file}`,
      cwd: dir,
      env: process.env,
      onLine: () => {},
      graceMs: 1000,
    });
    expect(result).toMatchObject({ exitCode: 0, leftover: true });
    for (const pid of pidsIn(file)) expect(alive(pid)).toBe(false);
  });

  it.runIf(process.platform === 'linux')(
    'measures the peak memory of the command and its children',
    async () => {
      const result = await runCommand({
        // A child holding 120 MiB for a moment, under a shell.
        command: `${process.execPath} -e "const b = Buffer.alloc(120 * 1048576, 1); setTimeout(() => b.length, 400)"; true`,
        cwd: tempDir(),
        env: process.env,
        onLine: () => {},
      });
      expect(result.peakMemoryBytes).toBeGreaterThan(120 * 1048576);
      expect(result.peakMemoryBytes).toBeLessThan(400 * 1048576);
    },
  );
});
