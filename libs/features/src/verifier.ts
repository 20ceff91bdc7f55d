import { AreaSampler, gaussianBlur, type Grey, type Rect } from './raster';

/*
 * Verifier payload: a 3-level pyramid of the trimmed frame, 8 bits per pixel.
 *   byte 0: VERIFIER_VERSION; bytes 1..6: w0 h0 w1 h1 w2 h2
 *   level 0 (long side 16): low-passed grey, for the exhaustive coarse scale × translation search
 *   level 1 (long side 32) and level 2 (long side 64): band-passed (DoG) values, int8 + 128, for refinement and decision
 * Geometry is expressed in level-2 pixels ("units"); each level maps to units per axis by its own rounding.
 */

export const VERIFIER_VERSION = 1;
/** Long sides of the three levels; 64 px keeps the payload ≈ 4 KB while blur/noise variants still correlate. */
export const LEVEL_SIZES = [16, 32, 64] as const;
/** The template is the central share of each side: survives crops of up to ~20 % per edge and burst shifts. */
export const TEMPLATE_FRACTION = 0.6;
/** Relative scale searched between two frames (crop up to ~35 % per side either way, downscale is normalised away). */
export const SCALE_MIN = 0.6;
export const SCALE_MAX = 1.6;
/** Each direction only shrinks its template into the other frame (s ≤ this): the narrower view's template always fits, and s > 1 in one direction is s < 1 in the other. */
const COARSE_SCALE_TOP = 1.06;
/** Coarse scale step: at 16 px a 15 % step moves template edges < 1 px, so the true scale is never skipped. */
const COARSE_SCALE_STEP = 1.15;
/** Rotation refined within this range: straightened tilts of a few degrees. */
const MAX_ROTATION = (5 * Math.PI) / 180;
/** Coarse hypotheses refined per pair (best first, early exit on success). */
const COARSE_HYPOTHESES = 3;
/** Coarse low-pass NCC below this cannot be the same shot (true pairs measure ≥ 0.8); rejects most false candidates cheaply. */
export const COARSE_MIN_NCC = 0.55;
/** Band-passed NCC at level 1 below this is not worth refining further. */
const MID_MIN_NCC = 0.3;
/** Decision: band-passed NCC at 64 px, both directions. Unrelated photos reach ≤ 0.65 after the search, true variants ≥ 0.85: the gap's middle. */
export const MATCH_MIN_NCC = 0.75;
/** Also try the second frame mirrored left–right when the direct search fails (hflip copies; costs a second search on non-matching pairs only). */
export const MIRROR_SEARCH = true;
/** The reverse template may hang outside the other frame (it has the wider view) but ≥ this share must land inside. */
export const REVERSE_MIN_INSIDE = 0.55;
/** Reverse refinement is local: the inverse transform may move at most this much (units, log-scale, radians) — geometric agreement. */
const AGREE_SHIFT = 3;
const AGREE_LOG_SCALE = 0.06;
const AGREE_ROTATION = (2.5 * Math.PI) / 180;

interface Level {
  w: number;
  h: number;
  data: Float32Array;
  /** level pixels per unit, per axis */
  fx: number;
  fy: number;
}

interface Template {
  /** point coordinates in units, relative to the frame centre */
  px: Float32Array;
  py: Float32Array;
  val: Float32Array;
}

interface Parsed {
  w2: number;
  h2: number;
  levels: [Level, Level, Level];
  /** template points per level (levels 1 and 2 subsampled by 2: ~70 and ~270 points) */
  tmpl: [Template, Template, Template];
  /** level-0 integral images for the coarse search */
  sum: Float64Array;
  sum2: Float64Array;
}

function levelDims(width: number, height: number, long: number): [number, number] {
  const k = long / Math.max(width, height);
  return [Math.max(1, Math.round(width * k)), Math.max(1, Math.round(height * k))];
}

function bandPass(g: Grey): Float32Array {
  // DoG σ 0.7 / 2.0 px: drops the smooth gradients that make foggy frames correlate with anything, and pixel noise.
  const fine = gaussianBlur(g, 0.7);
  const coarse = gaussianBlur(g, 2.0);
  const out = new Float32Array(g.data.length);
  let s2 = 0;
  for (let i = 0; i < out.length; i++) {
    const v = fine.data[i] - coarse.data[i];
    out[i] = v;
    s2 += v * v;
  }
  const std = Math.sqrt(s2 / out.length) || 1;
  // ±3.2 σ fits int8; NCC is invariant to the per-image gain.
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-127, Math.min(127, Math.round((out[i] / std) * 40)));
  return out;
}

