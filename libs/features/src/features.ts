import { windowCode, type HashWindow } from './codes';
import { FeatureExtractionError } from './errors';
import { decodeWorking, findContentRect, DEFAULT_LIMIT_INPUT_PIXELS } from './normalise';
import { qualityScore, type ScoreDetails } from './quality';
import { encodeVerifier } from './verifier';

/** Bump when descriptor or verifier bytes change meaning: stored features of another version must be recomputed. */
export const FEATURE_VERSION = 1;
/** Hamming radius on 64-bit codes: a 2–3 % misalignment flips ≈ 7 bits, unrelated photos differ by ≈ 30. */
export const CANDIDATE_RADIUS = 10;
/** Central window kept as the second anchor: it survives burst shifts that change the full frame; a large core keeps a shift small relative to the window (0.8 measured better than 0.6/0.7). */
const CORE = 0.8;
/** Burst probes: the core window shifted diagonally by this share of the frame, so frames ~7 % apart still meet an anchor. */
const SHIFT = 0.05;

/** Anchors first (they are also probes), then windows that a cropped, zoomed or shifted copy's anchors resemble. */
export const HASH_WINDOWS: { anchors: HashWindow[]; probes: HashWindow[] } = {
  anchors: [
    { cx: 0.5, cy: 0.5, scale: 1 },
    { cx: 0.5, cy: 0.5, scale: CORE },
  ],
  probes: [
    { cx: 0.5, cy: 0.5, scale: 0.9 },
    { cx: 0.5, cy: 0.5, scale: 0.7 },
    { cx: 0.5 - SHIFT, cy: 0.5 - SHIFT, scale: CORE },
    { cx: 0.5 + SHIFT, cy: 0.5 - SHIFT, scale: CORE },
    { cx: 0.5 - SHIFT, cy: 0.5 + SHIFT, scale: CORE },
    { cx: 0.5 + SHIFT, cy: 0.5 + SHIFT, scale: CORE },
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

export async function extractFeatures(input: Buffer, opts?: { limitInputPixels?: number }): Promise<ImageFeatures> {
  const limit = opts?.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  const dec = await decodeWorking(input, limit);
  const content = findContentRect(dec.grey);
  if (content.x1 - content.x0 < 4 || content.y1 - content.y0 < 4) throw new FeatureExtractionError('image too small');
  const anchors = HASH_WINDOWS.anchors.map((w) => windowCode(dec.grey, content, w));
  const extra = HASH_WINDOWS.probes.map((w) => windowCode(dec.grey, content, w));
  const { score, details } = qualityScore(dec.grey, content, dec.width, dec.height);
  return {
    width: dec.width,
    height: dec.height,
    orientation: dec.orientation,
    format: dec.format,
    contentType: CONTENT_TYPES[dec.format] ?? `image/${dec.format}`,
    score,
    scoreDetails: details,
    descriptor: encodeDescriptor(anchors, extra),
    verifier: encodeVerifier(dec.grey, content),
  };
}
