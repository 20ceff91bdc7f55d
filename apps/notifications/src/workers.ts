import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { DeliveryAttemptJobSchema, JobNames, Queues } from '@simclust/contracts';
import type { NotificationsConfig } from '@simclust/config';
import type { Db } from '@simclust/db';
import type { Logger } from '@simclust/observability';
import { CONFIG, DB, LOGGER, REDIS } from '@simclust/runtime';
import { DeliveryService } from './delivery.service';
import { purgeExpired } from './task-purge';

type Handlers = Record<string, (job: Job) => Promise<unknown>>;

/** One handler per job name of a queue; a job of another name is a programming error, never retried. */
function dispatch(queue: string, handlers: Handlers) {
  return async (job: Job) => {
    const handler = handlers[job.name];
    if (!handler) throw new UnrecoverableError(`queue ${queue} has no handler for job ${job.name}`);
    return handler(job);
  };
}

/** The BullMQ workers: webhook attempts, and maintenance (the retention purge). */
@Injectable()
export class NotificationWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly workers: Worker[] = [];

  constructor(
    private readonly delivery: DeliveryService,
    @Inject(DB) private readonly db: Db,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: NotificationsConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.start(Queues.webhooks, this.config.WEBHOOK_CONCURRENCY, {
      [JobNames.deliverWebhook]: async (job) => {
        const parsed = DeliveryAttemptJobSchema.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`malformed ${JobNames.deliverWebhook} job ${job.id}`);
        return this.delivery.attempt(parsed.data.deliveryId, parsed.data.attempt);
      },
    });
    this.start(Queues.maintenance, 1, {
      [JobNames.purgeExpiredTasks]: async () => {
        const purged = await purgeExpired(this.db, new Date());
        if (purged.tasks || purged.deliveries) this.log.info(purged, 'purged expired tasks and deliveries');
        return purged;
      },
    });
  }

  /** Stops taking jobs and lets the ones in flight finish. */
  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
  }

  private start(queue: string, concurrency: number, handlers: Handlers): void {
    const worker = new Worker(queue, dispatch(queue, handlers), { connection: this.redis, concurrency });
    worker.on('failed', (job, err) => this.log.warn({ err, queue, jobId: job?.id, jobName: job?.name }, 'job failed'));
    worker.on('error', (err) => this.log.warn({ err, queue }, 'worker error'));
    this.workers.push(worker);
  }
}
