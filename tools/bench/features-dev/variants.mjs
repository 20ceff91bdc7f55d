// Descriptor variants scored by explore.mjs. Each variant maps (working grey raster, content rect) to
// { anchors: bigint[], probes: bigint[] } (probes = extra probes; anchors are probes too, as in the lib).
import * as Rr from '../../../libs/features/dist/raster.js';

// DCT code of an n×n raster: the 64 lowest-frequency AC coefficients by u+v, above their median.
function dctFactory(n) {
  const co = [];
  for (let k = 1; k <= 12; k++) for (let u = 0; u <= k; u++) co.push([u, k - u]);
  const list = co.slice(0, 64);
  const MF = Math.max(...list.flat()) + 1;
  const COS = new Float32Array(MF * n);
  for (let u = 0; u < MF; u++) for (let x = 0; x < n; x++) COS[u * n + x] = Math.cos((Math.PI * (2 * x + 1) * u) / (2 * n));
  return (pix) => {
    const rows = new Float32Array(n * MF);
    for (let y = 0; y < n; y++)
      for (let u = 0; u < MF; u++) {
        let a = 0;
        for (let x = 0; x < n; x++) a += pix[y * n + x] * COS[u * n + x];
        rows[y * MF + u] = a;
      }
    const v = new Float64Array(64);
    for (let i = 0; i < 64; i++) {
      const [u, w] = list[i];
      let a = 0;
      for (let y = 0; y < n; y++) a += rows[y * MF + u] * COS[w * n + y];
      v[i] = a;
    }
    const s = Float64Array.from(v).sort();
    const m = (s[31] + s[32]) / 2;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 32; i++) {
      if (v[i] > m) lo |= 1 << i;
      if (v[i + 32] > m) hi |= 1 << i;
    }
    return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  };
}
const DCT = { 16: dctFactory(16), 32: dctFactory(32) };

// Weight map for mean-shift centring: gradient magnitude of the lightly blurred base raster, square-rooted.
function weightMap(base) {
  const b = Rr.gaussianBlur(base, 1.0);
  const { width: W, height: H, data } = b;
  const w = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const gx = data[y * W + Math.min(W - 1, x + 1)] - data[y * W + Math.max(0, x - 1)];
      const gy = data[Math.min(H - 1, y + 1) * W + x] - data[Math.max(0, y - 1) * W + x];
      w[y * W + x] = Math.sqrt(Math.sqrt(gx * gx + gy * gy));
    }
  return w;
}

// Mean-shift mode of the weight map under a Gaussian kernel (σ in frame units), from (cx, cy) in frame units.
function meanShift(w, B, cx, cy, sigma, iters = 12) {
  const kx = new Float32Array(B);
  const ky = new Float32Array(B);
  const s2 = 2 * (sigma * B) ** 2;
  for (let it = 0; it < iters; it++) {
    const px = cx * B;
    const py = cy * B;
    for (let i = 0; i < B; i++) {
      kx[i] = Math.exp(-((i + 0.5 - px) ** 2) / s2);
      ky[i] = Math.exp(-((i + 0.5 - py) ** 2) / s2);
    }
    let s = 0;
    let sx = 0;
    let sy = 0;
    for (let y = 0; y < B; y++) {
      let r0 = 0;
      let r1 = 0;
      const row = y * B;
      for (let x = 0; x < B; x++) {
        const v = w[row + x] * kx[x];
        r0 += v;
        r1 += v * (x + 0.5);
      }
      s += r0 * ky[y];
      sx += r1 * ky[y];
      sy += r0 * ky[y] * (y + 0.5);
    }
    if (s <= 0) break;
    const nx = sx / s / B;
    const ny = sy / s / B;
    const moved = Math.abs(nx - cx) + Math.abs(ny - cy);
    cx = nx;
    cy = ny;
    if (moved < 0.001) break;
  }
  return [cx, cy];
}

/**
 * Generic variant: content resampled to B×B (aspect squashed; windows are fractions of each side), windows
 * resampled to n×n and DCT-coded. A window is { s, cx, cy } (fixed) or { s, ms: k, cx, cy } (centred on the
 * mean-shift mode with kernel σ = k·s started at (cx, cy), clamped to stay inside the frame).
 */