/** Builds the verifier payload from the working grey raster (or a sampler over it) and its content rectangle. */
export function encodeVerifier(g: Grey | AreaSampler, content: Rect): Uint8Array {
  const sampler = g instanceof AreaSampler ? g : new AreaSampler(g);
  const cw = content.x1 - content.x0;
  const ch = content.y1 - content.y0;
  const dims = LEVEL_SIZES.map((l) => levelDims(cw, ch, l));
  const total = 7 + dims.reduce((a, [w, h]) => a + w * h, 0);
  const out = new Uint8Array(total);
  out[0] = VERIFIER_VERSION;
  dims.forEach(([w, h], i) => {
    out[1 + 2 * i] = w;
    out[2 + 2 * i] = h;
  });
  let o = 7;
  dims.forEach(([w, h], i) => {
    const lvl = sampler.sample(content, w, h);
    if (i === 0) {
      let lo = 255;
      let hi = 0;
      for (const v of lvl.data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const k = hi > lo ? 255 / (hi - lo) : 0;
      for (let j = 0; j < lvl.data.length; j++) out[o + j] = Math.round((lvl.data[j] - lo) * k);
    } else {
      const bp = bandPass(lvl);
      for (let j = 0; j < bp.length; j++) out[o + j] = bp[j] + 128;
    }
    o += w * h;
  });
  return out;
}

function integral(l: Level): { sum: Float64Array; sum2: Float64Array } {
  const W = l.w + 1;
  const sum = new Float64Array(W * (l.h + 1));
  const sum2 = new Float64Array(W * (l.h + 1));
  for (let y = 0; y < l.h; y++) {
    let r = 0;
    let r2 = 0;
    for (let x = 0; x < l.w; x++) {
      const v = l.data[y * l.w + x];
      r += v;
      r2 += v * v;
      sum[(y + 1) * W + x + 1] = sum[y * W + x + 1] + r;
      sum2[(y + 1) * W + x + 1] = sum2[y * W + x + 1] + r2;
    }
  }
  return { sum, sum2 };
}

function buildTemplate(l: Level, w2: number, h2: number, step: number): Template {
  const margin = (1 - TEMPLATE_FRACTION) / 2;
  const x0 = Math.floor(l.w * margin);
  const x1 = Math.ceil(l.w * (1 - margin));
  const y0 = Math.floor(l.h * margin);
  const y1 = Math.ceil(l.h * (1 - margin));
  const px: number[] = [];
  const py: number[] = [];
  const val: number[] = [];
  for (let y = y0; y < y1; y += step)
    for (let x = x0; x < x1; x += step) {
      px.push((x + 0.5) / l.fx - w2 / 2);
      py.push((y + 0.5) / l.fy - h2 / 2);
      val.push(l.data[y * l.w + x]);
    }
  return { px: Float32Array.from(px), py: Float32Array.from(py), val: Float32Array.from(val) };
}

const cache = new WeakMap<Uint8Array, Parsed>();
const mirrorCache = new WeakMap<Uint8Array, Parsed>();

// `mirror`: the payload's frame flipped left–right (a horizontally flipped copy of the photo).
function parse(buf: Uint8Array, mirror = false): Parsed {
  const hit = (mirror ? mirrorCache : cache).get(buf);
  if (hit) return hit;
  if (buf.length < 7 || buf[0] !== VERIFIER_VERSION) throw new Error('verifier payload has an unknown version');
  const w2 = buf[5];
  const h2 = buf[6];
  let o = 7;
  const levels = [0, 1, 2].map((i) => {
    const w = buf[1 + 2 * i];
    const h = buf[2 + 2 * i];
    const data = new Float32Array(w * h);
    for (let j = 0; j < data.length; j++) data[j] = i === 0 ? buf[o + j] : buf[o + j] - 128;
    if (mirror) for (let y = 0; y < h; y++) data.subarray(y * w, y * w + w).reverse();
    o += w * h;
    return { w, h, data, fx: w / w2, fy: h / h2 };
  }) as [Level, Level, Level];
  if (o !== buf.length) throw new Error('verifier payload has an unexpected length');
  const { sum, sum2 } = integral(levels[0]);
  const tmpl: [Template, Template, Template] = [
    buildTemplate(levels[0], w2, h2, 1),
    buildTemplate(levels[1], w2, h2, 2),
    buildTemplate(levels[2], w2, h2, 2),
  ];
  const parsed: Parsed = { w2, h2, levels, tmpl, sum, sum2 };
  (mirror ? mirrorCache : cache).set(buf, parsed);
  return parsed;
}

/** Similarity transform from frame P units to frame Q units: q = s·R(θ)·(p − cP) + (tx, ty). */
interface Xform {
  tx: number;
  ty: number;
  ls: number; // log scale
  th: number;
}

interface Eval {
  ncc: number;
  inside: number;
}

// NCC of P's template (level k) sampled bilinearly in Q's level k under x; `inside` is the share of points that landed in Q.
function evaluate(t: Template, q: Level, x: Xform): Eval {
  const s = Math.exp(x.ls);
  const a = s * Math.cos(x.th) * q.fx;
  const b = s * Math.sin(x.th);
  const c = b * q.fx;
  const d = s * Math.cos(x.th) * q.fy;
  const e = b * q.fy;
  const ox = x.tx * q.fx - 0.5;
  const oy = x.ty * q.fy - 0.5;
  const W = q.w;
  const maxX = q.w - 1;
  const maxY = q.h - 1;
  const data = q.data;
  const tpx = t.px;
  const tpy = t.py;
  const tval = t.val;
  const n = tpx.length;
  let m = 0;
  let sv = 0;
  let sw = 0;
  let svv = 0;
  let sww = 0;
  let svw = 0;
  for (let i = 0; i < n; i++) {
    const px = tpx[i];
    const py = tpy[i];
    const X = a * px - c * py + ox;
    const Y = e * px + d * py + oy;
    if (X < 0 || Y < 0 || X > maxX || Y > maxY) continue;
    const xi = X | 0;
    const yi = Y | 0;
    const fx = X - xi;
    const fy = Y - yi;
    const k = yi * W + xi;
    const x1 = xi < maxX ? 1 : 0;
    const y1 = yi < maxY ? W : 0;
    const top = data[k] + (data[k + x1] - data[k]) * fx;
    const bot = data[k + y1] + (data[k + y1 + x1] - data[k + y1]) * fx;
    const w = top + (bot - top) * fy;
    const v = tval[i];
    m++;
    sv += v;
    sw += w;
    svv += v * v;
    sww += w * w;
    svw += v * w;
  }
  if (m < 8) return { ncc: -1, inside: m / n };
  const cov = svw - (sv * sw) / m;
  const vv = svv - (sv * sv) / m;
  const ww = sww - (sw * sw) / m;
  const den = Math.sqrt(vv * ww);
  return { ncc: den > 1e-6 ? cov / den : 0, inside: m / n };
}

interface Hypothesis {
  dir: 0 | 1; // 0: A's template in B, 1: B's template in A
  ncc: number;
  x: Xform;
}

// Exhaustive scale × integer translation search of P's level-0 template in Q's level 0, rotation 0.
function coarseSearch(P: Parsed, Q: Parsed, dir: 0 | 1, out: Hypothesis[]): void {
  const p0 = P.levels[0];
  const q0 = Q.levels[0];
  const margin = (1 - TEMPLATE_FRACTION) / 2;
  // Template region of P0 in P0 pixels.
  const rx0 = p0.w * margin;
  const ry0 = p0.h * margin;
  const rw = p0.w * TEMPLATE_FRACTION;
  const rh = p0.h * TEMPLATE_FRACTION;
  const QW = q0.w + 1;
  for (let s = SCALE_MIN; s <= COARSE_SCALE_TOP; s *= COARSE_SCALE_STEP) {
    // Q0 pixels per P0 pixel along each axis.
    const sx = (s * q0.fx) / p0.fx;
    const sy = (s * q0.fy) / p0.fy;
    const mw = Math.round(rw * sx);
    const mh = Math.round(rh * sy);
    if (mw < 3 || mh < 3 || mw > q0.w || mh > q0.h) continue;
    const n = mw * mh;
    const tv = new Float32Array(n);
    let tsum = 0;
    for (let j = 0; j < mh; j++) {
      const Y = Math.min(p0.h - 1, Math.max(0, ry0 + ((j + 0.5) * rh) / mh - 0.5));
      const yi = Math.min(p0.h - 2, Y | 0);
      const fy = Math.max(0, Y - yi);
      for (let i = 0; i < mw; i++) {
        const X = Math.min(p0.w - 1, Math.max(0, rx0 + ((i + 0.5) * rw) / mw - 0.5));
        const xi = Math.min(p0.w - 2, X | 0);
        const fx = Math.max(0, X - xi);
        const k = yi * p0.w + xi;
        const d = p0.data;
        const v =
          p0.h < 2 || p0.w < 2
            ? d[k]
            : (d[k] * (1 - fx) + d[k + 1] * fx) * (1 - fy) + (d[k + p0.w] * (1 - fx) + d[k + p0.w + 1] * fx) * fy;
        tv[j * mw + i] = v;
        tsum += v;
      }
    }
    const tmean = tsum / n;
    let tvar = 0;
    for (let i = 0; i < n; i++) {
      tv[i] -= tmean;
      tvar += tv[i] * tv[i];
    }
    if (tvar < 1e-3) continue;
    let best = COARSE_MIN_NCC;
    let bx = -1;
    let by = -1;
    const qd = q0.data;
    const qw = q0.w;
    const S = Q.sum;
    const S2 = Q.sum2;
    const ny = q0.h - mh;
    const nx = qw - mw;
    for (let oy = 0; oy <= ny; oy++) {
      for (let ox = 0; ox <= nx; ox++) {
        const a = oy * QW + ox;
        const b = (oy + mh) * QW + ox;
        const ws = S[b + mw] - S[b] - S[a + mw] + S[a];
        const wvar = S2[b + mw] - S2[b] - S2[a + mw] + S2[a] - (ws * ws) / n;
        if (wvar < 1e-3) continue;
        let acc = 0;
        for (let j = 0, tr = 0, qr = oy * qw + ox; j < mh; j++, tr += mw, qr += qw)
          for (let i = 0; i < mw; i++) acc += tv[tr + i] * qd[qr + i];
        const ncc = acc / Math.sqrt(tvar * wvar);
        if (ncc > best) {
          best = ncc;
          bx = ox;
          by = oy;
        }
      }
    }
    // One hypothesis per scale (its best offset): neighbouring offsets of one peak would only repeat it.
    if (bx >= 0) insertHypothesis(out, { dir, ncc: best, x: { tx: (bx + mw / 2) / q0.fx, ty: (by + mh / 2) / q0.fy, ls: Math.log(s), th: 0 } });
  }
}

// Keeps the best COARSE_HYPOTHESES, suppressing near-duplicates (same direction, close position and scale).
function insertHypothesis(list: Hypothesis[], h: Hypothesis): void {
  for (let i = 0; i < list.length; i++) {
    const o = list[i];
    if (o.dir === h.dir && Math.abs(o.x.tx - h.x.tx) < 6 && Math.abs(o.x.ty - h.x.ty) < 6 && Math.abs(o.x.ls - h.x.ls) < 0.15) {
      if (h.ncc > o.ncc) list[i] = h;
      else return;
      list.sort((p, q) => q.ncc - p.ncc);
      return;
    }
  }
  if (list.length < COARSE_HYPOTHESES || h.ncc > list[list.length - 1].ncc) {
    list.push(h);
    list.sort((p, q) => q.ncc - p.ncc);
    if (list.length > COARSE_HYPOTHESES) list.pop();
  }
}

interface Steps {
  t: number;
  ls: number;
  th: number;
}

// Pattern search: try ± one step on each parameter, move to the best improvement, halve steps when stuck.
function refine(t: Template, q: Level, x0: Xform, steps: Steps, rounds: number, maxMoves: number, bound?: { x: Xform; t: number; ls: number; th: number }, minInside = 0.9): { x: Xform; ncc: number } {
  const score = (x: Xform): number => {
    if (Math.abs(x.th) > MAX_ROTATION) return -2;
    if (bound && (Math.abs(x.tx - bound.x.tx) > bound.t || Math.abs(x.ty - bound.x.ty) > bound.t || Math.abs(x.ls - bound.x.ls) > bound.ls || Math.abs(x.th - bound.x.th) > bound.th))
      return -2;
    const e = evaluate(t, q, x);
    return e.inside < minInside ? -2 : e.ncc;
  };
  let best = { ...x0 };
  let bestScore = score(best);
  let st = { ...steps };
  for (let r = 0; r < rounds; r++) {
    let moved = true;
    for (let it = 0; it < maxMoves && moved; it++) {
      moved = false;
      let cand = best;
      let candScore = bestScore;
      const trial = (x: Xform): void => {
        const v = score(x);
        if (v > candScore) {
          candScore = v;
          cand = x;
        }
      };
      trial({ ...best, tx: best.tx + st.t });
      trial({ ...best, tx: best.tx - st.t });
      trial({ ...best, ty: best.ty + st.t });
      trial({ ...best, ty: best.ty - st.t });
      trial({ ...best, ls: best.ls + st.ls });
      trial({ ...best, ls: best.ls - st.ls });
      trial({ ...best, th: best.th + st.th });
      trial({ ...best, th: best.th - st.th });
      if (cand !== best) {
        best = cand;
        bestScore = candScore;
        moved = true;
      }
    }
    st = { t: st.t / 2, ls: st.ls / 2, th: st.th / 2 };
  }
  return { x: best, ncc: bestScore };
}

/** Inverse of q = s·R(θ)·(p − cP) + t, re-expressed about Q's centre cQ. */
function invert(x: Xform, P: Parsed, Q: Parsed): Xform {
  const s = Math.exp(-x.ls);
  const cos = Math.cos(-x.th);
  const sin = Math.sin(-x.th);
  // p = s'·R(−θ)·(q − t) + cP ; evaluated at q = cQ gives where Q's centre lands in P.
  const dx = Q.w2 / 2 - x.tx;
  const dy = Q.h2 / 2 - x.ty;
  return { tx: s * (cos * dx - sin * dy) + P.w2 / 2, ty: s * (sin * dx + cos * dy) + P.h2 / 2, ls: -x.ls, th: -x.th };
}

export interface PairVerdict {
  match: boolean;
  /** 0..1 similarity: the weaker of the two directions' band-passed NCC (0 when no geometry was found) */
  score: number;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Pairwise verification: exhaustive coarse search in both directions, refinement of the best hypotheses
 * (scale, rotation, translation) at 32 then 64 px on band-passed pixels, then the reverse template must
 * correlate at the inverse transform (local refinement only): both directions and one geometry.
 * Inputs are put in a canonical order so the verdict is exactly symmetric.
 */
export function verifyPair(a: Uint8Array, b: Uint8Array): PairVerdict {
  const [first, second] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  const A = parse(first);
  const direct = search(A, parse(second));
  if (direct.match || !MIRROR_SEARCH) return direct;
  // A horizontally flipped copy: the same search against the second frame mirrored (mirroring both is the identity).
  const mirrored = search(A, parse(second, true));
  return mirrored.match ? mirrored : { match: false, score: Math.max(direct.score, mirrored.score) };
}

function search(A: Parsed, B: Parsed): PairVerdict {
  const hyps: Hypothesis[] = [];
  coarseSearch(A, B, 0, hyps);
  coarseSearch(B, A, 1, hyps);
  let bestScore = 0;
  for (const h of hyps) {
    const [P, Q] = h.dir === 0 ? [A, B] : [B, A];
    const mid = refine(P.tmpl[1], Q.levels[1], h.x, { t: 2, ls: 0.05, th: (2 * Math.PI) / 180 }, 1, 4);
    if (mid.ncc < MID_MIN_NCC) continue;
    const fine = refine(P.tmpl[2], Q.levels[2], mid.x, { t: 0.7, ls: 0.015, th: Math.PI / 180 }, 1, 3);
    if (fine.ncc < MATCH_MIN_NCC) {
      bestScore = Math.max(bestScore, fine.ncc);
      continue;
    }
    const inv = invert(fine.x, P, Q);
    const rev = refine(Q.tmpl[2], P.levels[2], inv, { t: 0.7, ls: 0.015, th: Math.PI / 180 }, 1, 2, { x: inv, t: AGREE_SHIFT, ls: AGREE_LOG_SCALE, th: AGREE_ROTATION }, REVERSE_MIN_INSIDE);
    const score = Math.max(0, Math.min(fine.ncc, rev.ncc));
    bestScore = Math.max(bestScore, score);
    if (rev.ncc >= MATCH_MIN_NCC) return { match: true, score: Math.min(1, score) };
  }
  return { match: false, score: Math.min(1, bestScore) };
}
