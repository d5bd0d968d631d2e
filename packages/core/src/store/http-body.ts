// Request and response bodies of the two HTTP backends (GitHub release assets, GitLab generic
// packages): files streamed up, objects or ranges of them streamed down, nothing held in memory.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ByteRange } from './backend';

/**
 * An upload body read from the file afresh each time it is iterated: fetch takes any async
 * iterable (with `duplex: 'half'`), and a retried request (5xx, rate limit) then sends the
 * whole file again instead of an already drained stream.
 */
export class FileBody implements AsyncIterable<Uint8Array> {
  constructor(readonly path: string) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    yield* createReadStream(this.path);
  }
}

export const rangeHeader = (range: ByteRange) => `bytes=${range.start}-${range.end}`;

/**
 * The downloaded bytes as a Node stream holding exactly `range` (all of them without one).
 * A server may ignore Range and answer 200 with the whole object (RFC 9110 §14.2, and some
 * proxies and storage backends do): the range is then cut from that stream, which is closed
 * as soon as the range is complete.
 */
export function bodyInRange(
  status: number,
  contentRange: string | undefined,
  body: AsyncIterable<Uint8Array> | null,
  range: ByteRange | undefined,
): Readable {
  const source = body ?? (async function* () {})();
  if (!range) return Readable.from(source, { objectMode: false });
  if (status === 206) {
    const start = /^bytes (\d+)-/.exec(contentRange ?? '')?.[1];
    if (start !== undefined && Number(start) !== range.start) {
      throw new Error(`asked for bytes from ${range.start}, the server sent ${contentRange}`);
    }
    return Readable.from(source, { objectMode: false });
  }
  return Readable.from(slice(source, range.start, range.end - range.start + 1), { objectMode: false });
}

async function* slice(source: AsyncIterable<Uint8Array>, skip: number, length: number) {
  let toSkip = skip;
  let left = length;
  for await (const chunk of source) {
    if (toSkip >= chunk.length) {
      toSkip -= chunk.length;
      continue;
    }
    const piece = chunk.subarray(toSkip);
    toSkip = 0;
    if (piece.length >= left) {
      // Returning ends the loop, which cancels the rest of the download.
      yield piece.subarray(0, left);
      return;
    }
    left -= piece.length;
    yield piece;
  }
}
