import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobNames, Queues, jobIds, type DeliveryAttemptJob } from '@simclust/contracts';
import type { Logger } from '@simclust/observability';
import { LOGGER, REDIS } from '@simclust/runtime';
import type { PendingDelivery } from './deliveries.repository';

/** Jobs that fail for an unexpected reason (database down) are retried a few times; after that the reconciler re-adds them. */
const UNEXPECTED_FAILURE_RETRIES = 5;

/** The BullMQ queues of the notifications app; every job id is deterministic, so adding one twice is harmless. */
@Injectable()
export class NotificationQueues implements OnModuleDestroy {
  readonly webhooks: Queue;
  readonly maintenance: Queue;

  constructor(@Inject(REDIS) redis: Redis, @Inject(LOGGER) log: Logger) {
    this.webhooks = new Queue(Queues.webhooks, { connection: redis });
    this.maintenance = new Queue(Queues.maintenance, { connection: redis });
    // Without a listener, BullMQ prints connection errors (Redis restarting) as raw stacks on stderr.
    for (const queue of [this.webhooks, this.maintenance]) queue.on('error', (err) => log.warn({ err: err.message, queue: queue.name }, 'queue error'));
  }

  /** Schedules the next attempt of each delivery at its nextAttemptAt. */
  /**
   * Schedules one delivery's next attempt, moving a job of the same id that is already waiting at another time: the
   * reconciler may have read the row while the attempt held its lease and queued the job at the lease's end.
   */
  async scheduleNextAttempt(delivery: PendingDelivery, now = Date.now()): Promise<void> {
    await this.enqueueAttempts([delivery], now);
    const job = await this.webhooks.getJob(jobIds.delivery(delivery.id, delivery.attempts));
    const delay = Math.max(0, delivery.nextAttemptAt.getTime() - now);
    if (job && (await job.isDelayed()) && Math.abs(job.timestamp + (job.opts.delay ?? 0) - (now + delay)) > 1_000) await job.changeDelay(delay);
  }

  async enqueueAttempts(deliveries: PendingDelivery[], now = Date.now()): Promise<void> {
    if (deliveries.length === 0) return;
    await this.webhooks.addBulk(
      deliveries.map((d) => {
        const data: DeliveryAttemptJob = { deliveryId: d.id, attempt: d.attempts };
        return {
          name: JobNames.deliverWebhook,
          data,
          opts: {
            jobId: jobIds.delivery(d.id, d.attempts),
            delay: Math.max(0, d.nextAttemptAt.getTime() - now),
            attempts: UNEXPECTED_FAILURE_RETRIES,
            backoff: { type: 'exponential', delay: 2_000 },
            removeOnComplete: true,
            removeOnFail: true,
          },
        };
      }),
    );
  }

  /** Registers the repeatable purge unless Redis already holds it (it is lost when Redis loses its data). */
  async ensurePurgeScheduled(everyMs: number): Promise<void> {
    const existing = await this.maintenance.getJobScheduler(JobNames.purgeExpiredTasks);
    if (existing?.every === everyMs) return;
    await this.maintenance.upsertJobScheduler(
      JobNames.purgeExpiredTasks,
      { every: everyMs },
      { name: JobNames.purgeExpiredTasks, data: {}, opts: { removeOnComplete: true, removeOnFail: 50 } },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([this.webhooks.close(), this.maintenance.close()]);
  }
}
