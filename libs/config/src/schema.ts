import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number({ message: 'must be a port number' }).int().min(1).max(65535);
const positiveInt = z.coerce.number({ message: 'must be a positive integer' }).int().positive();
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a ${protocols.join(' or ')} URL`);

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { message: `must be one of ${values.join(', ')}` });

export function commonSchema(root: string) {
  return {
    NODE_ENV: oneOf(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: url(['postgresql:', 'postgres:']).default('postgresql://postgres@127.0.0.1:5432/simclust'),
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    NATS_URL: url(['nats:', 'tls:']).default('nats://127.0.0.1:4222'),
    SIMCLUST_REGION: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be lowercase letters, digits or -').default('local'),
    SIMCLUST_ACCOUNT: z.string().regex(/^[A-Za-z0-9-]{1,32}$/, 'must be letters, digits or -').default('0'),
    SECRETS_KEY: z.string({ message: 'is required (run `npm run up` once to generate .env.local)' }).min(32, 'must be at least 32 characters'),
    ALLOW_PRIVATE_NETWORK: boolean.default(false),
    ALLOWED_FILE_ROOTS: z
      .string()
      .default(join(root, 'data'))
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
    THUMBNAIL_DIR: z.string().min(1).default(join(root, 'data', 'thumbnails')),
    SHUTDOWN_GRACE_MS: positiveInt.default(15000),
    // A JetStream message held by a consumer that died is redelivered after this long (live handlers are kept alive).
    JETSTREAM_ACK_WAIT_MS: positiveInt.default(60_000),
  };
}

export function gatewaySchema(root: string) {
  return z.object({
    ...commonSchema(root),
    PORT: port.default(8080),
    ADMIN_ACCESS_KEY_ID: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/, 'must be 3-64 letters, digits, _ or -').default('admin'),
    ADMIN_API_KEY: z.string({ message: 'is required (run `npm run up` once to generate .env.local)' }).min(16, 'must be at least 16 characters'),
    // Calls per second one access key may make (the admin key included), shared by every gateway through Redis.
    KEY_QUERIES_PER_SECOND: positiveInt.default(200),
    // How often task commands that were stored but never published (a gateway stopped in between) are published.
    COMMAND_OUTBOX_INTERVAL_MS: positiveInt.default(10_000),
  });
}

export function indexerSchema(root: string) {
  return z.object({
    ...commonSchema(root),
    INDEXER_PORT: port.default(8081),
    FETCH_MAX_BYTES: positiveInt.default(52428800),
    FETCH_TIMEOUT_MS: positiveInt.default(15000),
    INDEXER_CONCURRENCY: positiveInt.default(4),
    // Decompression-bomb guard: images declaring more pixels are refused before decoding (sharp's own default).
    INDEXER_MAX_INPUT_PIXELS: positiveInt.default(268402689),
    // worker_threads extracting features (several files in flight on each); one per core by default.
    INDEXER_THREADS: positiveInt.default(availableParallelism()),
  });
}

export function clusteringWorkerSchema(root: string) {
  return z.object({
    ...commonSchema(root),
    CLUSTERING_WORKER_PORT: port.default(8082),
    // Clustering jobs of different datasets run at once; one dataset never has two running.
    CLUSTERING_CONCURRENCY: positiveInt.default(2),
    // worker_threads that verify candidate pairs of large runs (small runs verify in-process).
    CLUSTERING_VERIFY_THREADS: positiveInt.default(2),
    // How often Running clustering tasks with no live BullMQ job (Redis lost them) are enqueued again from Postgres.
    CLUSTERING_RECONCILE_INTERVAL_MS: positiveInt.default(30_000),
    // Lock of a running clustering job: a job whose worker died is taken over within about 1.5× this.
    CLUSTERING_JOB_LOCK_MS: positiveInt.min(2_000, 'must be at least 2000').default(60_000),
  });
}

export function notificationsSchema(root: string) {
  return z.object({
    ...commonSchema(root),
    NOTIFICATIONS_PORT: port.default(8083),
    // Delays before each webhook attempt, the first included; unset means contract.md's schedule (tests shorten it).
    WEBHOOK_RETRY_DELAYS_MS: z
      .string()
      .regex(/^\d+(,\d+)*$/, 'must be comma-separated milliseconds, e.g. 0,5000,300000')
      .transform((v) => v.split(',').map(Number))
      .optional(),
    WEBHOOK_CONCURRENCY: positiveInt.default(10),
    WEBHOOK_RECONCILE_INTERVAL_MS: positiveInt.default(30_000),
    TASK_PURGE_INTERVAL_MS: positiveInt.default(600_000),
  });
}

export type GatewayConfig = z.infer<ReturnType<typeof gatewaySchema>>;
export type IndexerConfig = z.infer<ReturnType<typeof indexerSchema>>;
export type ClusteringWorkerConfig = z.infer<ReturnType<typeof clusteringWorkerSchema>>;
export type NotificationsConfig = z.infer<ReturnType<typeof notificationsSchema>>;
export type CommonConfig = z.infer<z.ZodObject<ReturnType<typeof commonSchema>>>;
