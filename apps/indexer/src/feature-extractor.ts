import { Inject, Injectable } from '@nestjs/common';
import type { IndexerConfig } from '@simclust/config';
import { FEATURE_VERSION, extractFeatures, type ImageFeatures } from '@simclust/features';
import { CONFIG } from '@simclust/runtime';

/** The sharp-based feature extraction behind a seam, with the configured decompression-bomb limit. */
@Injectable()
export class FeatureExtractor {
  readonly version = FEATURE_VERSION;

  constructor(@Inject(CONFIG) private readonly config: IndexerConfig) {}

  extract(bytes: Buffer): Promise<ImageFeatures> {
    return extractFeatures(bytes, { limitInputPixels: this.config.INDEXER_MAX_INPUT_PIXELS });
  }
}
