import { Module } from '@nestjs/common';
import type { IndexerConfig } from '@simclust/config';
import { CONFIG, RuntimeModule, TaskLifecycle } from '@simclust/runtime';
import { FeatureExtractor } from './feature-extractor';
import { FileFetcher } from './file-fetcher';
import { FileRecordWriter } from './file-record-writer';
import { FileRecordsRepository } from './file-records.repository';
import { IndexCommandHandler } from './index-command.handler';
import { IndexingService } from './indexing.service';

@Module({
  imports: [RuntimeModule.forApp({ app: 'indexer', uses: { nats: true } })],
  controllers: [IndexCommandHandler],
  providers: [
    {
      provide: FileFetcher,
      inject: [CONFIG],
      useFactory: (config: IndexerConfig) =>
        FileFetcher.create({
          allowedRoots: config.ALLOWED_FILE_ROOTS,
          allowPrivateNetwork: config.ALLOW_PRIVATE_NETWORK,
          maxBytes: config.FETCH_MAX_BYTES,
          timeoutMs: config.FETCH_TIMEOUT_MS,
        }),
    },
    FeatureExtractor,
    FileRecordsRepository,
    FileRecordWriter,
    IndexingService,
    TaskLifecycle,
  ],
})
export class AppModule {}
