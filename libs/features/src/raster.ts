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

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weight: Float32Array;
  stride: number;
}

// Per output pixel, the source pixels it covers and their area weights (box filter; nearest-like when enlarging).
function areaTaps(from: number, to: number, outLen: number, srcLen: number): Taps {
  const scale = (to - from) / outLen;
  const stride = Math.ceil(scale) + 2;
  const start = new Int32Array(outLen);
  const count = new Int32Array(outLen);
  const weight = new Float32Array(outLen * stride);
  for (let i = 0; i < outLen; i++) {
    let a = from + i * scale;
    let b = a + scale;
    if (b - a < 1) {
      // Enlarging: widen the footprint to one source pixel so every output pixel has support.
      const c = (a + b) / 2;
      a = c - 0.5;
      b = c + 0.5;
    }
    a = Math.max(0, a);
    b = Math.min(srcLen, b);
    const s0 = Math.floor(a);
    const s1 = Math.min(srcLen, Math.ceil(b));
    let total = 0;
    let n = 0;
    for (let s = s0; s < s1 && n < stride; s++, n++) {
      const w = Math.min(b, s + 1) - Math.max(a, s);
      weight[i * stride + n] = w;
      total += w;
    }
    for (let k = 0; k < n; k++) weight[i * stride + k] /= total || 1;
    start[i] = s0;
    count[i] = n;
  }
  return { start, count, weight, stride };
}

/** Area-resamples the rectangle `r` (source pixel units, fractional allowed) of `src` to outW × outH. */
export function resampleArea(src: Grey, r: Rect, outW: number, outH: number): Grey {
  const tx = areaTaps(r.x0, r.x1, outW, src.width);
  const ty = areaTaps(r.y0, r.y1, outH, src.height);
  const yLo = ty.start[0];
  const yHi = ty.start[outH - 1] + ty.count[outH - 1];
  const rows = yHi - yLo;
  const tmp = new Float32Array(rows * outW);
  const sw = src.width;
  const d = src.data;
  for (let y = 0; y < rows; y++) {
    const row = (y + yLo) * sw;
    for (let i = 0; i < outW; i++) {
      const s0 = tx.start[i];
      const n = tx.count[i];
      const wo = i * tx.stride;
      let acc = 0;
      for (let k = 0; k < n; k++) acc += d[row + s0 + k] * tx.weight[wo + k];
      tmp[y * outW + i] = acc;
    }
  }
  const out = new Float32Array(outW * outH);
  for (let j = 0; j < outH; j++) {
    const s0 = ty.start[j] - yLo;
    const n = ty.count[j];
    const wo = j * ty.stride;
    for (let k = 0; k < n; k++) {
      const w = ty.weight[wo + k];
      const trow = (s0 + k) * outW;
      const orow = j * outW;
      for (let i = 0; i < outW; i++) out[orow + i] += tmp[trow + i] * w;
    }
  }
  return { width: outW, height: outH, data: out };
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
  const tmp = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) {
        const xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
        acc += data[row + xx] * k[i + r];
      }
      tmp[row + x] = acc;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let i = -r; i <= r; i++) {
      const yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
      const kw = k[i + r];
      const srow = yy * w;
      const orow = y * w;
      for (let x = 0; x < w; x++) out[orow + x] += tmp[srow + x] * kw;
    }
  }
  return { width: w, height: h, data: out };
}
