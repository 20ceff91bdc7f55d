import { contentBase, windowCodes, type HashWindow } from './codes';
import { FeatureExtractionError } from './errors';
import { decodeWorking, findContentRect, DEFAULT_LIMIT_INPUT_PIXELS, type RgbRaster } from './normalise';
import { qualityScore, type ScoreDetails } from './quality';
import { AreaSampler } from './raster';
import { encodeVerifier } from './verifier';

/** Bump when descriptor or verifier bytes change meaning: stored features of another version must be recomputed. */
export const FEATURE_VERSION = 2;
/**
 * Hamming radius on 64-bit codes. Codes have exactly 32 bits set, so distances are even and an odd radius finds
 * nothing more than the even one below it. A 2 % misalignment (of the window) flips ≈ 6 bits, unrelated photos
 * differ by ≈ 30; the window layout below keeps every targeted change within ~1.5 % of some window pair.
 */
export const CANDIDATE_RADIUS = 8;
/** Side of the central and lattice windows: leaves room for ±15 % offsets and matches a 15 %-per-edge crop's frame. */
const CORE = 0.7;
/** Probe lattice step: 4×4 probes at ±1.5 and ±4.5 % (of the frame side). */
const STEP = 0.03;
/** Anchor lattice: 2×2 at ±6 % (2·STEP), so anchor − probe offsets form an 8×8 lattice of step 3 % spanning ±10.5 %. */
const ANCHOR_OFFSET = 2 * STEP;
/** Off-centre crop probes: the 0.8 window at 3×3 offsets of ±5 % (a crop taking 0–18 % per edge independently). */
const CROP_STEP = 0.05;

function lattice(k: number, step: number, scale: number): HashWindow[] {
  const out: HashWindow[] = [];
  for (let j = 0; j < k; j++)
    for (let i = 0; i < k; i++) out.push({ cx: 0.5 + (i - (k - 1) / 2) * step, cy: 0.5 + (j - (k - 1) / 2) * step, scale });
  return out;
}

/**
 * Anchors (indexed; they are also probes) and extra probes (queried). A pair is a candidate when a probe of one is
 * within CANDIDATE_RADIUS of an anchor of the other:
 *  - photometric variants, EXIF: full frame ↔ full frame, core ↔ core;
 *  - crops and straightened rotations (one frame is 0.7–0.95 of the other): the cropped copy's full-frame anchor ↔
 *    the wider copy's 0.95 … 0.8 probes, the 0.8 ones also at ±5 % for crops that cut more from one edge;
 *  - burst frames and shifted crops (content moved by up to ~10 %): the anchor lattice (core at ±6 %) minus the
 *    probe lattice (core at ±1.5 / ±4.5 %) covers shifts on an 8×8 grid of step 3 %, so any shift within ±10.5 % is
 *    ≤ 1.5 % per axis from some anchor–probe pair, with 6 anchors instead of 64 probes (the lib's sweep cost grows
 *    with anchors × probe-table density, its memory with anchors + probes);
 *  - letterbox or pillarbox bars the trim missed (blurred or textured fills): windows spanning one axis fully;
 *  - horizontally flipped copies: the full frame and core mirrored (verifyPair also searches mirrored).
 */
export const HASH_WINDOWS: { anchors: HashWindow[]; probes: HashWindow[] } = {
  anchors: [{ cx: 0.5, cy: 0.5, scale: 1 }, { cx: 0.5, cy: 0.5, scale: CORE }, ...lattice(2, 2 * ANCHOR_OFFSET, CORE)],
  probes: [
    { cx: 0.5, cy: 0.5, scale: 1, mirror: true },
    { cx: 0.5, cy: 0.5, scale: CORE, mirror: true },
    { cx: 0.5, cy: 0.5, scale: 0.84, sy: 1 },
    { cx: 0.5, cy: 0.5, scale: 0.75, sy: 1 },
    { cx: 0.5, cy: 0.5, scale: 1, sy: 0.84 },
    { cx: 0.5, cy: 0.5, scale: 1, sy: 0.75 },
    // Scale ladder of ~5 % steps between the full frame and the 0.8 crop probes (0.7 is the core anchor).
    { cx: 0.5, cy: 0.5, scale: 0.95 },
    { cx: 0.5, cy: 0.5, scale: 0.9 },
    { cx: 0.5, cy: 0.5, scale: 0.85 },
    ...lattice(3, CROP_STEP, 0.8),
    ...lattice(4, STEP, CORE),
  ],
};

