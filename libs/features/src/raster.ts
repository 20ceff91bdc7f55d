/** Small pure-JS raster helpers on greyscale images (all images here are ≤ 192 px, so loops are cheap). */

export interface Grey {
  width: number;
  height: number;
  data: Float32Array;
}

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Area (box-filter) resampling from a summed-area table: the integral of the piecewise-constant image, read
 * bilinearly, gives the exact mean over any rectangle with fractional edges. One table per source raster serves
 * every window cut from it, so many small windows cost O(output) each instead of O(source).
 */
export class AreaSampler {
  private readonly sat: Float64Array;
  private readonly W: number;
  private readonly H: number;

  constructor(src: Grey) {
    const { width: w, height: h, data } = src;
    this.W = w;
    this.H = h;
    const stride = w + 1;
    const sat = new Float64Array(stride * (h + 1));
    for (let y = 0; y < h; y++) {
      let row = 0;
      const o = (y + 1) * stride;
      const p = y * stride;
      const d = y * w;
      for (let x = 0; x < w; x++) {
        row += data[d + x];
        sat[o + x + 1] = sat[p + x + 1] + row;
      }
    }
    this.sat = sat;
  }

  // Integral over [0, x] × [0, y] (x, y in source pixels within the raster), bilinear in the table.
  private at(x: number, y: number): number {
    const stride = this.W + 1;
    const xi = Math.min(this.W - 1, x | 0);
    const yi = Math.min(this.H - 1, y | 0);
    const fx = x - xi;
    const fy = y - yi;
    const k = yi * stride + xi;
    const s = this.sat;
    const top = s[k] + (s[k + 1] - s[k]) * fx;
    const bot = s[k + stride] + (s[k + stride + 1] - s[k + stride]) * fx;
    return top + (bot - top) * fy;
  }

  /** Area-resamples the rectangle `r` (source pixel units, fractional allowed) to outW × outH. */
  sample(r: Rect, outW: number, outH: number): Grey {
    if (r.x1 - r.x0 >= outW && r.y1 - r.y0 >= outH) return this.sampleLattice(r, outW, outH);
    const xa = new Float64Array(outW);
    const xb = new Float64Array(outW);
    const ya = new Float64Array(outH);
    const yb = new Float64Array(outH);
    edges(r.x0, r.x1, outW, this.W, xa, xb);
    edges(r.y0, r.y1, outH, this.H, ya, yb);
    const out = new Float32Array(outW * outH);
    // Integral values at every (edge x, edge y) pair, row by row: 4 reads per output pixel.
    const a0 = new Float64Array(outW);
    const b0 = new Float64Array(outW);
    const a1 = new Float64Array(outW);
    const b1 = new Float64Array(outW);
    for (let j = 0; j < outH; j++) {
      const y0 = ya[j];
      const y1 = yb[j];
      for (let i = 0; i < outW; i++) {
        a0[i] = this.at(xa[i], y0);
        b0[i] = this.at(xb[i], y0);
        a1[i] = this.at(xa[i], y1);
        b1[i] = this.at(xb[i], y1);
      }
      const dy = y1 - y0;
      const o = j * outW;
      for (let i = 0; i < outW; i++) {
        const area = (xb[i] - xa[i]) * dy;
        out[o + i] = area > 0 ? (b1[i] - a1[i] - b0[i] + a0[i]) / area : 0;
      }
    }
    return { width: outW, height: outH, data: out };
  }

