import sharp from 'sharp';
import { FeatureExtractionError } from './errors';
import { AreaSampler, type Grey, type Rect } from './raster';

// Process-wide, once: this lib decodes each file exactly once, so libvips' operation cache only costs memory.
sharp.cache(false);

/** Default decode limit: larger inputs are refused before any pixel is decoded (decompression bombs). */
export const DEFAULT_LIMIT_INPUT_PIXELS = 100_000_000;
/** Long side of the working grey raster all features are computed on: blur of ~1 px per 1000 px is still measurable. */
export const WORK_SIZE = 192;
/**
 * JPEG working size floor: between this and WORK_SIZE a JPEG's working raster has long side / 8 (the scale its
 * codes, verifier levels and sharpness were calibrated at). Codes (64 px base) and the verifier (≤ 64 px levels) do
 * not depend on it.
 */
export const MIN_WORK_SIZE = 128;
/**
 * Long side of the one colour decode (shrink-on-load, never enlarged): the working raster is cut from it, and it is
 * returned as the preview a caller can encode as a thumbnail, so nobody decodes the file a second time.
 */
export const PREVIEW_LONG_SIDE = 320;
/** A row/column whose grey standard deviation is below this (0..255) counts as a uniform bar. */
export const BAR_UNIFORM_STD = 3.5;
/** A bar row's mean may differ this much from the outermost row's mean: bars are one colour. */
export const BAR_MEAN_TOLERANCE = 8;
/** A row whose mean neighbour difference is below this share of the median content row counts as a blurred fill. */
export const BAR_BLUR_ACTIVITY_RATIO = 0.12;
/** Bars thinner than this share of the side are left alone: too small to hurt, too risky to guess. */
export const BAR_MIN_FRACTION = 0.03;
/** At least this share of each side must remain after trimming (a trimmed frame is never a sliver). */
export const TRIM_MIN_KEEP = 0.45;

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);

/** An 8-bit sRGB raster, rows top to bottom, `channels` bytes per pixel. */
export interface RgbRaster {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

export interface Decoded {
  grey: Grey;
  /** the upright, flattened colour decode the grey raster was cut from (≤ PREVIEW_LONG_SIDE, never enlarged) */
  preview: RgbRaster;
  width: number;
  height: number;
  orientation: number;
  format: string;
}

// ISO-BMFF 'ftyp' with HEVC-coded brands: libvips from npm only decodes AVIF in that container.
function isHeic(input: Buffer): boolean {
  if (input.length < 16 || input.toString('latin1', 4, 8) !== 'ftyp') return false;
  const major = input.toString('latin1', 8, 12);
  const boxLen = Math.min(input.readUInt32BE(0), input.length, 64);
  const brands = [major];
  for (let o = 16; o + 4 <= boxLen; o += 4) brands.push(input.toString('latin1', o, o + 4));
  if (brands.includes('avif') || brands.includes('avis')) return false;
  return brands.some((b) => HEIF_BRANDS.has(b));
}

function mapSharpError(err: unknown, limit: number): FeatureExtractionError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) return new FeatureExtractionError(`image exceeds pixel limit (${limit} px)`, { cause: err });
  if (/premature end|truncated|unexpected end|not enough data|short read|EOF/i.test(msg))
    return new FeatureExtractionError('truncated image', { cause: err });
  if (/unsupported image format/i.test(msg)) return new FeatureExtractionError('unsupported image format', { cause: err });
  if (/heif|heic/i.test(msg)) return new FeatureExtractionError('HEIC/HEIF images are not supported by this build', { cause: err });
  return new FeatureExtractionError(`corrupt image (${msg.split('\n')[0].slice(0, 120)})`, { cause: err });
}

