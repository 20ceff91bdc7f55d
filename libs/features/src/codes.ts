import { AreaSampler, type Grey, type Rect } from './raster';

/** Side of the square raster the content frame is resampled to once (aspect squashed); every window is cut from it. */
export const BASE_SIZE = 64;
/** Side of the square each hashed window is resampled to before its DCT (as shift-tolerant as 32 px, measured, and 4× cheaper). */
export const HASH_SIZE = 16;

/**
 * A hashed window: centre (cx, cy) and size as fractions of the content frame's sides; `scale` sets both
 * sides, `sx`/`sy` override one (anisotropic windows meet crops that cut more from one axis).
 */
export interface HashWindow {
  cx: number;
  cy: number;
  scale: number;
  sx?: number;
  sy?: number;
  /** code of the window flipped left–right (a probe for horizontally flipped copies) */
  mirror?: boolean;
}

const N = HASH_SIZE;
// The 64 lowest-frequency AC coefficients by u+v (ties by u): lower than pHash's 8×8 square, so bits survive small shifts better.
const COEFFS: Array<[number, number]> = (() => {
  const list: Array<[number, number]> = [];
  for (let k = 1; k <= 10; k++) for (let u = 0; u <= k; u++) list.push([u, k - u]);
  return list.slice(0, 64);
})();
const CU = Int32Array.from(COEFFS, ([u]) => u);
const CV = Int32Array.from(COEFFS, ([, v]) => v);
const MAX_FREQ = 11;
const COS = (() => {
  const t = new Float64Array(MAX_FREQ * N);
  for (let u = 0; u < MAX_FREQ; u++)
    for (let x = 0; x < N; x++) t[u * N + x] = Math.cos((Math.PI * (2 * x + 1) * u) / (2 * N));
  return t;
})();
const rows = new Float64Array(N * MAX_FREQ);
const coef = new Float64Array(64);
const sorted = new Float64Array(64);

/**
 * 64-bit DCT code of a HASH_SIZE² raster: bit i = coefficient i above the median of the 64 (contrast- and
 * gamma-stable; sign bits were not). Exactly 32 bits are set, so distances between codes are always even.
 */
export function dctCode(pix: Float32Array, mirror = false): bigint {
  for (let y = 0; y < N; y++) {
    const r = y * N;
    for (let u = 0; u < MAX_FREQ; u++) {
      let acc = 0;
      const c = u * N;
      for (let x = 0; x < N; x++) acc += pix[r + x] * COS[c + x];
      rows[y * MAX_FREQ + u] = acc;
    }
  }
  for (let i = 0; i < 64; i++) {
    const u = CU[i];
    const v = CV[i];
    let acc = 0;
    const c = v * N;
    for (let y = 0; y < N; y++) acc += rows[y * MAX_FREQ + u] * COS[c + y];
    // Mirroring x multiplies the coefficient of horizontal frequency u by (−1)^u.
    coef[i] = mirror && u & 1 ? -acc : acc;
  }
  sorted.set(coef);
  sorted.sort();
  const med = (sorted[31] + sorted[32]) / 2;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 32; i++) {
    if (coef[i] > med) lo |= 1 << i;
    if (coef[i + 32] > med) hi |= 1 << i;
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** The content rectangle resampled to BASE_SIZE² (the one raster all window codes are cut from). */
export function contentBase(sampler: AreaSampler, content: Rect): Grey {
  return sampler.sample(content, BASE_SIZE, BASE_SIZE);
}

/** Codes of windows of a contentBase raster, in order. */
export function windowCodes(base: Grey, windows: readonly HashWindow[]): bigint[] {
  const sampler = new AreaSampler(base);
  return windows.map((w) => {
    const sx = (w.sx ?? w.scale) * base.width;
    const sy = (w.sy ?? w.scale) * base.height;
    const r: Rect = {
      x0: w.cx * base.width - sx / 2,
      x1: w.cx * base.width + sx / 2,
      y0: w.cy * base.height - sy / 2,
      y1: w.cy * base.height + sy / 2,
    };
    return dctCode(sampler.sample(r, N, N).data, w.mirror);
  });
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
