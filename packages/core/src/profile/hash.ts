/**
 * MurmurHash3 (x86, 32-bit) of strings (UTF-16 code units, two per block) and of numbers (their
 * IEEE 754 bits). Pure 32-bit integer arithmetic: a value hashes the same on every machine, which
 * keeps sketches (and so profiles) byte-identical.
 */
export function murmur3(text: string, seed: number): number {
  let h = seed >>> 0;
  const length = text.length;
  const blocks = length >>> 1;
  for (let i = 0; i < blocks; i++) {
    h = mixBlock(h, (text.charCodeAt(2 * i) | (text.charCodeAt(2 * i + 1) << 16)) >>> 0);
  }
  if (length & 1) h ^= scramble(text.charCodeAt(length - 1));
  return finalize(h ^ (length * 2)); // the length in bytes, as the reference folds it in
}

const bits = new DataView(new ArrayBuffer(8));

/** The hash of a number's 8 bytes; −0 hashes as 0, since the two are one value. */
export function murmur3Number(value: number, seed: number): number {
  bits.setFloat64(0, value === 0 ? 0 : value, true);
  let h = mixBlock(seed >>> 0, bits.getUint32(0, true));
  h = mixBlock(h, bits.getUint32(4, true));
  return finalize(h ^ 8);
}

function mixBlock(h: number, block: number): number {
  const x = (h ^ scramble(block)) >>> 0;
  const rotated = ((x << 13) | (x >>> 19)) >>> 0;
  return (Math.imul(rotated, 5) + 0xe6546b64) >>> 0;
}

function scramble(k: number): number {
  let x = Math.imul(k, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  return Math.imul(x, 0x1b873593) >>> 0;
}

/** Murmur's fmix32: every input bit moves every output bit. */
export function finalize(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
