import type { NatsConnection } from 'nats';
import { TASK_RETENTION_MS, newEndpointId, newEventId, newResourceId, newTaskId, type TaskType } from '@simclust/contracts';
import type { Db } from '@simclust/db';
import { ensureJetStream } from '@simclust/messaging';
import { createLogger } from '@simclust/observability';
import { TaskLifecycle } from '@simclust/runtime';
import { generateWebhookSecret, type SecretBox } from '@simclust/secrets';
import { uniqueName } from '@simclust/testing';

/** Writes the rows the gateway would, and finishes tasks the way workers do (TaskLifecycle), without either app. */
export class NotificationFixtures {
  private constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    readonly lifecycle: TaskLifecycle,
  ) {}

  static async create(db: Db, box: SecretBox, nats: NatsConnection): Promise<NotificationFixtures> {
    const subjects = await ensureJetStream(nats, 'local', '0');
    return new NotificationFixtures(db, box, new TaskLifecycle(db, nats, subjects, createLogger('notifications-test', 'warn')));
  }

  async project(): Promise<{ id: string; name: string; secret: string }> {
    const secret = generateWebhookSecret();
    const name = uniqueName('notify');
    const { id } = await this.db.project.create({ data: { id: newResourceId(), name, webhookSecretEnc: this.box.encrypt(secret) } });
    return { id, name, secret };
  }

  async endpoint(projectId: string, url: string, eventTypes: string[] = []): Promise<{ id: string; secret: string }> {
    const secret = generateWebhookSecret();
    const { id } = await this.db.webhookEndpoint.create({ data: { id: newEndpointId(), projectId, url, eventTypes, secretEnc: this.box.encrypt(secret) } });
    return { id, secret };
  }

  /** A running task, as TaskRecorder records it. */
  async task(projectId: string, options: { type?: TaskType; webhookUrl?: string } = {}) {
    const type = options.type ?? 'SimilarImageClustering';
    const now = new Date();
    return this.db.task.create({
      data: {
        id: newTaskId(type),
        eventId: newEventId(),
        projectId,
        datasetName: 'photos',
        taskType: type,
        requestId: newResourceId().toUpperCase(),
        tags: { suite: 'notifications' },
        userData: 'hello',
        requestDefinition: {},
        notification: options.webhookUrl ? { Webhook: { URL: options.webhookUrl } } : undefined,
        startTime: now,
        expiresAt: new Date(now.getTime() + TASK_RETENTION_MS),
      },
    });
  }

  /** Creates a task and finishes it, which publishes its event. */
  async finishedTask(projectId: string, options: { type?: TaskType; webhookUrl?: string } = {}) {
    const task = await this.task(projectId, options);
    await this.lifecycle.finish(task.id, { status: 'Succeeded' });
    return task;
  }
}
