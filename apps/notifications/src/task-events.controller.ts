import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Consumers, TaskEventSchema, buildEnvelope, eventType } from '@simclust/contracts';
import type { NotificationsConfig } from '@simclust/config';
import { JetStreamContext, PermanentMessageError } from '@simclust/messaging';
import type { Logger } from '@simclust/observability';
import { CONFIG, LOGGER } from '@simclust/runtime';
import { DeliveriesRepository } from './deliveries.repository';
import { NotificationQueues } from './queues';
import { RetryPolicy } from './retry-policy';

/** The JetStream pattern bound to the `notifications` durable consumer of task events. */
export const TASK_EVENTS_PATTERN = Consumers.notifications.durable;

/**
 * Turns a task event into deliveries: recorded in Postgres before the message is acked, enqueued after, so a lost
 * enqueue only waits for the reconciler and a redelivered event adds nothing.
 */
@Controller()
export class TaskEventsController {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly queues: NotificationQueues,
    private readonly policy: RetryPolicy,
    @Inject(CONFIG) private readonly config: NotificationsConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @EventPattern(TASK_EVENTS_PATTERN)
  async onTaskEvent(@Payload() payload: unknown, @Ctx() ctx: JetStreamContext): Promise<void> {
    const parsed = TaskEventSchema.safeParse(payload);
    if (!parsed.success) throw new PermanentMessageError(`not a task event: ${parsed.error.issues[0]?.message}`);
    const event = parsed.data;
    const envelope = buildEnvelope(event, this.config.SIMCLUST_REGION, this.config.SIMCLUST_ACCOUNT);
    const pending = await this.deliveries.createForEvent({
      eventId: event.eventId,
      taskId: event.taskId,
      projectId: event.projectId,
      eventType: eventType(event.taskType),
      body: JSON.stringify(envelope),
      firstAttemptAt: this.policy.dueAt(0, new Date()),
    });
    this.log.debug({ eventId: event.eventId, taskId: event.taskId, deliveries: pending.length, correlationId: ctx.correlationId }, 'task event fanned out');
    void this.queues
      .enqueueAttempts(pending)
      .catch((err: unknown) => this.log.warn({ err, eventId: event.eventId }, 'could not enqueue deliveries; the reconciler will'));
  }
}
