import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { TaskStatuses, TaskTypes, type Subjects, type TaskEvent } from '@simclust/contracts';
import type { Db, Task } from '@simclust/db';
import { JetStreamPublisher } from '@simclust/messaging';
import type { Logger } from '@simclust/observability';
import { DB, LOGGER, NATS, SUBJECTS } from './tokens';

export interface TaskOutcome {
  status: 'Succeeded' | 'Failed';
  code?: string;
  message?: string;
  /** Task-specific fields of the message, e.g. `Files` of an index task. */
  result?: Record<string, unknown>;
}

/** IMM's task message (the webhook envelope's `content`), built from the stored task. */
export function taskMessage(task: Task, projectName: string): Record<string, unknown> {
  const common = {
    ProjectName: projectName,
    DatasetName: task.datasetName ?? '',
    RequestId: task.requestId,
    TaskType: task.taskType,
    TaskId: task.id,
    Status: task.status,
    Code: task.code ?? '',
    Message: task.message ?? '',
    StartTime: task.startTime.toISOString(),
    EndTime: task.endTime?.toISOString() ?? '',
    UserData: task.userData ?? '',
    Tags: task.tags ?? {},
    EventSourceId: '',
  };
  const result = (task.result ?? {}) as Record<string, unknown>;
  if (task.taskType === TaskTypes.IndexFileMeta) return { ...common, Success: task.status === TaskStatuses.Succeeded, ...result };
  return { ...common, ...result };
}

/**
 * Ends tasks and announces them: the row is updated first (the source of truth), then the event is published with
 * the task's EventId as message id, so a retry after a crash publishes it at most once per duplicate window.
 */
@Injectable()
export class TaskLifecycle {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(NATS) private readonly nats: NatsConnection,
    @Inject(SUBJECTS) private readonly subjects: Subjects,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async progress(taskId: string, progress: number): Promise<void> {
    await this.db.task.updateMany({
      where: { id: taskId, status: TaskStatuses.Running },
      data: { progress: Math.max(0, Math.min(99, Math.round(progress))) },
    });
  }

  /** Finishes a running task once; a repeated call (redelivery) only makes sure the event went out. */
  async finish(taskId: string, outcome: TaskOutcome): Promise<void> {
    await this.db.task.updateMany({
      where: { id: taskId, status: TaskStatuses.Running },
      data: {
        status: outcome.status,
        progress: 100,
        endTime: new Date(),
        code: outcome.code ?? null,
        message: outcome.message ?? null,
        ...(outcome.result ? { result: outcome.result as object } : {}),
      },
    });
    await this.publishEvent(taskId);
  }

  /** Publishes the completion event of a finished task whose event is not yet recorded as published. */
  async publishEvent(taskId: string): Promise<boolean> {
    const task = await this.db.task.findUnique({ where: { id: taskId }, include: { project: { select: { name: true } } } });
    if (!task || task.status === TaskStatuses.Running || task.eventPublishedAt) return false;
    const event: TaskEvent = {
      eventId: task.eventId,
      taskId: task.id,
      taskType: task.taskType,
      projectId: task.projectId,
      projectName: task.project.name,
      content: taskMessage(task, task.project.name),
      time: (task.endTime ?? new Date()).getTime(),
    };
    await new JetStreamPublisher(this.nats).publish(this.subjects.taskEvent, event, task.eventId, task.requestId);
    await this.db.task.update({ where: { id: task.id }, data: { eventPublishedAt: new Date() } });
    this.log.info({ taskId, eventId: task.eventId, status: task.status }, 'task finished');
    return true;
  }
}