export interface ImageFeatures {
  /** pixel size after EXIF orientation */
  width: number;
  height: number;
  /** EXIF Orientation tag, 1 when absent */
  orientation: number;
  format: string;
  contentType: string;
  /** OverallQualityScore 0..1 for best-shot choice */
  score: number;
  scoreDetails: ScoreDetails;
  /** candidate-search codes, see descriptorCodes */
  descriptor: Uint8Array;
  /** pairwise verification payload, see verifyPair */
  verifier: Uint8Array;
}

const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heif: 'image/heif',
  svg: 'image/svg+xml',
  jp2: 'image/jp2',
  jxl: 'image/jxl',
};

/*
 * Descriptor layout: [FEATURE_VERSION, nAnchors, nProbes, 0] then nAnchors codes, then the probes that are not
 * anchors; each code is 8 bytes big-endian. Probes = anchors + extra windows.
 */
function encodeDescriptor(anchors: bigint[], extra: bigint[]): Uint8Array {
  const out = new Uint8Array(4 + 8 * (anchors.length + extra.length));
  out[0] = FEATURE_VERSION;
  out[1] = anchors.length;
  out[2] = anchors.length + extra.length;
  const view = new DataView(out.buffer);
  [...anchors, ...extra].forEach((c, i) => view.setBigUint64(4 + 8 * i, c));
  return out;
}

/** The codes in a descriptor: anchors (indexed) and probes (queried; they include the anchors). */
export function descriptorCodes(descriptor: Uint8Array): { anchors: BigUint64Array; probes: BigUint64Array } {
  if (descriptor.length < 4 || descriptor[0] !== FEATURE_VERSION) throw new Error('descriptor has an unknown version');
  const nA = descriptor[1];
  const nP = descriptor[2];
  if (descriptor.length !== 4 + 8 * nP || nA > nP) throw new Error('descriptor has an unexpected length');
  const view = new DataView(descriptor.buffer, descriptor.byteOffset, descriptor.byteLength);
  const probes = new BigUint64Array(nP);
  for (let i = 0; i < nP; i++) probes[i] = view.getBigUint64(4 + 8 * i);
  return { anchors: probes.slice(0, nA), probes };
}

/** The features of an image and the colour preview they were computed from (for a thumbnail, without a second decode). */
export interface ExtractedImage {
  features: ImageFeatures;
  preview: RgbRaster;
}

export async function extractFeaturesAndPreview(input: Buffer, opts?: { limitInputPixels?: number }): Promise<ExtractedImage> {
  const limit = opts?.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  const dec = await decodeWorking(input, limit);
  const content = findContentRect(dec.grey);
  if (content.x1 - content.x0 < 4 || content.y1 - content.y0 < 4) throw new FeatureExtractionError('image too small');
  // One summed-area table over the working raster serves the code base and the verifier's three levels.
  const sampler = new AreaSampler(dec.grey);
  const base = contentBase(sampler, content);
  const anchors = windowCodes(base, HASH_WINDOWS.anchors);
  const extra = windowCodes(base, HASH_WINDOWS.probes);
  const { score, details } = qualityScore(dec.grey, content, dec.width, dec.height);
  const features: ImageFeatures = {
    width: dec.width,
    height: dec.height,
    orientation: dec.orientation,
    format: dec.format,
    contentType: CONTENT_TYPES[dec.format] ?? `image/${dec.format}`,
    score,
    scoreDetails: details,
    descriptor: encodeDescriptor(anchors, extra),
    verifier: encodeVerifier(sampler, content),
  };
  return { features, preview: dec.preview };
}

export async function extractFeatures(input: Buffer, opts?: { limitInputPixels?: number }): Promise<ImageFeatures> {
  return (await extractFeaturesAndPreview(input, opts)).features;
}
