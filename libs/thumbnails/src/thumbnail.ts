import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** Long side of a thumbnail in pixels: sharp enough for a gallery row on a high-density screen. */
export const THUMBNAIL_LONG_SIDE = 320;
/** WebP quality: thumbnails of photos land around 10 KB (2–20 KB on the DEV bench). */
export const THUMBNAIL_QUALITY = 75;
/** libvips' fastest WebP effort: a 320 px thumbnail costs ~14 ms of CPU instead of ~25 ms at the default, for a few % more bytes. */
export const THUMBNAIL_EFFORT = 0;
export const THUMBNAIL_CONTENT_TYPE = 'image/webp';
/** Default decode limit, the same as sharp's: larger inputs are refused before any pixel is decoded. */
export const DEFAULT_LIMIT_INPUT_PIXELS = 268_402_689;

/** A key names one thumbnail; the File ObjectId (64 hex characters) in practice. */
const KEY = /^[A-Za-z0-9_-]{4,128}$/;

export class ThumbnailKeyError extends Error {}

export interface WrittenThumbnail {
  path: string;
  width: number;
  height: number;
  bytes: number;
}

export interface ThumbnailOptions {
  limitInputPixels?: number;
}

/** Decoded 8-bit pixels, rows top to bottom, already upright and without alpha (e.g. a feature extractor's preview). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** An encoded image file, or pixels someone already decoded (then nothing is decoded again). */
export type ThumbnailSource = Buffer | RawImage;

function checkedKey(key: string): string {
  if (!KEY.test(key)) throw new ThumbnailKeyError(`a thumbnail key must be 4-128 letters, digits, _ or -, not ${JSON.stringify(key.slice(0, 40))}`);
  return key;
}

/**
 * Where the thumbnail of `key` lives: two shard levels from the key's first four characters, so no directory
 * holds more than a few thousand files even for millions of images.
 */
export function thumbnailPath(dir: string, key: string): string {
  const k = checkedKey(key);
  return join(dir, k.slice(0, 2), k.slice(2, 4), `${k}.webp`);
}

/** Encodes a WebP thumbnail: upright per EXIF, at most THUMBNAIL_LONG_SIDE on its long side, alpha flattened onto white. */
export async function renderThumbnail(source: ThumbnailSource, options: ThumbnailOptions = {}): Promise<{ data: Buffer; width: number; height: number }> {
  const image = Buffer.isBuffer(source)
    ? // 'truncated' as in feature extraction: a cut-off file fails, lesser warnings (odd EXIF) still decode.
      sharp(source, { failOn: 'truncated', limitInputPixels: options.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS, autoOrient: true })
    : sharp(source.data, { raw: { width: source.width, height: source.height, channels: source.channels } });
  const { data, info } = await image
    .resize(THUMBNAIL_LONG_SIDE, THUMBNAIL_LONG_SIDE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .webp({ quality: THUMBNAIL_QUALITY, effort: THUMBNAIL_EFFORT })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Writes the thumbnail of `source` for `key` under `dir`, atomically: readers see the previous thumbnail or the new
 * one, never a partial file (a temporary file in the same directory, then rename).
 */
export async function writeThumbnail(source: ThumbnailSource, dir: string, key: string, options: ThumbnailOptions = {}): Promise<WrittenThumbnail> {
  const path = thumbnailPath(dir, key);
  const { data, width, height } = await renderThumbnail(source, options);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  return { path, width, height, bytes: data.length };
}

/** Removes the thumbnail of `key`; true when there was one. */
export async function removeThumbnail(dir: string, key: string): Promise<boolean> {
  const path = thumbnailPath(dir, key);
  try {
    await rm(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
