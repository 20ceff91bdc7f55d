import { z } from 'zod';

/**
 * Every NATS subject, JetStream stream and durable consumer, and every BullMQ queue and job name, lives here.
 * Subjects carry region and account so several simclust installations can share one NATS.
 */
export function subjects(region: string, account: string) {
  const base = `simclust.${region}.${account}`;
  const indexCommand = `${base}.cmd.index`;
  const clusterCommand = `${base}.cmd.cluster`;
  return {
    indexCommand,
    clusterCommand,
    /** Every command subject: a task recorded with one of these belongs to this installation. */
    commands: [indexCommand, clusterCommand],
    taskEvent: `${base}.evt.task`,
    /** The durable consumer of one installation: two installations on one NATS never take each other's messages. */
    consumer: (durable: string) => `${durable}_${region}_${account}`,
  } as const;
}
export type Subjects = ReturnType<typeof subjects>;

export const Streams = {
  commands: { name: 'SIMCLUST_COMMANDS', subjects: ['simclust.*.*.cmd.>'] },
  events: { name: 'SIMCLUST_EVENTS', subjects: ['simclust.*.*.evt.>'] },
} as const;

/** Durable consumers: one per app, each filtered to its own subject. */
export const Consumers = {
  indexer: { stream: Streams.commands.name, durable: 'indexer', subject: (s: Subjects) => s.indexCommand },
  clusteringWorker: { stream: Streams.commands.name, durable: 'clustering-worker', subject: (s: Subjects) => s.clusterCommand },
  notifications: { stream: Streams.events.name, durable: 'notifications', subject: (s: Subjects) => s.taskEvent },
} as const;

/** Header that carries the correlation id (the RequestId of the call that started the work). */
export const CORRELATION_HEADER = 'x-simclust-request-id';

export const Queues = {
  clustering: 'clustering',
  webhooks: 'webhooks',
  maintenance: 'maintenance',
} as const;

export const JobNames = {
  clusterDataset: 'cluster-dataset',
  deliverWebhook: 'deliver-webhook',
  purgeExpiredTasks: 'purge-expired-tasks',
  reconcile: 'reconcile',
} as const;

/** BullMQ ids must not contain ':'; deterministic ids make a redelivered command harmless. */
export const jobIds = {
  cluster: (taskId: string) => `${taskId}-cluster`,
  delivery: (deliveryId: string, attempt = 0) => (attempt ? `${deliveryId}-r${attempt}` : deliveryId),
};

const Json = z.record(z.string(), z.unknown());

export const InputFileSchema = z.object({
  URI: z.string().min(1).max(2048),
  CustomId: z.string().max(512).optional(),
  CustomLabels: z.record(z.string(), z.string()).optional(),
  MediaType: z.string().optional(),
  ContentType: z.string().optional(),
});
export type InputFile = z.infer<typeof InputFileSchema>;

export const IndexCommandSchema = z.object({
  taskId: z.string(),
  requestId: z.string(),
  projectId: z.string(),
  projectName: z.string(),
  datasetId: z.string(),
  datasetName: z.string(),
  files: z.array(InputFileSchema).min(1).max(100),
});
export type IndexCommand = z.infer<typeof IndexCommandSchema>;

export const ClusterCommandSchema = z.object({
  taskId: z.string(),
  requestId: z.string(),
  projectId: z.string(),
  projectName: z.string(),
  datasetId: z.string(),
  datasetName: z.string(),
});
export type ClusterCommand = z.infer<typeof ClusterCommandSchema>;

/** Published when a task ends; the notifications app turns it into webhook deliveries. */
export const TaskEventSchema = z.object({
  eventId: z.string(),
  taskId: z.string(),
  taskType: z.string(),
  projectId: z.string(),
  projectName: z.string(),
  /** The task's message (IMM's `content`), already in its final PascalCase form. */
  content: Json,
  time: z.number().int(),
});
export type TaskEvent = z.infer<typeof TaskEventSchema>;

export const ClusterJobSchema = ClusterCommandSchema;
export type ClusterJob = ClusterCommand;

export const DeliveryJobSchema = z.object({ deliveryId: z.string() });
export type DeliveryJob = z.infer<typeof DeliveryJobSchema>;

/** One file's outcome in an index task's message: Error is "" on success, else "[<Code>] <Reason>". */
export const IndexFileOutcomeSchema = z.object({ URI: z.string(), Error: z.string() });
export type IndexFileOutcome = z.infer<typeof IndexFileOutcomeSchema>;

/** The task-specific part of an IndexFileMeta task's result and message. */
export const IndexTaskResultSchema = z.object({ Files: z.array(IndexFileOutcomeSchema) });
export type IndexTaskResult = z.infer<typeof IndexTaskResultSchema>;

/** One attempt of one delivery; its jobId is `jobIds.delivery(deliveryId, attempt)`, so re-adding it is harmless. */
export const DeliveryAttemptJobSchema = DeliveryJobSchema.extend({ attempt: z.number().int().min(0) });
export type DeliveryAttemptJob = z.infer<typeof DeliveryAttemptJobSchema>;
