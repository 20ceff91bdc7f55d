import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { ClusteringWorkerConfig } from '@simclust/config';
import { ImmError, TaskStatuses, jobIds } from '@simclust/contracts';
import type { Logger } from '@simclust/observability';
import { CONFIG, LOGGER, PeriodicPass, TaskLifecycle } from '@simclust/runtime';
import { CLUSTER_QUEUE, enqueueClusterJob } from '../clustering/cluster-command.handler';
import { ReconcilerRepository } from './reconciler.repository';

const BATCH = 500;
/** A task this young may still have its command on the way (the gateway's publish waits up to 5 s). */
const DISPATCH_GRACE_MS = 15_000;
/** Job states in which BullMQ will still run the job by itself. */
const LIVE_STATES = new Set(['active', 'waiting', 'waiting-children', 'delayed', 'prioritized']);

export interface ClusteringReconcileResult {
  checked: number;
  enqueued: number;
  failed: number;
}

/**
 * Postgres is the source of truth for clustering tasks: on start and on a timer (not a Redis job, so it also runs
 * after Redis lost its data) every Running clustering task without a live BullMQ job gets its job again, under
 * the same deterministic id; a task whose dataset is gone ends Failed as the run itself would end it.
 */
@Injectable()
export class ClusteringReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly periodic: PeriodicPass<ClusteringReconcileResult>;

  constructor(
    private readonly repository: ReconcilerRepository,
    private readonly lifecycle: TaskLifecycle,
    @Inject(CLUSTER_QUEUE) private readonly queue: Queue,
    @Inject(CONFIG) private readonly config: ClusteringWorkerConfig,
    @Inject(LOGGER) log: Logger,
  ) {
    this.periodic = new PeriodicPass(
      'clustering reconciliation',
      () => this.reconcile(),
      (r) => r.enqueued + r.failed > 0 && log.info(r, 'reconciled clustering tasks with no live job'),
      log,
    );
  }

  onApplicationBootstrap(): void {
    this.periodic.start(this.config.CLUSTERING_RECONCILE_INTERVAL_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  async reconcile(now = new Date()): Promise<ClusteringReconcileResult> {
    const result: ClusteringReconcileResult = { checked: 0, enqueued: 0, failed: 0 };
    const startedBefore = new Date(now.getTime() - DISPATCH_GRACE_MS);
    for (let after: { startTime: Date; id: string } | undefined; ; ) {
      const tasks = await this.repository.runningClusteringTasks(startedBefore, BATCH, after);
      for (const task of tasks) {
        result.checked++;
        if (task.datasetId === null) {
          const gone = ImmError.notFound('dataset', task.datasetName);
          await this.lifecycle.finish(task.taskId, { status: TaskStatuses.Failed, code: gone.code, message: gone.message });
          result.failed++;
          continue;
        }
        const job = await this.queue.getJob(jobIds.cluster(task.taskId));
        if (job) {
          if (LIVE_STATES.has(await job.getState())) continue;
          // Finished or failed while its task still runs (the task's end was never written): run it afresh.
          await job.remove();
        }
        const { taskId, requestId, projectId, projectName, datasetId, datasetName } = task;
        await enqueueClusterJob(this.queue, { taskId, requestId, projectId, projectName, datasetId, datasetName });
        result.enqueued++;
      }
      if (tasks.length < BATCH) break;
      const last = tasks[tasks.length - 1];
      after = { startTime: last.startTime, id: last.taskId };
    }
    return result;
  }

}
