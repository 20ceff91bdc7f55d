import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import {
  ImmError,
  TASK_RETENTION_MS,
  TaskStatuses,
  newEventId,
  newTaskId,
  type TaskType,
} from '@simclust/contracts';
import type { GatewayConfig } from '@simclust/config';
import type { Db, Task } from '@simclust/db';
import { JetStreamPublisher } from '@simclust/messaging';
import { checkPublicUrl } from '@simclust/netguard';
import type { Logger } from '@simclust/observability';
import { CONFIG, DB, LOGGER, NATS } from '@simclust/runtime';
import type { NotificationParam } from './notification';

export interface NewTask {
  projectId: string;
  datasetName?: string;
  taskType: TaskType;
  requestId: string;
  tags?: Record<string, unknown>;
  userData?: string;
  notification?: NotificationParam;
  /** The original request, returned by GetTask with RequestDefinition=true. */
  requestDefinition: Record<string, unknown>;
}

/** Records a task and hands its command to the bus; the command's message id is the task id. */
@Injectable()
export class TaskRecorder {
  private readonly publisher: JetStreamPublisher;

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(NATS) nats: NatsConnection,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.publisher = new JetStreamPublisher(nats);
  }

  /** Refuses a notification webhook that is malformed or points into a private network. */
  async checkNotification(notification: NotificationParam | undefined): Promise<void> {
    const url = notification?.Webhook?.URL;
    if (!url) return;
    const verdict = await checkPublicUrl(url, this.config.ALLOW_PRIVATE_NETWORK);
    if (!verdict.ok) throw ImmError.invalid('Notification', `Webhook.URL ${verdict.reason}.`);
  }

  async create(task: NewTask): Promise<Task> {
    const now = new Date();
    return this.db.task.create({
      data: {
        id: newTaskId(task.taskType),
        eventId: newEventId(),
        projectId: task.projectId,
        datasetName: task.datasetName,
        taskType: task.taskType,
        status: TaskStatuses.Running,
        progress: 0,
        requestId: task.requestId,
        tags: task.tags as object | undefined,
        userData: task.userData,
        notification: task.notification as object | undefined,
        requestDefinition: task.requestDefinition as object,
        startTime: now,
        expiresAt: new Date(now.getTime() + TASK_RETENTION_MS),
      },
    });
  }

  /** Publishes the task's command; when the bus is unreachable the task fails at once rather than hang. */
  async dispatch(task: Task, subject: string, command: unknown): Promise<void> {
    try {
      await this.publisher.publish(subject, command, task.id, task.requestId);
    } catch (err) {
      this.log.error({ err, taskId: task.id }, 'could not publish the task command');
      await this.db.task.update({
        where: { id: task.id },
        data: { status: TaskStatuses.Failed, endTime: new Date(), progress: 100, code: 'ServiceUnavailable', message: 'The message bus is unavailable.' },
      });
      throw ImmError.unavailable('the message bus does not answer');
    }
  }
}
