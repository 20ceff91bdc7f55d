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
import { Prisma, type Db, type Task } from '@simclust/db';
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

/** A task's command, stored with the task so that it can be published again if the first publish never happened. */
export interface TaskCommand {
  subject: string;
  build(taskId: string): object;
}

/**
 * Records a task and hands its command to the bus; the command's message id is the task id, so publishing it again
 * (CommandOutbox) is dropped by JetStream when the first publish did happen.
 */
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

  /** Inserts the task (Running) with its command, so that nothing can leave it Running with no command sent. */
  async create(task: NewTask, command: TaskCommand): Promise<Task> {
    const now = new Date();
    const id = newTaskId(task.taskType);
    return this.db.task.create({
      data: {
        id,
        commandSubject: command.subject,
        command: command.build(id),
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

  /** Publishes the command stored with the task; when the bus is unreachable the task fails at once rather than hang. */
  async dispatch(task: Task): Promise<void> {
    if (!task.commandSubject || !task.command) throw new Error(`task ${task.id} was recorded without its command`);
    try {
      await this.publish(task.id, task.requestId, task.commandSubject, task.command);
    } catch (err) {
      this.log.error({ err, taskId: task.id }, 'could not publish the task command');
      await this.db.task.update({
        where: { id: task.id },
        data: { status: TaskStatuses.Failed, endTime: new Date(), progress: 100, code: 'ServiceUnavailable', message: 'The message bus is unavailable.' },
      });
      throw ImmError.unavailable('the message bus does not answer');
    }
    await this.markPublished(task.id);
  }

  /** Publishes a task's command under the task id (JetStream drops a second publish of one id). */
  async publish(taskId: string, requestId: string, subject: string, command: unknown): Promise<void> {
    await this.publisher.publish(subject, command, taskId, requestId);
  }

  /**
   * Notes that a task's command is on the bus and drops its stored copy (every GetTask would read it otherwise); if
   * this write is lost, the outbox publishes it again (dropped as a duplicate).
   */
  async markPublished(taskId: string): Promise<void> {
    await this.db.task.update({ where: { id: taskId }, data: { commandPublishedAt: new Date(), command: Prisma.DbNull } }).catch((err: unknown) => {
      this.log.warn({ err, taskId }, 'could not note that the task command was published');
    });
  }
}
