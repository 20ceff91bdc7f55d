import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClusteringWorkerConfig } from '@simclust/config';
import { Queues, queuePrefix } from '@simclust/contracts';
import { CONFIG, REDIS, RuntimeModule, TaskLifecycle } from '@simclust/runtime';
import { CLUSTER_QUEUE, ClusterCommandHandler } from './clustering/cluster-command.handler';
import { ClusterJobProcessor } from './clustering/cluster-job.processor';
import { ClusteringRunService } from './clustering/clustering-run.service';
import { ClusteringStateRepository } from './clustering/clustering-state.repository';
import { DatasetRunLock } from './clustering/dataset-run-lock';

@Module({
  imports: [RuntimeModule.forApp({ app: 'clustering-worker', uses: { redis: true, nats: true } })],
  controllers: [ClusterCommandHandler],
  providers: [
    {
      provide: CLUSTER_QUEUE,
      inject: [REDIS, CONFIG],
      useFactory: (redis: Redis, config: ClusteringWorkerConfig) =>
        new Queue(Queues.clustering, { connection: redis, prefix: queuePrefix(config.SIMCLUST_REGION, config.SIMCLUST_ACCOUNT) }),
    },
    TaskLifecycle,
    ClusteringStateRepository,
    ClusteringRunService,
    DatasetRunLock,
    ClusterJobProcessor,
  ],
})
export class AppModule implements OnModuleDestroy {
  constructor(@Inject(CLUSTER_QUEUE) private readonly queue: Queue) {}

  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }
}
