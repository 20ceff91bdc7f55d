import { createHash } from 'node:crypto';
import { extractFeaturesAndPreview, type ImageFeatures } from '@simclust/features';
import { writeFileThumbnail, type ThumbnailTarget } from './file-thumbnail';

/** One file's bytes to hash and, unless they are the ones already indexed, to turn into features. */
export interface ExtractionRequest {
  bytes: Uint8Array;
  limitInputPixels: number;
  /** sha256 of the bytes whose features are stored at the current version: equal bytes skip extraction. */
  indexedHash?: string;
  /** Where the thumbnail goes once features are extracted; none is written without it. */
  thumbnail?: ThumbnailTarget;
}

export type ExtractionResult =
  | { kind: 'unchanged'; fileHash: string }
  /** `thumbnailError`: why the thumbnail could not be written (the file is indexed all the same). */
  | { kind: 'extracted'; fileHash: string; features: ImageFeatures; thumbnailError?: string }
  /** `reason` is a finished Reason sentence ("Truncated image."). */
  | { kind: 'failed'; fileHash: string; reason: string };

/**
 * The work of one file, wherever it runs (an extraction thread or the calling thread): hash, skip an unchanged
 * file, extract. Only plain data goes in and out, so a thread can take and return it as it is.
 */
export async function extractFile(request: ExtractionRequest): Promise<ExtractionResult> {
  const fileHash = createHash('sha256').update(request.bytes).digest('hex');
  if (request.indexedHash === fileHash) return { kind: 'unchanged', fileHash };
  // sharp takes a Buffer; this one shares the request's memory.
  const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  try {
    const { features, preview } = await extractFeaturesAndPreview(bytes, { limitInputPixels: request.limitInputPixels });
    return { kind: 'extracted', fileHash, features, thumbnailError: await writeFileThumbnail(request.thumbnail, preview) };
  } catch (err) {
    return { kind: 'failed', fileHash, reason: failureReason(err, bytes) };
  }
}

/**
 * FeatureExtractionError carries a user-facing reason; anything else from the decoder is described as it is.
 * libvips keeps one error buffer per process, so when several decodes fail at once a cut-off file can come back
 * as a corrupt image with another file's message, or none: the file's own end settles that case.
 */
export function failureReason(err: unknown, bytes: Uint8Array): string {
  const reason = (err as { reason?: unknown } | undefined)?.reason;
  let text = typeof reason === 'string' && reason ? reason : `The image cannot be decoded (${err instanceof Error ? err.message : String(err)})`;
  if (/^corrupt image\b/i.test(text) && endsEarly(bytes)) text = 'truncated image';
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The IEND chunk that closes every PNG: zero length, type, CRC. */
const PNG_END = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/** A JPEG without its EOI marker at the end (zero padding aside) or a PNG without its IEND chunk: the file was cut off. */
export function endsEarly(bytes: Uint8Array): boolean {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    let end = bytes.length;
    while (end > 2 && bytes[end - 1] === 0x00) end--;
    return !(bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9);
  }
  if (bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const tail = bytes.length - PNG_END.length;
    return tail < PNG_SIGNATURE.length || !PNG_END.every((b, i) => bytes[tail + i] === b);
  }
  return false;
}