export function windowVariant({ name, note, B = 64, n = 16, blur = 0, anchors, probes }) {
  const dct = DCT[n];
  return {
    name,
    note,
    windows: { anchors, probes },
    codes(grey, content) {
      // B = 0: windows cut straight from the working raster's content rectangle (as FEATURE_VERSION 1 did).
      let base = B ? Rr.resampleArea(grey, content, B, B) : grey;
      if (blur) base = Rr.gaussianBlur(base, blur);
      const [ox, oy, fw, fh] = B ? [0, 0, B, B] : [content.x0, content.y0, content.x1 - content.x0, content.y1 - content.y0];
      let w = null;
      const code = (win) => {
        let { cx = 0.5, cy = 0.5 } = win;
        const sx = win.sx ?? win.s;
        const sy = win.sy ?? win.s;
        if (win.ms) {
          w ??= weightMap(base);
          [cx, cy] = meanShift(w, base.width, cx, cy, win.ms * win.s);
        }
        cx = Math.min(1 - sx / 2, Math.max(sx / 2, cx));
        cy = Math.min(1 - sy / 2, Math.max(sy / 2, cy));
        const r = { x0: ox + (cx - sx / 2) * fw, x1: ox + (cx + sx / 2) * fw, y0: oy + (cy - sy / 2) * fh, y1: oy + (cy + sy / 2) * fh };
        const pix = Rr.resampleArea(base, r, n, n).data;
        if (win.mirror) for (let y = 0; y < n; y++) pix.subarray(y * n, y * n + n).reverse();
        return dct(pix);
      };
      return { anchors: anchors.map(code), probes: probes.map(code) };
    },
  };
}

const grid = (scales, offsets, extra = {}) => {
  const out = [];
  for (const s of scales) for (const [ox, oy] of offsets) out.push({ s, cx: 0.5 + ox, cy: 0.5 + oy, ...extra });
  return out;
};
const lattice = (k, step) => {
  const out = [];
  for (let j = 0; j < k; j++) for (let i = 0; i < k; i++) out.push([(i - (k - 1) / 2) * step, (j - (k - 1) / 2) * step]);
  return out;
};
const diag = (d) => [[-d, -d], [d, -d], [-d, d], [d, d]];
const cross = (d) => [[-d, 0], [d, 0], [0, -d], [0, d]];