  // Shrinking (cells ≥ 1 source px): neighbouring cells share edges, so the integral is read once per lattice point.
  private sampleLattice(r: Rect, outW: number, outH: number): Grey {
    const W = this.W;
    const H = this.H;
    const stride = W + 1;
    const s = this.sat;
    // Bilinear read positions of the lattice, split per axis: column offset + fraction, row offset + fraction.
    const cx = scratchI32(0, outW + 1);
    const fx = scratchF64(1, outW + 1);
    const ex = scratchF64(2, outW + 1);
    for (let i = 0; i <= outW; i++) {
      const x = Math.max(0, Math.min(W, r.x0 + ((r.x1 - r.x0) * i) / outW));
      const xi = Math.min(W - 1, x | 0);
      ex[i] = x;
      cx[i] = xi;
      fx[i] = x - xi;
    }
    const lat = scratchF64(3, (outW + 1) * (outH + 1));
    const ey = scratchF64(4, outH + 1);
    for (let j = 0; j <= outH; j++) {
      const y = Math.max(0, Math.min(H, r.y0 + ((r.y1 - r.y0) * j) / outH));
      const yi = Math.min(H - 1, y | 0);
      const fy = y - yi;
      ey[j] = y;
      const row0 = yi * stride;
      const row1 = row0 + stride;
      const o = j * (outW + 1);
      for (let i = 0; i <= outW; i++) {
        const k = cx[i];
        const f = fx[i];
        const top = s[row0 + k] + (s[row0 + k + 1] - s[row0 + k]) * f;
        const bot = s[row1 + k] + (s[row1 + k + 1] - s[row1 + k]) * f;
        lat[o + i] = top + (bot - top) * fy;
      }
    }
    const out = new Float32Array(outW * outH);
    const ls = outW + 1;
    for (let j = 0; j < outH; j++) {
      const dy = ey[j + 1] - ey[j];
      const o = j * ls;
      for (let i = 0; i < outW; i++) {
        const area = (ex[i + 1] - ex[i]) * dy;
        out[j * outW + i] = area > 0 ? (lat[o + ls + i + 1] - lat[o + ls + i] - lat[o + i + 1] + lat[o + i]) / area : 0;
      }
    }
    return { width: outW, height: outH, data: out };
  }
}

// Reused scratch buffers of the lattice sampler (this lib is synchronous per call, so one set per thread suffices).
const f64: Float64Array[] = [];
const i32: Int32Array[] = [];
function scratchF64(slot: number, n: number): Float64Array {
  if (!f64[slot] || f64[slot].length < n) f64[slot] = new Float64Array(Math.max(n, 64));
  return f64[slot];
}
function scratchI32(slot: number, n: number): Int32Array {
  if (!i32[slot] || i32[slot].length < n) i32[slot] = new Int32Array(Math.max(n, 64));
  return i32[slot];
}

// Per output pixel, its source interval [a, b]: widened to one source pixel when enlarging, clamped to the raster.
function edges(from: number, to: number, outLen: number, srcLen: number, a: Float64Array, b: Float64Array): void {
  const scale = (to - from) / outLen;
  for (let i = 0; i < outLen; i++) {
    let lo = from + i * scale;
    let hi = lo + scale;
    if (hi - lo < 1) {
      const c = (lo + hi) / 2;
      lo = c - 0.5;
      hi = c + 0.5;
    }
    a[i] = Math.max(0, Math.min(srcLen, lo));
    b[i] = Math.max(0, Math.min(srcLen, hi));
  }
}

/** Area-resamples the rectangle `r` (source pixel units, fractional allowed) of `src` to outW × outH. */
export function resampleArea(src: Grey, r: Rect, outW: number, outH: number): Grey {
  return new AreaSampler(src).sample(r, outW, outH);
}

function gaussKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(sigma * 2.5));
  const k = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    total += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= total;
  return k;
}

/** Separable Gaussian blur with clamped (replicated) borders. */
export function gaussianBlur(src: Grey, sigma: number): Grey {
  const { width: w, height: h, data } = src;
  const k = gaussKernel(sigma);
  const r = (k.length - 1) >> 1;
  const n = k.length;
  const tmp = new Float32Array(w * h);
  // Horizontal pass over a border-replicated copy of each row: no clamping in the inner loop.
  const pad = new Float32Array(w + 2 * r);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let i = 0; i < r; i++) {
      pad[i] = data[row];
      pad[r + w + i] = data[row + w - 1];
    }
    pad.set(data.subarray(row, row + w), r);
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += pad[x + i] * k[i];
      tmp[row + x] = acc;
    }
  }
  // Vertical pass row by row (contiguous reads), source rows clamped once per output row.
  const out = new Float32Array(w * h);
  const acc = new Float64Array(w);
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let i = 0; i < n; i++) {
      const yy = y + i - r;
      const srow = (yy < 0 ? 0 : yy >= h ? h - 1 : yy) * w;
      const kw = k[i];
      for (let x = 0; x < w; x++) acc[x] += tmp[srow + x] * kw;
    }
    out.set(acc, y * w);
  }
  return { width: w, height: h, data: out };
}
