import { Module } from '@nestjs/common';
import { ThumbnailsModule } from '../thumbnails/thumbnails.module';
import { GalleryController } from './gallery.controller';
import { GalleryService } from './gallery.service';

@Module({
  imports: [ThumbnailsModule],
  controllers: [GalleryController],
  providers: [GalleryService],
})
export class GalleryModule {}
