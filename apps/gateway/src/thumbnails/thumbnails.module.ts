import { Module } from '@nestjs/common';
import type { GatewayConfig } from '@simclust/config';
import { CONFIG } from '@simclust/runtime';
import { AccessKeysModule } from '../access-keys/access-keys.module';
import { DatasetsModule } from '../datasets/datasets.module';
import { ImageAccessService } from './image-access.service';
import { ImageDeliveryService } from './image-delivery.service';
import { ImageFilesRepository } from './image-files.repository';
import { OriginalImageReader } from './original-image.reader';
import { ThumbnailsController } from './thumbnails.controller';

/** Thumbnails and originals of indexed files, served to holders of signed URLs. */
@Module({
  imports: [AccessKeysModule, DatasetsModule],
  controllers: [ThumbnailsController],
  providers: [
    ImageFilesRepository,
    ImageAccessService,
    ImageDeliveryService,
    { provide: OriginalImageReader, inject: [CONFIG], useFactory: (config: GatewayConfig) => OriginalImageReader.create(config.ALLOWED_FILE_ROOTS) },
  ],
  exports: [ImageAccessService],
})
export class ThumbnailsModule {}
