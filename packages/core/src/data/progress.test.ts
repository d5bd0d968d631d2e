import { describe, expect, it } from 'vitest';
import { duration, TransferProgress } from './progress';
import { addProgress } from './version-data';

const MiB = 1048576;

/** A clock the test moves by hand. */
function clock() {
  let now = 1000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('progress of long transfers', () => {
  it('writes at most one line per interval, with rate and ETA, and sums up at the end', () => {
    const time = clock();
    const lines: string[] = [];
    const progress = new TransferProgress((l) => lines.push(l), 'data: pulling', {
      intervalMs: 5000,
      now: time.now,
    });
    for (let second = 1; second <= 12; second++) {
      time.advance(1000);
      progress.update({ files: second, totalFiles: 40, bytes: second * 10 * MiB, totalBytes: 400 * MiB });
    }
    expect(lines).toEqual([
      'data: pulling 5/40 files, 50.0/400.0 MiB, 10.0 MiB/s, ETA 35s',
      'data: pulling 10/40 files, 100.0/400.0 MiB, 10.0 MiB/s, ETA 30s',
    ]);
    expect(progress.summary()).toBe('12 files, 120.0 MiB in 12.0 s (10.0 MiB/s)');
  });

  it('leaves out the ETA when the total is unknown, and the rate before any time has passed', () => {
    const time = clock();
    const lines: string[] = [];
    const progress = new TransferProgress((l) => lines.push(l), 'x:', { intervalMs: 0, now: time.now });
    progress.update({ bytes: 0, detail: 'starting' });
    time.advance(2000);
    progress.update({ bytes: 3 * MiB, detail: 'pack 1/4' });
    expect(lines).toEqual(['x: 0.0 MiB, starting', 'x: 3.0 MiB, 1.5 MiB/s, pack 1/4']);
    expect(duration(42)).toBe('42s');
    expect(duration(187)).toBe('3m07s');
    expect(duration(3900)).toBe('1h05m');
  });

  it('reports hashing and then uploading, and both in the closing line', () => {
    const time = clock();
    const lines: string[] = [];
    const progress = addProgress({ info: (l) => lines.push(l) }, 'train', {
      intervalMs: 5000,
      now: time.now,
    });
    const hash = { phase: 'hash', totalFiles: 4, totalBytes: 400 * MiB, cachedFiles: 1 } as const;
    for (let step = 1; step <= 4; step++) {
      time.advance(3000);
      progress.update({ ...hash, files: step, bytes: step * 100 * MiB });
    }
    for (let pack = 1; pack <= 2; pack++) {
      time.advance(6000);
      progress.update({
        phase: 'upload',
        bytes: pack * 60 * MiB,
        totalBytes: 120 * MiB,
        packs: pack,
        totalPacks: 2,
      });
    }
    expect(lines).toEqual([
      'train: hashing 2/4 files, 200.0/400.0 MiB, 33.3 MiB/s, ETA 6s, 1 unchanged (stat cache)',
      'train: hashing 4/4 files, 400.0/400.0 MiB, 33.3 MiB/s, 1 unchanged (stat cache)',
      'train: uploading 60.0/120.0 MiB, 10.0 MiB/s, ETA 6s, pack 1/2',
      'train: uploading 120.0/120.0 MiB, 10.0 MiB/s, pack 2/2',
    ]);
    expect(progress.summary()).toBe(
      'train: hashed 4 files, 400.0 MiB in 12.0 s (33.3 MiB/s), 1 files unchanged (stat cache); uploaded 2 packs, 120.0 MiB in 12.0 s (10.0 MiB/s)',
    );
  });
});
