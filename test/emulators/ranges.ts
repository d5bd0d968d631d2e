// Serving stored bytes the way download hosts do: one `Range: bytes=...` answered with 206 and
// Content-Range, or the whole object with 200 by a host that ignores ranges (which clients must
// also handle: RFC 9110 lets a server ignore Range).
import type { EmulatorResponse } from './validating-server';

export function serveBytes(
  bytes: Buffer,
  range: string | undefined,
  options: { ignoreRange?: boolean; contentType?: string } = {},
): EmulatorResponse {
  const headers = {
    'content-type': options.contentType ?? 'application/octet-stream',
    'accept-ranges': 'bytes',
  };
  const whole: EmulatorResponse = {
    status: 200,
    raw: bytes,
    headers: { ...headers, 'content-length': String(bytes.length) },
  };
  if (!range || options.ignoreRange) return whole;
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  // Several ranges (multipart/byteranges) or another unit: answering the whole is allowed.
  if (!match || (match[1] === '' && match[2] === '')) return whole;
  const size = bytes.length;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) {
    return { status: 416, raw: Buffer.alloc(0), headers: { ...headers, 'content-range': `bytes */${size}` } };
  }
  const part = bytes.subarray(start, end + 1);
  return {
    status: 206,
    raw: part,
    headers: {
      ...headers,
      'content-length': String(part.length),
      'content-range': `bytes ${start}-${end}/${size}`,
    },
  };
}
