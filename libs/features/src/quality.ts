import type { Grey, Rect } from './raster';

export interface ScoreDetails {
  /** 0..1, Laplacian energy relative to the frame's contrast */
  Sharpness: number;
  /** 0..1, penalises clipped shadows/highlights and a mean far from mid-grey */
  Exposure: number;
  /** 0..1, megapixels, saturating */
  Resolution: number;
}

/** Laplacian std / grey std at which Sharpness reaches 1 − 1/e: crisp photos at the working size measure ≈ 0.6–1.2, so this keeps them apart instead of saturating. */
export const SHARPNESS_REF = 1.0;
/** Grey levels at or beyond these count as clipped (8-bit). */
export const CLIP_LOW = 4;
export const CLIP_HIGH = 251;
/** A clipped share of this much costs all of the clipping part of Exposure. */
export const CLIP_FULL_PENALTY = 0.25;
/** Megapixels at which Resolution reaches 1 − 1/e: phone/camera photos (≥ 8 MP) approach 1, thumbnails stay low. */
export const RESOLUTION_REF_MP = 3;
/** Weights of the parts in the overall score: sharpness decides among burst frames, the rest breaks ties. */
export const SCORE_WEIGHTS = { Sharpness: 0.5, Exposure: 0.3, Resolution: 0.2 } as const;

export function qualityScore(g: Grey, content: Rect, width: number, height: number): { score: number; details: ScoreDetails } {
  const x0 = Math.ceil(content.x0);
  const y0 = Math.ceil(content.y0);
  const x1 = Math.floor(content.x1);
  const y1 = Math.floor(content.y1);
  const W = g.width;
  const d = g.data;
  let n = 0;
  let s = 0;
  let s2 = 0;
  let clipped = 0;
  let ln = 0;
  let ls = 0;
  let ls2 = 0;
  for (let y = y0; y < y1; y++) {
    const row = y * W;
    for (let x = x0; x < x1; x++) {
      const v = d[row + x];
      s += v;
      s2 += v * v;
      if (v <= CLIP_LOW || v >= CLIP_HIGH) clipped++;
    }
    n += x1 - x0;
    if (y === y0 || y === y1 - 1) continue;
    // Laplacian over the interior of the content rectangle.
    for (let x = x0 + 1; x < x1 - 1; x++) {
      const k = row + x;
      const lap = d[k - 1] + d[k + 1] + d[k - W] + d[k + W] - 4 * d[k];
      ls += lap;
      ls2 += lap * lap;
    }
    ln += Math.max(0, x1 - x0 - 2);
  }
  const mean = n ? s / n : 0;
  const std = n ? Math.sqrt(Math.max(0, s2 / n - mean * mean)) : 0;
  const lapStd = ln ? Math.sqrt(Math.max(0, ls2 / ln - (ls / ln) ** 2)) : 0;
  // +4 grey levels keeps flat frames (fog, a white wall) from dividing noise by ~0.
  const Sharpness = 1 - Math.exp(-lapStd / (std + 4) / SHARPNESS_REF);
  const clipPart = 1 - Math.min(1, (n ? clipped / n : 0) / CLIP_FULL_PENALTY);
  const meanPart = 1 - Math.min(1, Math.abs(mean - 118) / 118);
  const Exposure = 0.6 * clipPart + 0.4 * meanPart;
  const Resolution = 1 - Math.exp(-(width * height) / 1e6 / RESOLUTION_REF_MP);
  const details = { Sharpness, Exposure, Resolution };
  const score = SCORE_WEIGHTS.Sharpness * Sharpness + SCORE_WEIGHTS.Exposure * Exposure + SCORE_WEIGHTS.Resolution * Resolution;
  return { score, details };
}
