import { resampleArea, type Grey, type Rect } from './raster';

/** Side of the square each hashed window is resampled to before its DCT. */
export const HASH_SIZE = 32;

/** A hashed window: centre (cx, cy) and size `scale`, as fractions of the content frame. */
export interface HashWindow {
  cx: number;
  cy: number;
  scale: number;
}

const N = HASH_SIZE;
// The 64 lowest-frequency AC coefficients by u+v (ties by u): lower than pHash's 8×8 square, so bits survive small shifts better.
const COEFFS: Array<[number, number]> = (() => {
  const list: Array<[number, number]> = [];
  for (let k = 1; k <= 10; k++) for (let u = 0; u <= k; u++) list.push([u, k - u]);
  return list.slice(0, 64);
})();
const MAX_FREQ = 11;
const COS = (() => {
  const t = new Float32Array(MAX_FREQ * N);
  for (let u = 0; u < MAX_FREQ; u++)
    for (let x = 0; x < N; x++) t[u * N + x] = Math.cos((Math.PI * (2 * x + 1) * u) / (2 * N));
  return t;
})();

/** 64-bit DCT code of a HASH_SIZE² raster: bit i = coefficient i above the median of the 64 (contrast- and gamma-stable; sign bits were not). */
export function dctCode(pix: Float32Array): bigint {
  const rows = new Float32Array(N * MAX_FREQ);
  for (let y = 0; y < N; y++) {
    for (let u = 0; u < MAX_FREQ; u++) {
      let acc = 0;
      const c = u * N;
      const r = y * N;
      for (let x = 0; x < N; x++) acc += pix[r + x] * COS[c + x];
      rows[y * MAX_FREQ + u] = acc;
    }
  }
  const coef = new Float64Array(64);
  for (let i = 0; i < 64; i++) {
    const [u, v] = COEFFS[i];
    let acc = 0;
    const c = v * N;
    for (let y = 0; y < N; y++) acc += rows[y * MAX_FREQ + u] * COS[c + y];
    coef[i] = acc;
  }
  const sorted = Float64Array.from(coef).sort();
  const med = (sorted[31] + sorted[32]) / 2;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 32; i++) {
    if (coef[i] > med) lo |= 1 << i;
    if (coef[i + 32] > med) hi |= 1 << i;
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Code of one window of the content rectangle `content` of `g`. */
export function windowCode(g: Grey, content: Rect, w: HashWindow): bigint {
  const cw = content.x1 - content.x0;
  const ch = content.y1 - content.y0;
  const half = w.scale / 2;
  const r: Rect = {
    x0: content.x0 + (w.cx - half) * cw,
    x1: content.x0 + (w.cx + half) * cw,
    y0: content.y0 + (w.cy - half) * ch,
    y1: content.y0 + (w.cy + half) * ch,
  };
  return dctCode(resampleArea(g, r, N, N).data);
}

export function popcount64(x: bigint): number {
  let lo = Number(x & 0xffffffffn);
  let hi = Number(x >> 32n);
  lo -= (lo >>> 1) & 0x55555555;
  lo = (lo & 0x33333333) + ((lo >>> 2) & 0x33333333);
  hi -= (hi >>> 1) & 0x55555555;
  hi = (hi & 0x33333333) + ((hi >>> 2) & 0x33333333);
  // Math.imul: a float multiply loses the low bits the byte-sum trick needs.
  return (Math.imul((lo + (lo >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) + (Math.imul((hi + (hi >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
