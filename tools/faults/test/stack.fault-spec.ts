// The fault suite: the four BUILT apps on Redis, NATS and PostgreSQL of the suite's own (so each can be killed and
// restarted), driven through the IMM API with a webhook endpoint on a loopback receiver. A clean run fixes the
// expected clustering; then every fault gets a fresh dataset of the same photos, and the final state is checked:
// every accepted task Succeeded once (one row, one event on the bus), each dataset's clusters equal the clean run's,
// and every task's event reached the receiver under exactly one webhook-id (repeats of that id are allowed).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { connect, type NatsConnection } from 'nats';
import type { Redis } from 'ioredis';
import { Queues, Streams, clusterRunLockKey, jobIds, queuePrefix, subjects, type TaskEvent } from '@simclust/contracts';
import { createDatabase, type Db } from '@simclust/db';
import { createRedis } from '@simclust/messaging';
import { ImmClient, REPO_ROOT, STACK_APPS, WebhookReceiver, startStack, uniqueName, type Stack, type StackAppName } from '@simclust/testing';
import { startOwnServices, type OwnServices } from './own-services';

jest.setTimeout(240_000);

const DEV_DIR = realpathSync('/work/shared/bench/dev');
const DEV_IMAGES = join(DEV_DIR, 'images');
const truth = JSON.parse(readFileSync(join(DEV_DIR, 'truth.json'), 'utf8')) as { clusters: string[][]; singletons: string[] };
/** Three near-duplicate families and two unrelated photos: 14 images, indexed in batches of 4. */
const PHOTOS = [...truth.clusters[9], ...truth.clusters[11], ...truth.clusters[2], ...truth.singletons.slice(0, 1)];
const BATCH = 4;
const batches = (): string[][] => Array.from({ length: Math.ceil(PHOTOS.length / BATCH) }, (_, i) => PHOTOS.slice(i * BATCH, (i + 1) * BATCH));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stdout.write(`[faults] ${line}\n`);

let services: OwnServices;
let stack: Stack;
let client: ImmClient;
let db: Db;
let redis: Redis;
let receiver: WebhookReceiver;
const region = `flt${randomBytes(3).toString('hex')}`;
const ProjectName = uniqueName('faults');
/** Every task the gateway accepted (answered 200 with its TaskId). */
const accepted: Array<{ taskId: string; dataset: string; type: 'IndexFileMeta' | 'SimilarImageClustering' }> = [];
/** One line per fault for the closing note. */
const report: string[] = [];
let expected: string[][];

/** Polls until check() returns a value (errors count as "not yet": services may be down), bounded. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await sleep(intervalMs);
  }
}

/**
 * Calls the gateway until it answers 200: refusals (503 while a service is down, connection refused while the
 * gateway restarts) are what a client sees during a fault and retries. Returns the body and how many were refused.
 */
async function callUntilAccepted<T>(action: string, params: Record<string, unknown>, timeoutMs = 60_000): Promise<{ body: T; refused: string[] }> {
  const refused: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.call<T>(action, params).catch((err: Error) => {
      refused.push(String((err.cause as { code?: string } | undefined)?.code ?? 'network error'));
      return undefined;
    });
    if (res?.status === 200) return { body: res.body as T, refused };
    if (res && res.status < 500 && res.status !== 429) throw new Error(`${action} answered ${res.status}: ${JSON.stringify(res.body)}`);
    if (res) refused.push(String(res.status));
    if (Date.now() > deadline) throw new Error(`${action} was not accepted within ${timeoutMs} ms (refusals: ${refused.join(', ')})`);
    await sleep(250);
  }
}

async function newDataset(label: string): Promise<string> {
  const DatasetName = uniqueName(label);
  await callUntilAccepted('CreateDataset', { ProjectName, DatasetName });
  return DatasetName;
}

async function submitIndex(dataset: string, names: string[]): Promise<{ taskId: string; refused: string[] }> {
  const Files = names.map((name) => ({ URI: `file://${join(DEV_IMAGES, name)}` }));
  const { body, refused } = await callUntilAccepted<{ TaskId: string }>('BatchIndexFileMeta', { ProjectName, DatasetName: dataset, Files });
  accepted.push({ taskId: body.TaskId, dataset, type: 'IndexFileMeta' });
  return { taskId: body.TaskId, refused };
}

async function submitClustering(dataset: string): Promise<string> {
  const { body } = await callUntilAccepted<{ TaskId: string }>('CreateSimilarImageClusteringTask', { ProjectName, DatasetName: dataset });
  accepted.push({ taskId: body.TaskId, dataset, type: 'SimilarImageClustering' });
  return body.TaskId;
}

