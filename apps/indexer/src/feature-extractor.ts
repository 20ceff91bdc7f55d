import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { IndexerConfig } from '@simclust/config';
import { FEATURE_VERSION } from '@simclust/features';
import { CONFIG } from '@simclust/runtime';
import { InProcessExtractionPool, ThreadExtractionPool, extractionThreadScript, type ExtractionPool } from './extraction-pool';
import type { ExtractionResult } from './file-extraction';

/** Requests each extraction thread works on at once. */
export const FILES_PER_THREAD = 2;

/**
 * Hashing and sharp-based feature extraction behind a seam, off the event loop: on INDEXER_THREADS worker threads
 * when the app runs compiled, on the calling thread when it runs from TypeScript sources (tests).
 */
@Injectable()
export class FeatureExtractor implements OnModuleDestroy {
  readonly version = FEATURE_VERSION;
  readonly threads: number;
  private readonly pool: ExtractionPool;

  constructor(@Inject(CONFIG) private readonly config: IndexerConfig) {
    this.threads = config.INDEXER_THREADS;
    this.pool = extractionThreadScript() ? new ThreadExtractionPool({ threads: this.threads, perThread: FILES_PER_THREAD }) : new InProcessExtractionPool();
  }

  /**
   * The file's sha256 and, unless it equals `indexedHash` (the bytes whose features are stored), its features or
   * why it has none; newly extracted files also get their thumbnail under `thumbnailKey`. The bytes may be moved
   * to a thread: the caller must not use them afterwards.
   */
  extract(bytes: Buffer, indexedHash: string | undefined, thumbnailKey?: string): Promise<ExtractionResult> {
    const thumbnail = thumbnailKey ? { dir: this.config.THUMBNAIL_DIR, key: thumbnailKey } : undefined;
    return this.pool.run({ bytes, limitInputPixels: this.config.INDEXER_MAX_INPUT_PIXELS, indexedHash, thumbnail });
  }

  onModuleDestroy(): Promise<void> {
    return this.pool.close();
  }
}
