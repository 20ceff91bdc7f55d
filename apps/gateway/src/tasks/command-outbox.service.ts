import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { GatewayConfig } from '@simclust/config';
import { TaskStatuses, type Subjects } from '@simclust/contracts';
import type { Db } from '@simclust/db';
import type { Logger } from '@simclust/observability';
import { CONFIG, DB, LOGGER, PeriodicPass, SUBJECTS } from '@simclust/runtime';
import { TaskRecorder } from './task-recorder.service';

const BATCH = 500;
/** A task this young may still be in the hands of the request that recorded it (its publish waits up to 5 s). */
export const COMMAND_GRACE_MS = 15_000;

export interface CommandOutboxResult {
  published: number;
}

/**
 * The transactional outbox of task commands: a Running task whose stored command was never noted as published (the
 * gateway stopped between recording and publishing it) gets it published now. Publishing is idempotent — the message
 * id is the task id, so JetStream drops a command that did go out before — and so is running this on every gateway
 * of an installation.
 */
@Injectable()
export class CommandOutbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly periodic: PeriodicPass<CommandOutboxResult>;

  constructor(
    private readonly tasks: TaskRecorder,
    @Inject(DB) private readonly db: Db,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(SUBJECTS) private readonly subjects: Subjects,
    @Inject(LOGGER) log: Logger,
  ) {
    this.periodic = new PeriodicPass('command outbox', () => this.publishPending(), (r) => r.published > 0 && log.info(r, 'published task commands left unpublished'), log);
  }

  onApplicationBootstrap(): void {
    this.periodic.start(this.config.COMMAND_OUTBOX_INTERVAL_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** One batch, oldest first: a backlog larger than BATCH goes out over the next passes. */
  async publishPending(now = new Date()): Promise<CommandOutboxResult> {
    const pending = await this.db.task.findMany({
      where: {
        status: TaskStatuses.Running,
        commandPublishedAt: null,
        // Only this installation's commands: another region or account sharing the database has its own bus.
        commandSubject: { in: [...this.subjects.commands] },
        startTime: { lt: new Date(now.getTime() - COMMAND_GRACE_MS) },
      },
      select: { id: true, requestId: true, commandSubject: true, command: true },
      orderBy: [{ startTime: 'asc' }, { id: 'asc' }],
      take: BATCH,
    });
    const result: CommandOutboxResult = { published: 0 };
    for (const task of pending) {
      if (!task.commandSubject || task.command === null) continue;
      await this.tasks.publish(task.id, task.requestId, task.commandSubject, task.command);
      await this.tasks.markPublished(task.id);
      result.published++;
    }
    return result;
  }
}
