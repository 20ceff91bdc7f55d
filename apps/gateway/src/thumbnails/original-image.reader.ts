import type { FileHandle } from 'node:fs/promises';
import { ImmError } from '@simclust/contracts';
import { FileRootError, FileRoots, type OpenedFile } from '@simclust/file-roots';

/** An opened original, ready to stream; the caller closes `handle`. */
export interface OpenedOriginal {
  handle: FileHandle;
  size: number;
  modifiedMs: number;
  contentType: string;
}

/** Bytes read to recognise the format. */
const SNIFF_BYTES = 16;

/** The image type from the file's first bytes (never from its name), or undefined when it is no image format. */
export function sniffImageType(head: Uint8Array): string | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return 'image/gif';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') {
    const brand = b.toString('latin1', 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'image/avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return 'image/heic';
  }
  if (b.length >= 4 && (b.subarray(0, 4).equals(Buffer.from('II*\0', 'latin1')) || b.subarray(0, 4).equals(Buffer.from('MM\0*', 'latin1')))) return 'image/tiff';
  if (b.length >= 2 && b.toString('latin1', 0, 2) === 'BM') return 'image/bmp';
  return undefined;
}

function refused(message: string): ImmError {
  return new ImmError('AccessDenied', message);
}

/**
 * Opens the original of a `file://` image for the gallery under the indexer's rules: the real path (symlinks
 * resolved) must lie inside ALLOWED_FILE_ROOTS, the file is opened without following a link, and it must be a
 * regular file in an image format. Originals at http(s) URIs are not proxied: the gateway would become a fetcher
 * of arbitrary URLs for anyone with read access to a dataset.
 */
export class OriginalImageReader {
  private constructor(private readonly roots: FileRoots) {}

  /** Resolves the roots once; a root that does not exist admits nothing. */
  static async create(allowedRoots: readonly string[]): Promise<OriginalImageReader> {
    return new OriginalImageReader(await FileRoots.create(allowedRoots));
  }

  async open(uri: string): Promise<OpenedOriginal> {
    if (!/^file:\/\/(localhost)?\//i.test(uri)) {
      throw ImmError.notFound('original image', `${uri} (only file:// originals are served; open http(s) originals at their own address)`);
    }
    let opened: OpenedFile;
    try {
      opened = await this.roots.open(uri);
    } catch (err) {
      if (!(err instanceof FileRootError)) throw err;
      if (err.refusal === 'outside-roots' || err.refusal === 'link-outside-roots') throw refused('The original image is outside ALLOWED_FILE_ROOTS.');
      throw ImmError.notFound('original image', uri);
    }
    const { handle, stat } = opened;
    try {
      const head = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
      const contentType = sniffImageType(head.subarray(0, bytesRead));
      if (!contentType) throw ImmError.notFound('original image', `${uri} (the file is no longer an image)`);
      return { handle, size: stat.size, modifiedMs: stat.mtimeMs, contentType };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
}
