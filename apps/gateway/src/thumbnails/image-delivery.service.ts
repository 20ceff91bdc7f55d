import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { ImmError } from '@simclust/contracts';
import type { GatewayConfig } from '@simclust/config';
import { CONFIG } from '@simclust/runtime';
import { THUMBNAIL_CONTENT_TYPE, thumbnailPath } from '@simclust/thumbnails';
import { ImageAccessService, type SignedQuery } from './image-access.service';
import { OriginalImageReader } from './original-image.reader';

/** A File ObjectId: 64 hex characters. */
const FILE_ID = /^[0-9a-f]{64}$/;

export interface ImageRequest {
  projectName: string;
  datasetName: string;
  fileId: string;
  query: SignedQuery;
  ifNoneMatch?: string;
}

/** What to answer: 304 with headers only, or 200 with the bytes. */
export interface ImageAnswer {
  status: 200 | 304;
  headers: Record<string, string>;
  body?: Buffer | Readable;
}

/** Whether an If-None-Match header names this entity tag (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

function headers(contentType: string, etag: string, maxAgeSeconds: number): Record<string, string> {
  return {
    'content-type': contentType,
    // private: the bytes are only for the key the URL was signed for; never cached past the URL's life.
    'cache-control': `private, max-age=${maxAgeSeconds}`,
    etag,
    'x-content-type-options': 'nosniff',
    // An image opened on its own can run nothing, whatever its bytes claim to be.
    'content-security-policy': "default-src 'none'; sandbox",
  };
}

/** Thumbnails from THUMBNAIL_DIR and originals from ALLOWED_FILE_ROOTS, behind signed URLs. */
@Injectable()
export class ImageDeliveryService {
  constructor(
    private readonly access: ImageAccessService,
    private readonly originals: OriginalImageReader,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  async thumbnail(request: ImageRequest): Promise<ImageAnswer> {
    const { file, maxAgeSeconds } = await this.admit('thumbnail', request);
    let bytes: Buffer;
    try {
      bytes = await readFile(thumbnailPath(this.config.THUMBNAIL_DIR, file.id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw ImmError.notFound('thumbnail', `${file.uri} (not written yet: index the file again)`);
      throw err;
    }
    const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
    const answer = headers(THUMBNAIL_CONTENT_TYPE, etag, maxAgeSeconds);
    return etagMatches(request.ifNoneMatch, etag) ? { status: 304, headers: answer } : { status: 200, headers: answer, body: bytes };
  }

  async original(request: ImageRequest): Promise<ImageAnswer> {
    const { file, maxAgeSeconds } = await this.admit('image', request);
    const opened = await this.originals.open(file.uri);
    // Hashing a large original on every request would cost more than it saves: size and time stand for it.
    const etag = `W/"${opened.size.toString(36)}-${Math.floor(opened.modifiedMs).toString(36)}"`;
    const answer = { ...headers(opened.contentType, etag, maxAgeSeconds), 'content-length': String(opened.size) };
    if (etagMatches(request.ifNoneMatch, etag)) {
      await opened.handle.close();
      const { 'content-length': _omitted, ...notModified } = answer;
      return { status: 304, headers: notModified };
    }
    return { status: 200, headers: answer, body: opened.handle.createReadStream({ start: 0, autoClose: true }) };
  }

  private admit(kind: 'thumbnail' | 'image', request: ImageRequest) {
    if (!FILE_ID.test(request.fileId)) throw ImmError.notFound('file', request.fileId.slice(0, 80));
    return this.access.admit(kind, { projectName: request.projectName, datasetName: request.datasetName, fileId: request.fileId }, request.query);
  }
}
