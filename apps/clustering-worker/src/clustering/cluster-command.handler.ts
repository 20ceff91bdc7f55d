import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Queue } from 'bullmq';
import { ClusterCommandSchema, Consumers, JobNames, jobIds, type ClusterCommand } from '@simclust/contracts';
import { PermanentMessageError } from '@simclust/messaging';
import { CLUSTER_JOB_ATTEMPTS } from './cluster-job.processor';

export const CLUSTER_QUEUE = Symbol('CLUSTER_QUEUE');
/** The @EventPattern key the JetStream binding of the clustering-worker consumer maps to. */
export const CLUSTER_COMMAND_PATTERN = Consumers.clusteringWorker.durable;

/** Takes a cluster command off JetStream and enqueues its job (deterministic id: a redelivery adds nothing). */
@Controller()
export class ClusterCommandHandler {
  constructor(@Inject(CLUSTER_QUEUE) private readonly queue: Queue) {}

  @EventPattern(CLUSTER_COMMAND_PATTERN)
  async onClusterCommand(@Payload() payload: unknown): Promise<void> {
    const parsed = ClusterCommandSchema.safeParse(payload);
    if (!parsed.success) throw new PermanentMessageError(`invalid cluster command: ${parsed.error.message}`);
    await enqueueClusterJob(this.queue, parsed.data);
  }
}

/** Adds a task's clustering job under its deterministic id: the command handler and the reconciler both call it. */
export async function enqueueClusterJob(queue: Queue, command: ClusterCommand): Promise<void> {
  await queue.add(JobNames.clusterDataset, command, {
    jobId: jobIds.cluster(command.taskId),
    attempts: CLUSTER_JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: 24 * 3600, count: 1_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}
