import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Queues, queuePrefix } from '@simclust/contracts';
import type { ClusteringWorkerConfig } from '@simclust/config';
import type { Logger } from '@simclust/observability';
import { CONFIG, LOGGER, REDIS, RuntimeModule, TaskLifecycle } from '@simclust/runtime';
import { CLUSTER_QUEUE, ClusterCommandHandler } from './clustering/cluster-command.handler';
import { ClusterJobProcessor } from './clustering/cluster-job.processor';
import { ClusteringRunService } from './clustering/clustering-run.service';
import { ClusteringStateRepository } from './clustering/clustering-state.repository';
import { DatasetRunLock, RUN_LOCK_TTL, RUN_LOCK_TTL_MS } from './clustering/dataset-run-lock';
import { ReconcilerRepository } from './reconciliation/reconciler.repository';
import { ClusteringReconciler } from './reconciliation/reconciler.service';

@Module({
  imports: [RuntimeModule.forApp({ app: 'clustering-worker', uses: { redis: true, nats: true } })],
  controllers: [ClusterCommandHandler],
  providers: [
    {
      provide: CLUSTER_QUEUE,
      inject: [REDIS, LOGGER, CONFIG],
      // Without a listener, BullMQ prints connection errors (Redis restarting) as raw stacks on stderr.
      useFactory: (redis: Redis, log: Logger, config: ClusteringWorkerConfig) =>
        new Queue(Queues.clustering, { connection: redis, prefix: queuePrefix(config.SIMCLUST_REGION, config.SIMCLUST_ACCOUNT) }).on('error', (err) => log.warn({ err: err.message }, 'clustering queue error')),
    },
    TaskLifecycle,
    ClusteringStateRepository,
    ClusteringRunService,
    // A dead worker's dataset lock expires no later than its job lock lets the job be taken over.
    { provide: RUN_LOCK_TTL, inject: [CONFIG], useFactory: (c: ClusteringWorkerConfig) => Math.min(RUN_LOCK_TTL_MS, Math.floor(c.CLUSTERING_JOB_LOCK_MS / 2)) },
    DatasetRunLock,
    ClusterJobProcessor,
    ReconcilerRepository,
    ClusteringReconciler,
  ],
})
export class AppModule implements OnModuleDestroy {
  constructor(@Inject(CLUSTER_QUEUE) private readonly queue: Queue) {}

  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }
}
