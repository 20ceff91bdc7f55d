/** 64-bit codes are handled as (lo, hi) uint32 halves: JS has no fast 64-bit integer arithmetic. */

/** Population count of a 32-bit integer (SWAR; no native popcount in JS). */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between two 64-bit codes given as (lo, hi) halves. */
export function hamming64(aLo: number, aHi: number, bLo: number, bHi: number): number {
  return popcount32((aLo ^ bLo) >>> 0) + popcount32((aHi ^ bHi) >>> 0);
}

/** Bits [start, start + bits) of a 64-bit code, bits ≤ 31. */
export function extractBits(lo: number, hi: number, start: number, bits: number): number {
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  if (start >= 32) return (hi >>> (start - 32)) & mask;
  if (start + bits <= 32) return (lo >>> start) & mask;
  return ((lo >>> start) | (hi << (32 - start))) & mask;
}

/**
 * Views 64-bit codes as interleaved (lo, hi) uint32 pairs without copying.
 * Accepts a BigUint64Array or a Uint32Array already laid out as [lo0, hi0, lo1, hi1, ...].
 */
export function asCodePairs(codes: BigUint64Array | Uint32Array): Uint32Array {
  if (codes instanceof Uint32Array) {
    if (codes.length % 2 !== 0) throw new RangeError('a Uint32Array of codes must hold (lo, hi) pairs');
    return codes;
  }
  if (!LITTLE_ENDIAN) throw new Error('big-endian platforms are not supported');
  return new Uint32Array(codes.buffer, codes.byteOffset, codes.length * 2);
}

export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
