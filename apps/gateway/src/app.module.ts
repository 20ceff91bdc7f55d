import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { RuntimeModule } from '@simclust/runtime';
import { ClustersModule } from './clusters/clusters.module';
import { DatasetsModule } from './datasets/datasets.module';
import { FilesModule } from './files/files.module';
import { ImmExceptionFilter } from './imm/imm-exception.filter';
import { ImmModule } from './imm/imm.module';
import { ProjectsModule } from './projects/projects.module';
import { TasksApiModule } from './tasks/tasks-api.module';
import { TasksModule } from './tasks/tasks.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [RuntimeModule.forApp({ app: 'gateway', uses: { redis: true, nats: true } }), ImmModule, TasksModule, ProjectsModule, DatasetsModule, ClustersModule, FilesModule, TasksApiModule, WebhooksModule],
  providers: [{ provide: APP_FILTER, useClass: ImmExceptionFilter }],
})
export class AppModule {}