// Linear light in fixed point: LINEAR_STEPS + 1 levels, scaled by 2^LINEAR_SHIFT so the weighted sum needs no rounding.
const LINEAR_STEPS = 4095;
const LINEAR_SHIFT = 4;
function toLinear(v: number): number {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}
// Per channel: sRGB-encoded 8-bit value → its Rec. 709 share of linear luminance, fixed point.
const LUMA = [0.2126, 0.7152, 0.0722].map((w) => Int32Array.from({ length: 256 }, (_, v) => Math.round(w * toLinear(v) * LINEAR_STEPS * (1 << LINEAR_SHIFT))));
// Linear luminance level → sRGB-encoded 0..255.
const FROM_LINEAR = Float32Array.from({ length: LINEAR_STEPS + 1 }, (_, i) => {
  const c = i / LINEAR_STEPS;
  return 255 * (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
});

/** Grey as libvips' `b-w` computes it: Rec. 709 luminance in linear light, encoded back with the sRGB curve. */
export function rgbToGrey(rgb: RgbRaster): Grey {
  const { data, width, height } = rgb;
  const [r, g, b] = LUMA;
  const out = new Float32Array(width * height);
  const half = 1 << (LINEAR_SHIFT - 1);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = FROM_LINEAR[(r[data[j]] + g[data[j + 1]] + b[data[j + 2]] + half) >> LINEAR_SHIFT];
  return { width, height, data: out };
}

/** Width and height of `width`×`height` fitted inside a `side`² square, as sharp's `fit: 'inside'` rounds them. */
function fitInside(width: number, height: number, side: number): [number, number] {
  const k = side / Math.max(width, height);
  return [Math.max(1, Math.round(width * k)), Math.max(1, Math.round(height * k))];
}

/**
 * Decodes once, shrink-on-load straight to a ≤ PREVIEW_LONG_SIDE colour raster, upright per EXIF, alpha flattened
 * onto white; the working grey raster (≤ WORK_SIZE) is area-resampled from it.
 */
export async function decodeWorking(input: Buffer, limitInputPixels: number): Promise<Decoded> {
  if (input.length === 0) throw new FeatureExtractionError('empty file');
  if (isHeic(input)) throw new FeatureExtractionError('HEIC/HEIF images are not supported by this build');
  // 'truncated' fails only on a cut-off file; lesser warnings (odd EXIF, extra bytes) still decode.
  const options: sharp.SharpOptions = { failOn: 'truncated', limitInputPixels, autoOrient: true, sequentialRead: true };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, options).metadata();
  } catch (err) {
    throw mapSharpError(err, limitInputPixels);
  }
  const format = meta.format ?? 'unknown';
  if (format === 'heif' && meta.compression === 'hevc')
    throw new FeatureExtractionError('HEIC/HEIF images are not supported by this build');
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new FeatureExtractionError('unsupported image format');
  if (width * height > limitInputPixels)
    throw new FeatureExtractionError(`image exceeds pixel limit (${limitInputPixels} px)`);
  const size = format === 'jpeg' ? Math.max(MIN_WORK_SIZE, Math.min(WORK_SIZE, Math.floor(Math.max(width, height) / 8))) : WORK_SIZE;
  let preview: RgbRaster;
  try {
    let pipeline = sharp(input, options);
    if (meta.hasAlpha) pipeline = pipeline.flatten({ background: '#ffffff' });
    // Any source (grey, CMYK, 16-bit) comes out as 8-bit sRGB, 3 bands.
    const { data, info } = await pipeline
      .resize(PREVIEW_LONG_SIDE, PREVIEW_LONG_SIDE, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new FeatureExtractionError(`unsupported image format (${info.channels} bands)`);
    preview = { data, width: info.width, height: info.height, channels: 3 };
  } catch (err) {
    throw err instanceof FeatureExtractionError ? err : mapSharpError(err, limitInputPixels);
  }
  const [gw, gh] = fitInside(preview.width, preview.height, size);
  const grey = new AreaSampler(rgbToGrey(preview)).sample({ x0: 0, y0: 0, x1: preview.width, y1: preview.height }, gw, gh);
  return { grey, preview, width, height, orientation: meta.orientation ?? 1, format };
}

interface LineStats {
  mean: Float32Array;
  std: Float32Array;
  activity: Float32Array;
}

// Per line (row when byRows, else column): mean, standard deviation and mean absolute neighbour difference along it.
function lineStats(g: Grey, byRows: boolean): LineStats {
  const n = byRows ? g.height : g.width;
  const len = byRows ? g.width : g.height;
  const step = byRows ? 1 : g.width;
  const mean = new Float32Array(n);
  const std = new Float32Array(n);
  const activity = new Float32Array(n);
  for (let l = 0; l < n; l++) {
    const base = byRows ? l * g.width : l;
    let s = 0;
    let s2 = 0;
    let act = 0;
    let prev = g.data[base];
    for (let k = 0; k < len; k++) {
      const v = g.data[base + k * step];
      s += v;
      s2 += v * v;
      act += Math.abs(v - prev);
      prev = v;
    }
    const m = s / len;
    mean[l] = m;
    std[l] = Math.sqrt(Math.max(0, s2 / len - m * m));
    activity[l] = act / Math.max(1, len - 1);
  }
  return { mean, std, activity };
}

function median(values: Float32Array): number {
  const sorted = Float32Array.from(values).sort();
  return sorted.length ? sorted[sorted.length >> 1] : 0;
}

// Length of the bar starting at `from` moving by `dir`: lines that are uniform in the bar colour or blurred fill.
function barLength(s: LineStats, from: number, dir: number, blurLimit: number, maxLen: number): number {
  const edgeMean = s.mean[from];
  let n = 0;
  for (let l = from; n < maxLen; l += dir, n++) {
    const uniform = s.std[l] < BAR_UNIFORM_STD && Math.abs(s.mean[l] - edgeMean) < BAR_MEAN_TOLERANCE;
    const blurred = s.activity[l] < blurLimit;
    if (!uniform && !blurred) break;
  }
  return n;
}

/**
 * Conservative letterbox/pillarbox detection: both opposite bars must be present and at least
 * BAR_MIN_FRACTION thick; the thinner one is trimmed on both sides (a sky merging into one bar cannot widen the cut).
 */
export function findContentRect(g: Grey): Rect {
  const rect: Rect = { x0: 0, y0: 0, x1: g.width, y1: g.height };
  for (const byRows of [true, false]) {
    const s = lineStats(g, byRows);
    const n = s.mean.length;
    const central = s.activity.subarray(Math.floor(n * 0.3), Math.ceil(n * 0.7));
    const blurLimit = median(central) * BAR_BLUR_ACTIVITY_RATIO;
    const maxLen = Math.floor((n * (1 - TRIM_MIN_KEEP)) / 2);
    const a = barLength(s, 0, 1, blurLimit, maxLen);
    const b = barLength(s, n - 1, -1, blurLimit, maxLen);
    const bar = Math.min(a, b);
    if (bar < Math.max(2, n * BAR_MIN_FRACTION)) continue;
    if (byRows) {
      rect.y0 = bar;
      rect.y1 = n - bar;
    } else {
      rect.x0 = bar;
      rect.x1 = n - bar;
    }
  }
  return rect;
}
