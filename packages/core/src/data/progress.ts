export interface ProgressOptions {
  /** Least time between two lines, in ms. Default 5 s: a CI log, not a terminal. */
  intervalMs?: number;
  /** A clock in ms; `performance.now` by default (tests pass their own). */
  now?: () => number;
  /** When the transfer began, by `now`; default: when the progress was made. */
  startedAt?: number;
}

export interface TransferState {
  files?: number;
  totalFiles?: number;
  bytes: number;
  /** Known up front: then the line has an ETA. */
  totalBytes?: number;
  /** Said after the figures: `pack 2/5`, `3.0 MiB downloaded`. */
  detail?: string;
}

/**
 * Progress of one long transfer (hashing, uploading, pulling): at most one line every
 * `intervalMs` with files, bytes, the average rate so far and an ETA when the total is known,
 * and `summary()` for the closing line with totals and the average rate.
 */
export class TransferProgress {
  private readonly interval: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private lastLineAt: number;
  private lastUpdateAt: number;
  private state: TransferState = { bytes: 0 };

  constructor(
    private readonly write: (line: string) => void,
    /** What the lines begin with: `train: hashing`. */
    private readonly label: string,
    options: ProgressOptions = {},
  ) {
    this.interval = options.intervalMs ?? 5000;
    this.now = options.now ?? (() => performance.now());
    this.startedAt = options.startedAt ?? this.now();
    this.lastLineAt = this.startedAt;
    this.lastUpdateAt = this.startedAt;
  }

  update(state: TransferState): void {
    this.finish(state);
    if (this.lastUpdateAt - this.lastLineAt < this.interval) return;
    this.lastLineAt = this.lastUpdateAt;
    const { files, totalFiles, bytes, totalBytes, detail } = state;
    const parts: string[] = [];
    if (files !== undefined) parts.push(`${files}${totalFiles === undefined ? '' : `/${totalFiles}`} files`);
    parts.push(`${mib(bytes)}${totalBytes === undefined ? '' : `/${mib(totalBytes)}`} MiB`);
    const seconds = (this.lastUpdateAt - this.startedAt) / 1000;
    const rate = bytes / seconds;
    if (rate > 0) parts.push(`${mib(rate)} MiB/s`);
    if (rate > 0 && totalBytes !== undefined && totalBytes > bytes) {
      parts.push(`ETA ${duration((totalBytes - bytes) / rate)}`);
    }
    if (detail) parts.push(detail);
    this.write(`${this.label} ${parts.join(', ')}`);
  }

  /** Records the final state, with no line: `summary()` tells it. */
  finish(state: TransferState): void {
    this.state = state;
    this.lastUpdateAt = this.now();
  }

  /** When the last update came, by the clock: where a next phase starts. */
  get updatedAt(): number {
    return this.lastUpdateAt;
  }

  /** `2000 files, 2048.0 MiB in 5.1 s (401.6 MiB/s)`: the last state, timed to its update. */
  summary(): string {
    const { files, bytes } = this.state;
    const seconds = (this.lastUpdateAt - this.startedAt) / 1000;
    const rate = seconds > 0 ? ` (${mib(bytes / seconds)} MiB/s)` : '';
    return `${files === undefined ? '' : `${files} files, `}${mib(bytes)} MiB in ${seconds.toFixed(1)} s${rate}`;
  }
}

export function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/** `42s`, `3m07s`, `1h05m`. */
export function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
