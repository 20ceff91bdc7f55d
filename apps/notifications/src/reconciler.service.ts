import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { NotificationsConfig } from '@simclust/config';
import type { Logger } from '@simclust/observability';
import { CONFIG, LOGGER, PeriodicPass, TaskLifecycle } from '@simclust/runtime';
import { DeliveriesRepository } from './deliveries.repository';
import { NotificationQueues } from './queues';

const BATCH = 500;
/** A task that ended this recently may still be publishing its own event. */
const PUBLISH_GRACE_MS = 10_000;

export interface ReconcileResult {
  enqueued: number;
  republished: number;
}

/**
 * Postgres is the source of truth for pending work: on start and on a timer (a timer, not a Redis job, so it also
 * runs after Redis lost its data) every pending delivery is enqueued again under its deterministic job id, finished
 * tasks whose event never reached the bus are republished, and the repeatable purge is registered again if missing.
 */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly periodic: PeriodicPass<ReconcileResult>;

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly queues: NotificationQueues,
    private readonly lifecycle: TaskLifecycle,
    @Inject(CONFIG) private readonly config: NotificationsConfig,
    @Inject(LOGGER) log: Logger,
  ) {
    this.periodic = new PeriodicPass('reconciliation', () => this.reconcile(), (r) => r.republished > 0 && log.info(r, 'republished task events'), log);
  }

  onApplicationBootstrap(): void {
    this.periodic.start(this.config.WEBHOOK_RECONCILE_INTERVAL_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  async reconcile(now = new Date()): Promise<ReconcileResult> {
    await this.queues.ensurePurgeScheduled(this.config.TASK_PURGE_INTERVAL_MS);
    let enqueued = 0;
    for (let afterId: string | undefined; ; ) {
      const batch = await this.deliveries.pendingAfter(afterId, BATCH);
      await this.queues.enqueueAttempts(batch, now.getTime());
      enqueued += batch.length;
      if (batch.length < BATCH) break;
      afterId = batch[batch.length - 1].id;
    }
    let republished = 0;
    for (const taskId of await this.deliveries.unpublishedTaskIds(new Date(now.getTime() - PUBLISH_GRACE_MS), BATCH)) {
      if (await this.lifecycle.publishEvent(taskId)) republished++;
    }
    return { enqueued, republished };
  }

}
