import { TaskStatuses, type TaskType } from '@simclust/contracts';
import type { GatewayClient } from './gateway.client';

export interface TaskView {
  TaskId: string;
  TaskType: string;
  Status: 'Running' | 'Succeeded' | 'Failed';
  Code: string;
  Message: string;
  Progress: number;
  StartTime: string;
  EndTime?: string;
}

export const POLL_INTERVAL_MS = 500;
const POLLS_IN_FLIGHT = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows tasks with GetTask until each has ended. Ids may be added while it runs (`add`); `close` says no more
 * will come, and `done` resolves with every task's final state once all have ended.
 */
export class TaskFollower {
  private readonly running = new Set<string>();
  private readonly ended = new Map<string, TaskView>();
  private closed = false;
  private failure: unknown;
  readonly done: Promise<Map<string, TaskView>>;

  constructor(
    private readonly client: GatewayClient,
    private readonly projectName: string,
    private readonly taskType: TaskType,
    private readonly onPoll: (tasks: TaskView[]) => void,
    private readonly intervalMs = POLL_INTERVAL_MS,
  ) {
    this.done = this.loop();
    // A rejection is seen by whoever awaits `done`; this keeps it from counting as unhandled before then.
    this.done.catch(() => undefined);
  }

  add(taskId: string): void {
    this.running.add(taskId);
  }

  close(): void {
    this.closed = true;
  }

  /** Stops polling after a failure elsewhere; `done` rejects with `reason`. */
  abort(reason: unknown): void {
    this.failure = reason;
    this.closed = true;
  }

  private async loop(): Promise<Map<string, TaskView>> {
    for (;;) {
      if (this.failure) throw this.failure;
      const ids = [...this.running];
      for (let i = 0; i < ids.length; i += POLLS_IN_FLIGHT) {
        const views = await Promise.all(
          ids.slice(i, i + POLLS_IN_FLIGHT).map((TaskId) => this.client.call<TaskView>('GetTask', { ProjectName: this.projectName, TaskType: this.taskType, TaskId })),
        );
        for (const view of views) {
          if (view.Status === TaskStatuses.Running) continue;
          this.running.delete(view.TaskId);
          this.ended.set(view.TaskId, view);
        }
        this.onPoll(views);
      }
      if (this.closed && this.running.size === 0) {
        if (this.failure) throw this.failure;
        return this.ended;
      }
      await sleep(this.intervalMs);
    }
  }

  get endedCount(): number {
    return this.ended.size;
  }
}
