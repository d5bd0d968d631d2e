import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { GEAR } from './gear';
import {
  type ChunkResult,
  type PackResult,
  type WorkerMessage,
  type WorkerTask,
  workerSource,
} from './hash-worker';

interface Job {
  id: number;
  task: WorkerTask;
  onProgress: ((bytes: number) => void) | undefined;
  resolve: (result: ChunkResult[] | PackResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/**
 * A few worker threads that chunk and hash files and write packs, one task per worker at a
 * time. Workers start on demand and hold the process open only while they have work, so a
 * pool that is never closed does not keep a CLI run alive.
 */
export class WorkerPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private source: string | undefined;
  private closed = false;

  constructor(size = availableParallelism()) {
    this.size = Math.max(1, Math.floor(size));
  }

  chunk(task: Extract<WorkerTask, { kind: 'chunk' }>, onProgress?: (bytes: number) => void) {
    return this.run(task, onProgress) as Promise<ChunkResult[]>;
  }

  pack(task: Extract<WorkerTask, { kind: 'pack' }>, onProgress?: (bytes: number) => void) {
    return this.run(task, onProgress) as Promise<PackResult>;
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const job of this.queue.splice(0)) job.reject(new Error('worker pool closed'));
    for (const slot of slots) slot.job?.reject(new Error('worker pool closed'));
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private run(task: WorkerTask, onProgress: ((bytes: number) => void) | undefined) {
    if (this.closed) return Promise.reject(new Error('worker pool closed'));
    return new Promise<ChunkResult[] | PackResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, onProgress, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === undefined);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, task: job.task });
    }
  }

  private spawn(): Slot {
    this.source ??= workerSource();
    const worker = new Worker(this.source, { eval: true, workerData: { gear: GEAR } });
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (message: WorkerMessage) => {
      const job = slot.job;
      if (!job || job.id !== message.id) return;
      if ('progress' in message) {
        job.onProgress?.(message.progress);
        return;
      }
      slot.job = undefined;
      worker.unref();
      if ('result' in message) job.resolve(message.result);
      else job.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
      this.dispatch();
    });
    // A worker that dies (out of memory, a bug) fails its task, not the whole pool.
    const fail = (error: Error) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.slots.splice(index, 1);
      slot.job?.reject(error);
      slot.job = undefined;
      this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`hash worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}
