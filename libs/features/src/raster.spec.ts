import { AreaSampler, gaussianBlur, type Grey } from './raster';

// Reference: each output pixel is the overlap-weighted mean of the source pixels its box covers.
function naiveArea(src: Grey, x0: number, y0: number, x1: number, y1: number, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH);
  const span = (from: number, to: number, n: number, len: number, i: number): [number, number] => {
    let a = from + ((to - from) / n) * i;
    let b = a + (to - from) / n;
    if (b - a < 1) [a, b] = [(a + b) / 2 - 0.5, (a + b) / 2 + 0.5];
    return [Math.max(0, a), Math.min(len, b)];
  };
  for (let j = 0; j < outH; j++)
    for (let i = 0; i < outW; i++) {
      const [ax, bx] = span(x0, x1, outW, src.width, i);
      const [ay, by] = span(y0, y1, outH, src.height, j);
      let acc = 0;
      let wsum = 0;
      for (let y = Math.floor(ay); y < Math.ceil(by); y++)
        for (let x = Math.floor(ax); x < Math.ceil(bx); x++) {
          const w = (Math.min(bx, x + 1) - Math.max(ax, x)) * (Math.min(by, y + 1) - Math.max(ay, y));
          acc += src.data[y * src.width + x] * w;
          wsum += w;
        }
      out[j * outW + i] = acc / wsum;
    }
  return out;
}

describe('AreaSampler', () => {
  const W = 37;
  const H = 23;
  const src: Grey = { width: W, height: H, data: Float32Array.from({ length: W * H }, (_, i) => (i * 7919) % 251) };
  const sampler = new AreaSampler(src);

  it.each([
    [0, 0, W, H, 16, 16],
    [3.3, 2.7, 30.1, 19.9, 16, 16],
    [10.25, 5.5, 20.75, 12.5, 8, 5],
    [0, 0, W, H, 64, 40],
    [5, 5, 9, 8, 16, 16],
  ])('matches the overlap-weighted mean for (%p, %p)–(%p, %p) → %p×%p', (x0, y0, x1, y1, w, h) => {
    const got = sampler.sample({ x0, y0, x1, y1 }, w, h);
    const want = naiveArea(src, x0, y0, x1, y1, w, h);
    expect(got.width).toBe(w);
    expect(got.height).toBe(h);
    for (let i = 0; i < want.length; i++) expect(got.data[i]).toBeCloseTo(want[i], 3);
  });

  it('blurs a constant image to itself and keeps the mean of an impulse', () => {
    const flat = gaussianBlur({ width: 9, height: 7, data: new Float32Array(63).fill(5) }, 1.5);
    for (const v of flat.data) expect(v).toBeCloseTo(5, 5);
    const imp = new Float32Array(31 * 31);
    imp[15 * 31 + 15] = 1;
    const b = gaussianBlur({ width: 31, height: 31, data: imp }, 2);
    expect(b.data.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 4);
    expect(b.data[15 * 31 + 15]).toBeGreaterThan(b.data[15 * 31 + 17]);
  });
});
