import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The training command runs in a process group of its own (`detached`), so the command and
 * everything it starts can be measured and stopped together. On Linux the group is read from
 * `/proc`; elsewhere only signals are available, and memory is not measured.
 */
const PROC = process.platform === 'linux';

interface Member {
  pid: number;
  /** `Z` for a zombie: dead, waiting for a parent to reap it (PID 1 of some containers never does). */
  state: string;
}

/** Live (non-zombie) processes of group `pgid`; undefined where /proc is not available. */
export async function groupMembers(pgid: number): Promise<number[] | undefined> {
  if (!PROC) return undefined;
  const names = await readdir('/proc').catch(() => undefined);
  if (!names) return undefined;
  const members: Member[] = [];
  await Promise.all(
    names.map(async (name) => {
      if (!/^\d+$/.test(name)) return;
      const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
      // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses, so parse after the last `)`.
      const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields && Number(fields[2]) === pgid) members.push({ pid: Number(name), state: fields[0] ?? '' });
    }),
  );
  return members.filter((m) => m.state !== 'Z').map((m) => m.pid);
}

/** Whether any process of the group still runs. */
export async function groupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    // ESRCH: no process at all in the group, not even a zombie; no need to read /proc.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const members = await groupMembers(pgid);
  return members ? members.length > 0 : true;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * SIGTERM to the whole group, SIGKILL to whatever is left after `graceMs`. Resolves once the
 * group is gone (or, should an unkillable process remain, a moment after the SIGKILL).
 */
export async function stopGroup(pgid: number, graceMs: number, signal: NodeJS.Signals = 'SIGTERM') {
  signalGroup(pgid, signal);
  if (await waitGone(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await waitGone(pgid, 2000);
}

async function waitGone(pgid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (!(await groupAlive(pgid))) return true;
    if (Date.now() >= until) return false;
    await sleep(25);
  }
}

/**
 * Peak resident memory of a process group, sampled every `intervalMs` from `/proc/<pid>/status`:
 * the largest sum of the members' VmRSS seen at one sample, or the largest single VmHWM (a
 * process's own high-water mark, which catches a spike between samples) if that is larger.
 */
export class PeakMemory {
  private peak = 0;
  private seen = false;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;

  constructor(
    private readonly pgid: number,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    if (!PROC) return this;
    const tick = () => {
      this.sampling ??= this.sample().finally(() => {
        this.sampling = undefined;
      });
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Stops sampling; the peak in bytes, or null where it cannot be measured (or the command ended before a sample). */
  async stop(): Promise<number | null> {
    clearInterval(this.timer);
    await this.sampling;
    return this.seen ? this.peak : null;
  }

  private async sample(): Promise<void> {
    const members = await descendants(this.pgid);
    if (members.length > 0) this.seen = true;
    let total = 0;
    await Promise.all(
      members.map(async (pid) => {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        const kib = (field: string) =>
          Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
        total += kib('VmRSS') * 1024;
        this.peak = Math.max(this.peak, kib('VmHWM') * 1024);
      }),
    );
    this.peak = Math.max(this.peak, total);
  }
}

/**
 * `pid` and its descendants, from `/proc/<pid>/task/<tid>/children`: a few reads per sample
 * instead of one per process on the machine. Falls back to the group's members when the kernel
 * does not offer the children files.
 */
async function descendants(pid: number): Promise<number[]> {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    const tasks = await readdir(`/proc/${next}/task`).catch(() => undefined);
    if (!tasks) continue;
    found.push(next);
    for (const tid of tasks) {
      const children = await readFile(`/proc/${next}/task/${tid}/children`, 'utf8').catch(() => undefined);
      if (children === undefined) return (await groupMembers(pid)) ?? [];
      for (const child of children.split(' ')) if (child.trim()) queue.push(Number(child));
    }
  }
  return found;
}
