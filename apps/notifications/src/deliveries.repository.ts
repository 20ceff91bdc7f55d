import { Inject, Injectable } from '@nestjs/common';
import { TASK_WEBHOOK_TARGET, TaskStatuses, endpointTakes, newDeliveryId, newResourceId, type Subjects } from '@simclust/contracts';
import { DeliveryStatus, type Db, type WebhookDelivery } from '@simclust/db';
import { DB, SUBJECTS } from '@simclust/runtime';

/** What the scheduler needs to (re-)enqueue a pending delivery's next attempt. */
export type PendingDelivery = Pick<WebhookDelivery, 'id' | 'attempts' | 'nextAttemptAt'>;

/** A delivery with what one attempt needs: its target's state and the sealed signing secret. */
export interface DeliveryToAttempt {
  delivery: WebhookDelivery;
  /** Sealed secret: the endpoint's, or the project's for the task's own URL; null when the target is gone. */
  secretEnc: string | null;
  /** The endpoint was deleted or disabled after this delivery was created. */
  targetGone: boolean;
}

export interface NewEventDeliveries {
  eventId: string;
  taskId: string;
  projectId: string;
  eventType: string;
  /** The envelope JSON, stored once and sent unchanged on every attempt. */
  body: string;
  firstAttemptAt: Date;
}

export interface RecordedAttempt {
  deliveryId: string;
  /** 1-based number of this attempt. */
  attempt: number;
  status: DeliveryStatus;
  responseCode?: number;
  latencyMs: number;
  error?: string;
  /** The delivery's next attempt when it stays Pending. */
  nextAttemptAt?: Date;
  /** Set for a 410 from an endpoint: it takes no more deliveries. */
  disableEndpoint?: { id: string; reason: string };
}

@Injectable()
export class DeliveriesRepository {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(SUBJECTS) private readonly subjects: Subjects,
  ) {}

  /**
   * In one transaction: one delivery per target of the event — the task's own webhook URL and every enabled endpoint
   * of the project whose EventTypes match. Unique (eventId, targetKey) makes a redelivered event add nothing.
   * Returns the event's deliveries that are still pending.
   */
  createForEvent(event: NewEventDeliveries): Promise<PendingDelivery[]> {
    return this.db.$transaction(async (tx) => {
      const project = await tx.project.findUnique({ where: { id: event.projectId }, select: { id: true } });
      if (!project) return [];
      const task = await tx.task.findUnique({ where: { id: event.taskId }, select: { notification: true } });
      const endpoints = await tx.webhookEndpoint.findMany({ where: { projectId: event.projectId, disabledAt: null }, select: { id: true, url: true, eventTypes: true } });
      const targets: Array<{ targetKey: string; url: string; endpointId: string | null }> = [];
      const taskUrl = (task?.notification as { Webhook?: { URL?: unknown } } | null)?.Webhook?.URL;
      if (typeof taskUrl === 'string' && taskUrl) targets.push({ targetKey: TASK_WEBHOOK_TARGET, url: taskUrl, endpointId: null });
      for (const e of endpoints) if (endpointTakes(e.eventTypes, event.eventType)) targets.push({ targetKey: e.id, url: e.url, endpointId: e.id });
      if (targets.length > 0) {
        await tx.webhookDelivery.createMany({
          data: targets.map((t) => ({
            id: newDeliveryId(),
            projectId: event.projectId,
            endpointId: t.endpointId,
            targetKey: t.targetKey,
            url: t.url,
            taskId: event.taskId,
            eventId: event.eventId,
            eventType: event.eventType,
            body: event.body,
            nextAttemptAt: event.firstAttemptAt,
          })),
          skipDuplicates: true,
        });
      }
      return tx.webhookDelivery.findMany({ where: { eventId: event.eventId, status: DeliveryStatus.Pending }, select: { id: true, attempts: true, nextAttemptAt: true } });
    });
  }

  async forAttempt(deliveryId: string): Promise<DeliveryToAttempt | undefined> {
    const delivery = await this.db.webhookDelivery.findUnique({
      where: { id: deliveryId },
      include: { endpoint: { select: { secretEnc: true, disabledAt: true } }, project: { select: { webhookSecretEnc: true } } },
    });
    if (!delivery) return undefined;
    const { endpoint, project, ...row } = delivery;
    if (row.targetKey === TASK_WEBHOOK_TARGET) return { delivery: row, secretEnc: project.webhookSecretEnc, targetGone: false };
    const targetGone = !endpoint || endpoint.disabledAt !== null;
    return { delivery: row, secretEnc: endpoint?.secretEnc ?? null, targetGone };
  }

  /**
   * Takes attempt `attemptsMade + 1` for this process: only one caller wins, however many queues hold the job.
   * Until the attempt is recorded, nextAttemptAt is a lease after which the reconciler may retry it.
   */
  async claim(deliveryId: string, attemptsMade: number, leaseUntil: Date): Promise<boolean> {
    const { count } = await this.db.webhookDelivery.updateMany({
      where: { id: deliveryId, status: DeliveryStatus.Pending, attempts: attemptsMade },
      data: { attempts: attemptsMade + 1, nextAttemptAt: leaseUntil },
    });
    return count === 1;
  }

  async markTargetGone(deliveryId: string): Promise<void> {
    await this.db.webhookDelivery.updateMany({ where: { id: deliveryId, status: DeliveryStatus.Pending }, data: { status: DeliveryStatus.Disabled } });
  }

  /** Records the attempt and the delivery's new state together; a 410 also disables the endpoint and its other pending deliveries. */
  async record(a: RecordedAttempt): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.webhookDeliveryAttempt.create({
        data: { id: newResourceId(), deliveryId: a.deliveryId, attempt: a.attempt, status: a.status, responseCode: a.responseCode, latencyMs: a.latencyMs, error: a.error },
      });
      await tx.webhookDelivery.update({
        where: { id: a.deliveryId },
        data: { status: a.status, ...(a.nextAttemptAt ? { nextAttemptAt: a.nextAttemptAt } : {}) },
      });
      if (a.disableEndpoint) {
        await tx.webhookEndpoint.updateMany({ where: { id: a.disableEndpoint.id, disabledAt: null }, data: { disabledAt: new Date(), disabledReason: a.disableEndpoint.reason } });
        await tx.webhookDelivery.updateMany({ where: { endpointId: a.disableEndpoint.id, status: DeliveryStatus.Pending }, data: { status: DeliveryStatus.Disabled } });
      }
    });
  }

  /** Pending deliveries in id order after `afterId`, for the reconciler. */
  pendingAfter(afterId: string | undefined, take: number): Promise<PendingDelivery[]> {
    return this.db.webhookDelivery.findMany({
      where: { status: DeliveryStatus.Pending, ...(afterId ? { id: { gt: afterId } } : {}) },
      select: { id: true, attempts: true, nextAttemptAt: true },
      orderBy: { id: 'asc' },
      take,
    });
  }

  /**
   * This installation's finished tasks whose completion event never reached the bus (their worker stopped in
   * between). A task recorded with another region's or account's command subject is left to that installation.
   */
  async unpublishedTaskIds(endedBefore: Date, take: number): Promise<string[]> {
    const rows = await this.db.task.findMany({
      where: {
        status: { not: TaskStatuses.Running },
        eventPublishedAt: null,
        endTime: { lt: endedBefore },
        OR: [{ commandSubject: null }, { commandSubject: { in: [...this.subjects.commands] } }],
      },
      select: { id: true },
      orderBy: { endTime: 'asc' },
      take,
    });
    return rows.map((r) => r.id);
  }
}
