import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { RuntimeModule } from '@simclust/runtime';
import { AccessKeysModule } from './access-keys/access-keys.module';
import { AuthModule } from './auth/auth.module';
import { ClusterPageCacheModule } from './clusters/cluster-page-cache';
import { HotReadsModule } from './common/hot-reads';
import { ClustersModule } from './clusters/clusters.module';
import { DatasetsModule } from './datasets/datasets.module';
import { FilesModule } from './files/files.module';
import { GalleryModule } from './gallery/gallery.module';
import { ImmExceptionFilter } from './imm/imm-exception.filter';
import { ImmModule } from './imm/imm.module';
import { ProjectsModule } from './projects/projects.module';
import { TasksApiModule } from './tasks/tasks-api.module';
import { TasksModule } from './tasks/tasks.module';
import { ThumbnailRemoverModule } from './thumbnails/thumbnail-remover';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [RuntimeModule.forApp({ app: 'gateway', uses: { redis: true, nats: true } }), ImmModule, AuthModule, AccessKeysModule, TasksModule, ThumbnailRemoverModule, ClusterPageCacheModule, HotReadsModule, ProjectsModule, DatasetsModule, ClustersModule, FilesModule, TasksApiModule, WebhooksModule, GalleryModule],
  providers: [{ provide: APP_FILTER, useClass: ImmExceptionFilter }],
})
export class AppModule {}