export const VARIANTS = [
  windowVariant({
    name: 'v1',
    note: 'FEATURE_VERSION 1 layout: 32 px windows cut from the 192 px working raster, 2 anchors + 6 probes',
    B: 0,
    n: 32,
    anchors: grid([1, 0.8], [[0, 0]]),
    probes: [...grid([0.9, 0.7], [[0, 0]]), ...grid([0.8], diag(0.05))],
  }),
  windowVariant({
    name: 'current-on-64',
    note: 'same windows, 16 px DCT from one 64 px content raster',
    anchors: grid([1, 0.8], [[0, 0]]),
    probes: [...grid([0.9, 0.7], [[0, 0]]), ...grid([0.8], diag(0.05))],
  }),
  windowVariant({
    name: 'grid-a2',
    note: 'anchors full + 0.7; probes 0.9/0.8 centre, 0.7 at ±6 % cross+diag',
    anchors: [{ s: 1 }, { s: 0.7 }],
    probes: [{ s: 0.9 }, { s: 0.8 }, ...grid([0.7], [...cross(0.06), ...diag(0.05)]), ...grid([0.6], [[0, 0]])],
  }),
  // Difference-set lattices: anchors on a coarse lattice (step 3Δ), probes on a fine one (step Δ), so the
  // anchor − probe offsets cover a (3·3)² lattice of step Δ with only 9 + 9 windows.
  ...[0.025, 0.02, 0.03].map((d) =>
    windowVariant({
      name: `lat9-${d}`,
      note: `anchors full + 0.7 at 3×3 step ${3 * d}; probes 0.9, 0.8 + 0.7 at 3×3 step ${d}`,
      anchors: [{ s: 1 }, ...grid([0.7], lattice(3, 3 * d))],
      probes: [{ s: 0.9 }, { s: 0.8 }, ...grid([0.7], lattice(3, d).filter(([x, y]) => x || y))],
    }),
  ),
  windowVariant({
    name: 'lat9s-0.025',
    note: 'as lat9-0.025, window 0.65',
    anchors: [{ s: 1 }, ...grid([0.65], lattice(3, 0.075))],
    probes: [{ s: 0.9 }, { s: 0.8 }, ...grid([0.65], lattice(3, 0.025).filter(([x, y]) => x || y))],
  }),
  ...[0.035, 0.04].map((d) =>
    windowVariant({
      name: `lat4-${d}`,
      note: `anchors full + 0.7 at 2×2 step ${2 * d}; probes 0.9, 0.8, 0.7 + 0.7 at 2×2 step ${d}`,
      anchors: [{ s: 1 }, ...grid([0.7], lattice(2, 2 * d))],
      probes: [{ s: 0.9 }, { s: 0.8 }, { s: 0.7 }, ...grid([0.7], lattice(2, d))],
    }),
  ),
  windowVariant({
    name: 'lat9c-0.025',
    note: 'lat9-0.025 + anisotropic crop probes 0.9×0.8, 0.8×0.9, 0.8×0.7, 0.7×0.8',
    anchors: [{ s: 1 }, ...grid([0.7], lattice(3, 0.075))],
    probes: [{ s: 0.9 }, { s: 0.8 }, { sx: 0.9, sy: 0.8 }, { sx: 0.8, sy: 0.9 }, { sx: 0.8, sy: 0.7 }, { sx: 0.7, sy: 0.8 }, ...grid([0.7], lattice(3, 0.025).filter(([x, y]) => x || y))],
  }),
  windowVariant({
    name: 'lat9w-0.025',
    note: 'lattice windows 0.75',
    anchors: [{ s: 1 }, ...grid([0.75], lattice(3, 0.075))],
    probes: [{ s: 0.9 }, { s: 0.8 }, ...grid([0.75], lattice(3, 0.025).filter(([x, y]) => x || y))],
  }),
  // Few anchors (the lib's full sweep costs anchors × lookups × probe-table density), many probes.
  ...[
    [7, 0.03],
    [5, 0.04],
    [5, 0.035],
    [6, 0.033],
  ].map(([k, d]) =>
    windowVariant({
      name: `a2-p${k}x${k}-${d}`,
      note: `anchors full + 0.7 centre; probes 0.9, 0.8, 4 anisotropic + 0.7 at ${k}×${k} step ${d}`,
      anchors: [{ s: 1 }, { s: 0.7 }],
      probes: [{ s: 0.9 }, { s: 0.8 }, { sx: 0.9, sy: 0.8 }, { sx: 0.8, sy: 0.9 }, { sx: 0.8, sy: 0.7 }, { sx: 0.7, sy: 0.8 }, ...grid([0.7], lattice(k, d).filter(([x, y]) => x || y))],
    }),
  ),
  // 2×2 anchor lattice (step 3Δ·k) ⊕ k×k probe lattice (step Δ): a 2k×2k difference lattice with 5 anchors.
  ...[
    [3, 0.03, 0.7],
    [3, 0.03, 0.75],
    [4, 0.03, 0.7],
    [4, 0.025, 0.75],
  ].map(([k, d, w]) =>
    windowVariant({
      name: `l2x${k}-${d}-w${w}`,
      note: `anchors full + ${w} centre + ${w} at 2×2 step ${k * d}; probes 0.9, 0.8, 4 anisotropic + ${w} at ${k}×${k} step ${d}`,
      anchors: [{ s: 1 }, { s: w }, ...grid([w], lattice(2, k * d))],
      probes: [{ s: 0.9 }, { s: 0.8 }, { sx: 0.9, sy: 0.8 }, { sx: 0.8, sy: 0.9 }, { sx: 0.8, sy: 0.7 }, { sx: 0.7, sy: 0.8 }, ...grid([w], lattice(k, d).filter(([x, y]) => x || y))],
    }),
  ),
  windowVariant({
    name: 'final-nocentre',
    note: 'l2x4-0.03-w0.7 without the central core anchor (5 anchors)',
    anchors: [{ s: 1 }, ...grid([0.7], lattice(2, 0.12))],
    probes: [{ s: 0.9 }, { s: 0.8 }, { sx: 0.9, sy: 0.8 }, { sx: 0.8, sy: 0.9 }, { sx: 0.8, sy: 0.7 }, { sx: 0.7, sy: 0.8 }, ...grid([0.7], lattice(4, 0.03))],
  }),
  windowVariant({
    name: 'final-mirror',
    note: 'l2x4-0.03-w0.7 + mirrored full frame and core as probes',
    anchors: [{ s: 1 }, { s: 0.7 }, ...grid([0.7], lattice(2, 0.12))],
    probes: [{ s: 1, mirror: true }, { s: 0.7, mirror: true }, { s: 0.9 }, { s: 0.8 }, { sx: 0.9, sy: 0.8 }, { sx: 0.8, sy: 0.9 }, { sx: 0.8, sy: 0.7 }, { sx: 0.7, sy: 0.8 }, ...grid([0.7], lattice(4, 0.03))],
  }),
  ...[
    ['lb4', [{ sx: 0.84, sy: 1 }, { sx: 0.75, sy: 1 }, { sx: 1, sy: 0.84 }, { sx: 1, sy: 0.75 }]],
    ['lb2', [{ sx: 0.8, sy: 1 }, { sx: 1, sy: 0.8 }]],
    ['lb4m', [{ sx: 0.84, sy: 1 }, { sx: 0.75, sy: 1 }, { sx: 1, sy: 0.84 }, { sx: 1, sy: 0.75 }, { s: 1, mirror: true }, { s: 0.7, mirror: true }]],
  ].map(([tag, extra]) =>
    windowVariant({
      name: `v2-${tag}`,
      note: `v2 layout + ${extra.length} probes for untrimmed letterbox/pillarbox (content spans one axis fully)${tag.endsWith('m') ? ' + mirrored full/core' : ''}`,
      anchors: [{ s: 1 }, { s: 0.7 }, ...grid([0.7], lattice(2, 0.12))],
      probes: [...extra, { s: 0.9 }, { s: 0.8 }, { sx: 0.9, sy: 0.8 }, { sx: 0.8, sy: 0.9 }, { sx: 0.8, sy: 0.7 }, { sx: 0.7, sy: 0.8 }, ...grid([0.7], lattice(4, 0.03))],
    }),
  ),
  ...[
    ['c1', grid([0.85], lattice(3, 0.05).filter(([x, y]) => x || y))],
    ['c2', grid([0.8, 0.9], diag(0.04))],
    ['c3', grid([0.8], lattice(3, 0.05).filter(([x, y]) => x || y))],
  ].map(([tag, extra]) =>
    windowVariant({
      name: `v2lb-${tag}`,
      note: `v2 + 4 letterbox probes + ${extra.length} off-centre crop probes (${tag})`,
      anchors: [{ s: 1 }, { s: 0.7 }, ...grid([0.7], lattice(2, 0.12))],
      probes: [{ sx: 0.84, sy: 1 }, { sx: 0.75, sy: 1 }, { sx: 1, sy: 0.84 }, { sx: 1, sy: 0.75 }, ...extra, { s: 0.9 }, { s: 0.8 }, { sx: 0.9, sy: 0.8 }, { sx: 0.8, sy: 0.9 }, { sx: 0.8, sy: 0.7 }, { sx: 0.7, sy: 0.8 }, ...grid([0.7], lattice(4, 0.03))],
    }),
  ),
  ...[
    ['F1', true, true],
    ['F2', false, true],
    ['F3', true, false],
  ].map(([tag, aniso, c3]) =>
    windowVariant({
      name: `v3-${tag}`,
      note: `v2 + 4 letterbox + mirrored full/core${aniso ? ' + 4 anisotropic' : ''}${c3 ? ' + 0.8 at 3×3 ±5 %' : ''}`,
      anchors: [{ s: 1 }, { s: 0.7 }, ...grid([0.7], lattice(2, 0.12))],
      probes: [
        { s: 1, mirror: true },
        { s: 0.7, mirror: true },
        { sx: 0.84, sy: 1 },
        { sx: 0.75, sy: 1 },
        { sx: 1, sy: 0.84 },
        { sx: 1, sy: 0.75 },
        { s: 0.9 },
        { s: 0.8 },
        ...(aniso ? [{ sx: 0.9, sy: 0.8 }, { sx: 0.8, sy: 0.9 }, { sx: 0.8, sy: 0.7 }, { sx: 0.7, sy: 0.8 }] : []),
        ...(c3 ? grid([0.8], lattice(3, 0.05).filter(([x, y]) => x || y)) : []),
        ...grid([0.7], lattice(4, 0.03)),
      ],
    }),
  ),
  windowVariant({
    name: 'v3-F4',
    note: 'v3-F2 + 0.95 and 0.85 centre probes (a denser scale ladder for straightened rotations)',
    anchors: [{ s: 1 }, { s: 0.7 }, ...grid([0.7], lattice(2, 0.12))],
    probes: [
      { s: 1, mirror: true },
      { s: 0.7, mirror: true },
      { sx: 0.84, sy: 1 },
      { sx: 0.75, sy: 1 },
      { sx: 1, sy: 0.84 },
      { sx: 1, sy: 0.75 },
      { s: 0.95 },
      { s: 0.9 },
      { s: 0.85 },
      ...grid([0.8], lattice(3, 0.05)),
      ...grid([0.7], lattice(4, 0.03)),
    ],
  }),
];

// Ablations of the final layout (v3-F4): which probe groups pay for their index cost.
VARIANTS.push(
  ...[
    ['no-mirror', (w) => !w.mirror],
    ['no-letterbox', (w) => !(w.sx && (w.sy === 1 || w.sx === 1))],
    ['no-ladder', (w) => !(w.s === 0.95 || w.s === 0.85)],
    ['no-crop-lattice', (w) => !(w.s === 0.8 && (w.cx !== 0.5 || w.cy !== 0.5))],
  ].map(([tag, keep]) => {
    const f4 = VARIANTS.find((v) => v.name === 'v3-F4').windows;
    return windowVariant({ name: `abl-${tag}`, note: `v3-F4 without ${tag.slice(3)}`, anchors: f4.anchors, probes: f4.probes.filter(keep) });
  }),
);
