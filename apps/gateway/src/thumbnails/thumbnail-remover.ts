import { Global, Inject, Injectable, Module } from '@nestjs/common';
import type { GatewayConfig } from '@simclust/config';
import type { Logger } from '@simclust/observability';
import { CONFIG, LOGGER } from '@simclust/runtime';
import { removeThumbnail } from '@simclust/thumbnails';

/** Unlinks at a time: a deleted dataset's thousands of thumbnails go out without flooding the libuv pool. */
const PARALLEL_UNLINKS = 8;

/**
 * Removes the thumbnails of deleted files from THUMBNAIL_DIR (a deleted photo leaves no picture of itself behind).
 * Best effort after the deletion committed: a thumbnail that cannot be removed is logged and never fails the call.
 */
@Injectable()
export class ThumbnailRemover {
  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  /** Resolves once every thumbnail of `fileIds` is gone (or could not be removed); the count actually removed. */
  async remove(fileIds: readonly string[]): Promise<number> {
    let next = 0;
    let removed = 0;
    const lane = async () => {
      while (next < fileIds.length) {
        const id = fileIds[next++];
        try {
          if (await removeThumbnail(this.config.THUMBNAIL_DIR, id)) removed++;
        } catch (err) {
          this.log.warn({ err, fileId: id }, 'could not remove the thumbnail of a deleted file');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_UNLINKS, fileIds.length) }, lane));
    return removed;
  }
}

/** ThumbnailRemover for every module that deletes files. */
@Global()
@Module({ providers: [ThumbnailRemover], exports: [ThumbnailRemover] })
export class ThumbnailRemoverModule {}
