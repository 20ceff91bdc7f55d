// Against the real Postgres and Redis, on a queue of its own: Running clustering tasks without a live job get one.
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import pino from 'pino';
import type { ClusteringWorkerConfig } from '@simclust/config';
import { TASK_RETENTION_MS, TaskTypes, jobIds, newEventId, newTaskId, subjects } from '@simclust/contracts';
import { createDatabase, type Db } from '@simclust/db';
import { createRedis } from '@simclust/messaging';
import type { TaskLifecycle, TaskOutcome } from '@simclust/runtime';
import { enqueueClusterJob } from '../clustering/cluster-command.handler';
import { ReconcilerRepository } from './reconciler.repository';
import { ClusteringReconciler } from './reconciler.service';

const db: Db = createDatabase(process.env.DATABASE_URL!);
const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'reconciler-spec');
const queue = new Queue(`reconciler-spec-${randomBytes(4).toString('hex')}`, { connection: redis });
const finished = new Map<string, TaskOutcome>();
const lifecycle = { finish: async (taskId: string, outcome: TaskOutcome) => void finished.set(taskId, outcome) } as unknown as TaskLifecycle;
const mySubjects = subjects('reconciler-spec', randomBytes(4).toString('hex'));
const reconciler = new ClusteringReconciler(new ReconcilerRepository(db, mySubjects), lifecycle, queue, {} as ClusteringWorkerConfig, pino({ level: 'silent' }));
const projectId = randomUUID();
const datasetId = randomUUID();

beforeAll(async () => {
  await db.project.create({ data: { id: projectId, name: `rc_${randomBytes(4).toString('hex')}`, webhookSecretEnc: 'x' } });
  await db.dataset.create({ data: { id: datasetId, projectId, name: 'kept' } });
});

afterAll(async () => {
  await db.project.delete({ where: { id: projectId } });
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db.$disconnect();
});

async function clusteringTask(datasetName: string, ageMs: number, commandSubject?: string) {
  const task = await db.task.create({
    data: {
      commandSubject,
      id: newTaskId(TaskTypes.SimilarImageClustering),
      eventId: newEventId(),
      projectId,
      datasetName,
      taskType: TaskTypes.SimilarImageClustering,
      requestId: `REQ-${randomBytes(3).toString('hex')}`,
      requestDefinition: {},
      startTime: new Date(Date.now() - ageMs),
      expiresAt: new Date(Date.now() + TASK_RETENTION_MS),
    },
  });
  return task.id;
}

test('enqueues a lost job once, leaves live jobs and young tasks alone, and fails tasks whose dataset is gone', async () => {
  const lost = await clusteringTask('kept', 60_000);
  const live = await clusteringTask('kept', 60_000);
  const young = await clusteringTask('kept', 0);
  const orphan = await clusteringTask('deleted-meanwhile', 60_000);
  const mineByOutbox = await clusteringTask('kept', 60_000, mySubjects.clusterCommand);
  const elsewhere = await clusteringTask('kept', 60_000, subjects('another-region', 'x').clusterCommand);
  await enqueueClusterJob(queue, { taskId: live, requestId: 'R', projectId, projectName: 'p', datasetId, datasetName: 'kept' });
  const liveJob = await queue.getJob(jobIds.cluster(live));

  await reconciler.reconcile();

  const job = await queue.getJob(jobIds.cluster(lost));
  expect(job?.data).toMatchObject({ taskId: lost, projectId, datasetId, datasetName: 'kept' });
  expect((await queue.getJob(jobIds.cluster(live)))?.timestamp).toBe(liveJob?.timestamp);
  expect(await queue.getJob(jobIds.cluster(young))).toBeUndefined();
  expect(await queue.getJob(jobIds.cluster(orphan))).toBeUndefined();
  expect(finished.get(orphan)).toMatchObject({ status: 'Failed', code: 'ResourceNotFound' });
  expect(finished.has(lost)).toBe(false);
  // Another installation sharing the database runs its own tasks.
  expect((await queue.getJob(jobIds.cluster(mineByOutbox)))?.data).toMatchObject({ taskId: mineByOutbox });
  expect(await queue.getJob(jobIds.cluster(elsewhere))).toBeUndefined();

  // A second pass finds every job live: nothing is added twice.
  const mine = async () => (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).filter((j) => [lost, live, young, mineByOutbox].includes(j.data.taskId)).length;
  expect(await mine()).toBe(3);
  await reconciler.reconcile();
  expect(await mine()).toBe(3);
});

test('runs a failed job afresh while its task is still Running', async () => {
  await queue.drain();
  const stuck = await clusteringTask('kept', 60_000);
  await enqueueClusterJob(queue, { taskId: stuck, requestId: 'R', projectId, projectName: 'p', datasetId, datasetName: 'kept' });
  // A worker whose every attempt fails (say, the database was away), as the job's last attempt would.
  const worker = new Worker(queue.name, async () => {
    throw new UnrecoverableError('the database was away');
  }, { connection: redis });
  await new Promise((resolve) => worker.once('failed', resolve));
  await worker.close();
  const job = (await queue.getJob(jobIds.cluster(stuck)))!;
  expect(await job.getState()).toBe('failed');
  await reconciler.reconcile();
  expect(await (await queue.getJob(jobIds.cluster(stuck)))?.getState()).toBe('waiting');
});