/** Waits (reading Postgres directly, so it works while the gateway is down) until none of the tasks is Running. */
async function waitTasks(taskIds: string[], timeoutMs = 90_000): Promise<Array<{ id: string; status: string; code: string | null }>> {
  return until(`tasks ${taskIds.join(', ')} to end`, async () => {
    const rows = await db.task.findMany({ where: { id: { in: taskIds } }, select: { id: true, status: true, code: true } });
    return rows.length === taskIds.length && rows.every((r) => r.status !== 'Running') ? rows : undefined;
  }, timeoutMs, 200);
}

async function expectSucceeded(taskIds: string[], timeoutMs?: number): Promise<void> {
  const rows = await waitTasks(taskIds, timeoutMs);
  expect(rows.filter((r) => r.status !== 'Succeeded')).toEqual([]);
}

async function indexAll(dataset: string): Promise<string[]> {
  const ids: string[] = [];
  for (const names of batches()) ids.push((await submitIndex(dataset, names)).taskId);
  await expectSucceeded(ids);
  return ids;
}

/** The dataset's clusters as sorted lists of file names: comparable across datasets. */
async function partitionOf(dataset: string): Promise<string[][]> {
  const rows = await db.similarImageCluster.findMany({
    where: { dataset: { name: dataset, project: { name: ProjectName } } },
    select: { members: { select: { file: { select: { uri: true } } } } },
  });
  return rows.map((c) => c.members.map((m) => basename(m.file.uri)).sort()).sort((a, b) => a[0].localeCompare(b[0]));
}

async function clusterAndCompare(dataset: string): Promise<void> {
  const taskId = await submitClustering(dataset);
  await expectSucceeded([taskId]);
  expect(await partitionOf(dataset)).toEqual(expected);
}

async function indexedFiles(dataset: string): Promise<number> {
  return db.file.count({ where: { status: 'Indexed', dataset: { name: dataset, project: { name: ProjectName } } } });
}

