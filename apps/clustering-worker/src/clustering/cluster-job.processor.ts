import { EventEmitter } from 'node:events';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClusteringWorkerConfig } from '@simclust/config';
import { ClusterJobSchema, ImmError, JobNames, Queues, TaskStatuses, queuePrefix, type ClusterJob } from '@simclust/contracts';
import type { Db } from '@simclust/db';
import { counter, histogram, type Logger } from '@simclust/observability';
import { CONFIG, DB, LOGGER, METRICS, REDIS, TaskLifecycle } from '@simclust/runtime';
import type { Registry } from 'prom-client';
import { ClusteringRunService, type RunReport } from './clustering-run.service';
import { DatasetRunLock } from './dataset-run-lock';

/** BullMQ retries a run that failed for a transient reason (database or Redis away) this many times in all. */
export const CLUSTER_JOB_ATTEMPTS = 3;
/** How long a job waits before trying again for a dataset another job is clustering. */
const BUSY_DATASET_DELAY_MS = 1_000;

/** Thrown by the progress sink once shutdown has waited long enough: the job goes back to the queue, unwritten. */
class RunHandedBack extends Error {}

export interface RunEvent {
  taskId: string;
  datasetId: string;
}

/**
 * The BullMQ worker of the clustering queue: takes the dataset's run lock (a job that cannot is delayed, never run
 * alongside), runs, and ends the task Succeeded or Failed with its event. Emits 'run-start'/'run-end' for observers.
 */
@Injectable()
export class ClusterJobProcessor extends EventEmitter implements OnApplicationBootstrap, OnModuleDestroy {
  private worker?: Worker;
  private handingBack = false;
  private readonly runs;
  private readonly runSeconds;

  constructor(
    private readonly runner: ClusteringRunService,
    private readonly locks: DatasetRunLock,
    private readonly lifecycle: TaskLifecycle,
    @Inject(DB) private readonly db: Db,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: ClusteringWorkerConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    super();
    this.runs = counter(metrics, 'simclust_clustering_runs_total', 'Clustering runs by outcome', ['outcome']);
    this.runSeconds = histogram(metrics, 'simclust_clustering_run_seconds', 'Wall time of a clustering run', [], [0.1, 0.5, 1, 5, 15, 60, 300, 900]);
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker(Queues.clustering, (job, token) => this.process(job, token), {
      connection: this.redis,
      prefix: queuePrefix(this.config.SIMCLUST_REGION, this.config.SIMCLUST_ACCOUNT),
      concurrency: this.config.CLUSTERING_CONCURRENCY,
      lockDuration: this.config.CLUSTERING_JOB_LOCK_MS,
      // Stalled-job recovery: a job whose worker died is moved back to waiting once its lock expires, and run again.
      stalledInterval: Math.min(30_000, Math.floor(this.config.CLUSTERING_JOB_LOCK_MS / 2)),
      maxStalledCount: 2,
    });
    this.worker.on('error', (err) => this.log.warn({ err: err.message }, 'clustering queue worker error'));
  }

  /**
   * Stops taking jobs and lets running ones finish; a run still going after half the shutdown grace is handed back
   * to the queue at its next progress step (nothing of it written), so another worker or the restart takes it now.
   */
  async onModuleDestroy(): Promise<void> {
    const handBack = setTimeout(() => (this.handingBack = true), Math.floor(this.config.SHUTDOWN_GRACE_MS / 2));
    try {
      await this.worker?.close();
    } finally {
      clearTimeout(handBack);
    }
  }

  async process(job: Job, token?: string): Promise<RunReport | 'skipped'> {
    if (job.name !== JobNames.clusterDataset) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const parsed = ClusterJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid ${job.name} payload: ${parsed.error.message}`);
    const command: ClusterJob = parsed.data;
    const log = this.log.child({ taskId: command.taskId, jobId: job.id, datasetId: command.datasetId, requestId: command.requestId });

    const task = await this.db.task.findUnique({ where: { id: command.taskId }, select: { status: true } });
    if (!task || task.status !== TaskStatuses.Running) {
      // A redelivered command of a task that already ended (or was purged): only make sure its event went out.
      if (task) await this.lifecycle.publishEvent(command.taskId);
      return 'skipped';
    }

    const lock = await this.locks.acquire(command.datasetId);
    if (!lock) {
      await job.moveToDelayed(Date.now() + BUSY_DATASET_DELAY_MS, token);
      throw new DelayedError();
    }
    const started = Date.now();
    this.emit('run-start', { taskId: command.taskId, datasetId: command.datasetId } satisfies RunEvent);
    try {
      const report = await this.runner.run(command, async (percent) => {
        if (!lock.isHeld()) throw new Error('lost the dataset run lock');
        if (this.handingBack) throw new RunHandedBack();
        await this.lifecycle.progress(command.taskId, percent);
      });
      await this.lifecycle.finish(command.taskId, { status: TaskStatuses.Succeeded });
      this.runs.inc({ outcome: 'succeeded' });
      log.info({ ...report, seconds: (Date.now() - started) / 1000 }, 'clustering run finished');
      return report;
    } catch (err) {
      if (err instanceof RunHandedBack) {
        log.info('shutting down: clustering run handed back to the queue');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (err instanceof ImmError || finalAttempt) {
        const code = err instanceof ImmError ? err.code : 'InternalError';
        const message = err instanceof ImmError ? err.message : 'The clustering run failed; see the worker log.';
        log.error({ err }, 'clustering run failed');
        await this.lifecycle.finish(command.taskId, { status: TaskStatuses.Failed, code, message });
        this.runs.inc({ outcome: 'failed' });
        return 'skipped';
      }
      log.warn({ err, attempt: job.attemptsMade + 1 }, 'clustering run failed; will retry');
      throw err;
    } finally {
      this.runSeconds.observe((Date.now() - started) / 1000);
      await lock.release().catch(() => undefined);
      this.emit('run-end', { taskId: command.taskId, datasetId: command.datasetId } satisfies RunEvent);
    }
  }
}