async function readyStatus(app: StackAppName): Promise<number> {
  try {
    const res = await fetch(`${stack.app(app).url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Waits until every listed app's readiness is red (not 200), then, after `restore`, green again; no app may exit. */
async function redThenGreen(apps: readonly StackAppName[], restore: () => Promise<void>): Promise<string> {
  const pids = Object.fromEntries(apps.map((a) => [a, stack.app(a).pid]));
  await until(`${apps.join(', ')} to report not ready`, async () => (await Promise.all(apps.map(readyStatus))).every((s) => s !== 200), 30_000, 200);
  const redAt = Date.now();
  await restore();
  await until(`${apps.join(', ')} to report ready again`, async () => (await Promise.all(apps.map(readyStatus))).every((s) => s === 200), 60_000, 200);
  const exited = STACK_APPS.filter((a) => !stack.app(a).running || (pids[a] !== undefined && stack.app(a).pid !== pids[a]));
  expect(exited).toEqual([]);
  return `ready red then green after ${((Date.now() - redAt) / 1000).toFixed(1)} s, no process exited`;
}

beforeAll(async () => {
  const missing = STACK_APPS.filter((app) => !existsSync(join(REPO_ROOT, 'apps', app, 'dist', 'main.js')));
  if (missing.length) {
    const built = spawnSync('npx', ['tsc', '-b', ...missing.map((app) => `apps/${app}/tsconfig.app.json`)], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`the apps do not build:\n${built.stdout}${built.stderr}`);
  }
  const started = Date.now();
  services = await startOwnServices();
  receiver = await new WebhookReceiver().start();
  stack = await startStack({
    env: {
      DATABASE_URL: services.databaseUrl,
      REDIS_URL: services.redisUrl,
      NATS_URL: services.natsUrl,
      SIMCLUST_REGION: region,
      ALLOWED_FILE_ROOTS: DEV_DIR,
      ALLOW_PRIVATE_NETWORK: 'true',
      LOG_LEVEL: 'info',
      // Short timings so each recovery takes seconds, not the production minutes.
      JETSTREAM_ACK_WAIT_MS: '4000',
      CLUSTERING_JOB_LOCK_MS: '4000',
      CLUSTERING_RECONCILE_INTERVAL_MS: '2000',
      WEBHOOK_RECONCILE_INTERVAL_MS: '2000',
      WEBHOOK_RETRY_DELAYS_MS: '0,1000,2000,4000,8000',
      SHUTDOWN_GRACE_MS: '5000',
      INDEXER_THREADS: '1',
      KEY_QUERIES_PER_SECOND: '100000',
    },
    readyTimeoutMs: 60_000,
    stopTimeoutMs: 8_000,
  });
  client = new ImmClient(stack.url);
  db = createDatabase(services.databaseUrl);
  redis = createRedis(services.redisUrl, 'fault-suite');
  redis.on('error', () => undefined);
  await client.ok('CreateProject', { ProjectName, ProjectQueriesPerSecond: 100000 });
  await client.ok('CreateWebhookEndpoint', { ProjectName, URL: `${receiver.url}/hooks` });
  log(`services and stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in ${stack.logDir})`);
}, 180_000);

afterAll(async () => {
  for (const line of report) log(line);
  await stack?.stop().catch(() => undefined);
  redis?.disconnect();
  await db?.$disconnect().catch(() => undefined);
  await receiver?.stop();
  await services?.stop();
}, 60_000);

test('a clean run fixes the expected clusters', async () => {
  const t0 = Date.now();
  const dataset = await newDataset('clean');
  await indexAll(dataset);
  const taskId = await submitClustering(dataset);
  await expectSucceeded([taskId]);
  expected = await partitionOf(dataset);
  expect(expected.length).toBeGreaterThan(0);
  report.push(`clean run: ${PHOTOS.length} photos in ${batches().length} batches → ${expected.length} clusters (${expected.map((c) => c.length).join('+')} photos) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

test('SIGKILL the indexer mid-batch, restart it alone', async () => {
  const t0 = Date.now();
  const dataset = await newDataset('idx');
  const ids: string[] = [];
  for (const names of batches()) ids.push((await submitIndex(dataset, names)).taskId);
  const before = await until('a first file to be indexed', async () => {
    const n = await indexedFiles(dataset);
    return n > 0 ? n : undefined;
  }, 60_000, 20);
  await stack.kill('indexer', 'SIGKILL');
  const done = (await db.task.count({ where: { id: { in: ids }, status: { not: 'Running' } } }));
  await stack.restart('indexer');
  await expectSucceeded(ids);
  await clusterAndCompare(dataset);
  report.push(`indexer SIGKILL after ${before}/${PHOTOS.length} files indexed (${done}/${ids.length} tasks done): restarted alone, every task Succeeded, clusters equal the clean run (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
});

test('SIGKILL the clustering worker mid-run, restart it', async () => {
  const t0 = Date.now();
  const dataset = await newDataset('clu');
  await indexAll(dataset);
  const datasetId = (await db.dataset.findFirstOrThrow({ where: { name: dataset } })).id;
  const taskId = await submitClustering(dataset);
  // The run holds the dataset's run lock from its start to its end: kill as soon as it appears.
  await until('the clustering run to start', async () => (await redis.exists(clusterRunLockKey(datasetId))) === 1, 30_000, 5);
  await stack.kill('clustering-worker', 'SIGKILL');
  const status = (await db.task.findUniqueOrThrow({ where: { id: taskId } })).status;
  // The run writes its clusters in one transaction: a reader sees none or all of them, never part.
  const visible = await partitionOf(dataset);
  expect(visible.length === 0 || JSON.stringify(visible) === JSON.stringify(expected)).toBe(true);
  await stack.restart('clustering-worker');
  await expectSucceeded([taskId]);
  expect(await partitionOf(dataset)).toEqual(expected);
  report.push(
    `clustering-worker SIGKILL mid-run (task ${status} at the kill, ${visible.length ? 'clusters already committed' : 'no cluster visible'}): restarted, the stalled job ran again, Succeeded once, clusters equal the clean run (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
});

test('SIGKILL notifications mid-deliveries, restart it', async () => {
  const t0 = Date.now();
  const dataset = await newDataset('ntf');
  const seenBefore = receiver.received.length;
  let killed: Promise<unknown> | undefined;
  const respond = receiver.respond;
  // Killed while it delivers this dataset's first events: the attempt in flight is never recorded.
  receiver.respond = (hook, index) => {
    if (!killed && index >= seenBefore) killed = stack.kill('notifications', 'SIGKILL');
    return respond(hook, index);
  };
  const ids: string[] = [];
  for (const names of batches()) ids.push((await submitIndex(dataset, names)).taskId);
  await until('the first delivery of this dataset', async () => killed, 60_000, 20);
  await killed;
  receiver.respond = respond;
  const recordedAtKill = await db.webhookDeliveryAttempt.count({ where: { delivery: { taskId: { in: ids } } } });
  await expectSucceeded(ids);
  await stack.restart('notifications');
  await clusterAndCompare(dataset);
  report.push(`notifications SIGKILL while sending this dataset's first webhook (${recordedAtKill} attempts of its deliveries recorded by then; its tasks kept completing, their events waited in JetStream): restarted; its deliveries are checked at the end (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
});

test('SIGKILL the gateway, restart it: accepted tasks still complete', async () => {
  const t0 = Date.now();
  const dataset = await newDataset('gw');
  const [first, second, ...rest] = batches();
  const ids = [(await submitIndex(dataset, first)).taskId, (await submitIndex(dataset, second)).taskId];
  await stack.kill('gateway', 'SIGKILL');
  // The workers go on without the gateway.
  await expectSucceeded(ids);
  await stack.restart('gateway');
  for (const names of rest) ids.push((await submitIndex(dataset, names)).taskId);
  await expectSucceeded(ids);
  await clusterAndCompare(dataset);
  report.push(`gateway SIGKILL with 2 batches accepted: they completed while it was down; restarted, the rest accepted and Succeeded, clusters equal the clean run (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
});

test('restart NATS underneath the running apps', async () => {
  const t0 = Date.now();
  const dataset = await newDataset('nats');
  const [first, second, ...rest] = batches();
  const ids = [(await submitIndex(dataset, first)).taskId, (await submitIndex(dataset, second)).taskId];
  await services.stopNats();
  const refusedWhileDown = await client.call('BatchIndexFileMeta', { ProjectName, DatasetName: dataset, Files: [{ URI: `file://${join(DEV_IMAGES, rest[0][0])}` }] });
  expect(refusedWhileDown.status).toBe(503);
  const health = await redThenGreen(STACK_APPS, async () => {
    await sleep(1_000);
    await services.startNats();
  });
  for (const names of rest) ids.push((await submitIndex(dataset, names)).taskId);
  await expectSucceeded(ids);
  await clusterAndCompare(dataset);
  report.push(`NATS SIGKILL + restart (same JetStream store) with 2 batches in flight: a call while down got 503 (its task not accepted), ${health}; all accepted tasks Succeeded, clusters equal the clean run (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
});

test('restart Redis with its data lost', async () => {
  const t0 = Date.now();
  const dataset = await newDataset('rds');
  await indexAll(dataset);
  const datasetId = (await db.dataset.findFirstOrThrow({ where: { name: dataset } })).id;
  // Another holder of the dataset's run lock keeps the job waiting in Redis, so the restart surely loses it.
  await redis.set(clusterRunLockKey(datasetId), 'fault-suite', 'PX', 600_000);
  const taskId = await submitClustering(dataset);
  await until('the clustering job to wait in Redis', async () => (await redis.exists(`${queuePrefix(region, '0')}:${Queues.clustering}:${jobIds.cluster(taskId)}`)) === 1, 30_000, 50);
  await services.stopRedis();
  const health = await redThenGreen(['gateway', 'clustering-worker', 'notifications'], async () => {
    await sleep(1_000);
    await services.startRedis();
  });
  expect(await redis.exists(clusterRunLockKey(datasetId))).toBe(0);
  await expectSucceeded([taskId]);
  expect(await partitionOf(dataset)).toEqual(expected);
  report.push(`Redis SIGKILL + restart empty with a clustering job waiting in it: ${health}; the reconciler enqueued the job again from Postgres, Succeeded once, clusters equal the clean run (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
});

test('restart Postgres underneath the running apps', async () => {
  const t0 = Date.now();
  const dataset = await newDataset('pg');
  const [first, second, ...rest] = batches();
  const ids = [(await submitIndex(dataset, first)).taskId, (await submitIndex(dataset, second)).taskId];
  await services.stopPostgres();
  const health = await redThenGreen(STACK_APPS, async () => {
    await sleep(2_000);
    await services.startPostgres();
  });
  for (const names of rest) ids.push((await submitIndex(dataset, names)).taskId);
  await expectSucceeded(ids);
  await clusterAndCompare(dataset);
  report.push(`Postgres immediate stop + start with 2 batches in flight: ${health}; all accepted tasks Succeeded, clusters equal the clean run (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
});

test('SIGTERM: each app stops taking work and exits 0 within SHUTDOWN_GRACE_MS, its work finished or handed back', async () => {
  const t0 = Date.now();
  const dataset = await newDataset('term');
  const ids: string[] = [];
  for (const names of batches()) ids.push((await submitIndex(dataset, names)).taskId);
  await until('a first file to be indexed', async () => (await indexedFiles(dataset)) > 0, 60_000, 20);
  const stopped = async (app: StackAppName) => {
    const at = Date.now();
    const exit = await stack.kill(app, 'SIGTERM');
    return { exit, ms: Date.now() - at };
  };
  const indexer = await stopped('indexer');
  await stack.restart('indexer');
  await expectSucceeded(ids);
  const datasetId = (await db.dataset.findFirstOrThrow({ where: { name: dataset } })).id;
  const taskId = await submitClustering(dataset);
  await until('the clustering run to start', async () => (await redis.exists(clusterRunLockKey(datasetId))) === 1, 30_000, 5);
  const worker = await stopped('clustering-worker');
  await stack.restart('clustering-worker');
  await expectSucceeded([taskId]);
  expect(await partitionOf(dataset)).toEqual(expected);
  const others = { notifications: await stopped('notifications'), gateway: await stopped('gateway') };
  await Promise.all([stack.restart('notifications'), stack.restart('gateway')]);
  const all = { indexer, 'clustering-worker': worker, ...others };
  // SHUTDOWN_GRACE_MS is 5 s here; a process still running then exits 1.
  expect(Object.values(all).map((s) => s.exit)).toEqual(Object.values(all).map(() => ({ code: 0, signal: null })));
  for (const s of Object.values(all)) expect(s.ms).toBeLessThan(5_000);
  report.push(
    `SIGTERM mid-work: ${Object.entries(all).map(([app, s]) => `${app} exit ${s.exit.code} in ${s.ms} ms`).join(', ')}; the interrupted index tasks and clustering run completed after the restarts, clusters equal the clean run (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
});

test('in the end: every accepted task Succeeded once, one event each on the bus, each delivered under one webhook-id', async () => {
  const t0 = Date.now();
  const taskIds = accepted.map((a) => a.taskId);
  await expectSucceeded(taskIds, 60_000);
  // Besides the accepted tasks, only those the gateway refused with 503 (bus down): recorded Failed, never run.
  const rows = await db.task.findMany({ select: { id: true, status: true, code: true, eventId: true } });
  const acceptedIds = new Set(taskIds);
  const refused = rows.filter((r) => !acceptedIds.has(r.id));
  expect(refused.filter((r) => r.status !== 'Failed' || r.code !== 'ServiceUnavailable')).toEqual([]);
  expect(rows.filter((r) => acceptedIds.has(r.id)).length).toBe(taskIds.length);

  // The events stream (this NATS is the suite's own): exactly one completion event per task.
  const nc: NatsConnection = await connect({ servers: services.natsUrl, timeout: 5_000 });
  const perTask = new Map<string, number>();
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(Streams.events.name);
    const subject = subjects(region, '0').taskEvent;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(Streams.events.name, { seq }).catch(() => undefined);
      if (!msg || msg.subject !== subject) continue;
      const event = JSON.parse(Buffer.from(msg.data).toString('utf8')) as TaskEvent;
      perTask.set(event.taskId, (perTask.get(event.taskId) ?? 0) + 1);
    }
  } finally {
    await nc.close();
  }
  expect(taskIds.filter((id) => perTask.get(id) !== 1)).toEqual([]);
  expect(refused.filter((r) => (perTask.get(r.id) ?? 0) > 1)).toEqual([]);

  // Webhooks: every task's event arrives (the killed notifications' attempt waits out its lease), under its EventId only.
  const eventOf = new Map(rows.map((r) => [r.id, r.eventId]));
  const idsByTask = () => {
    const ids = new Map<string, Set<string>>();
    for (const hook of receiver.received) {
      const envelope = JSON.parse(hook.body) as { id: string; content: string };
      const taskId = (JSON.parse(envelope.content) as { TaskId: string }).TaskId;
      expect(hook.headers['webhook-id']).toBe(envelope.id);
      ids.set(taskId, (ids.get(taskId) ?? new Set()).add(envelope.id));
    }
    return ids;
  };
  await until('every task event to reach the receiver', async () => taskIds.every((id) => idsByTask().has(id)), 90_000, 500);
  const byTask = idsByTask();
  expect(taskIds.filter((id) => byTask.get(id)?.size !== 1 || !byTask.get(id)?.has(eventOf.get(id)!))).toEqual([]);
  await until('every delivery to be recorded Succeeded', async () => (await db.webhookDelivery.count({ where: { status: { not: 'Succeeded' } } })) === 0, 60_000, 500);
  const repeats = receiver.received.length - new Set(receiver.received.map((h) => h.headers['webhook-id'])).size;
  report.push(
    `final state: ${taskIds.length} accepted tasks all Succeeded, one row and one bus event each (${refused.length} refused with 503, recorded Failed); ${receiver.received.length} webhooks, each task's under its own single webhook-id (${repeats} repeat${repeats === 1 ? '' : 's'} of an id) (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
});
