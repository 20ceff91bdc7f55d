import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';
import { Webhook } from 'standardwebhooks';
import { JobNames, Queues, jobIds, newDeliveryId, subjects } from '@simclust/contracts';
import { createDatabase, type Db } from '@simclust/db';
import { connectNats } from '@simclust/messaging';
import type { WorkerApp } from '@simclust/runtime';
import { SecretBox } from '@simclust/secrets';
import { WebhookReceiver, waitFor, type ReceivedWebhook } from '@simclust/testing';
import { startNotifications } from '../src/bootstrap';
import { purgeExpired } from '../src/task-purge';
import { NotificationFixtures } from './fixtures';

// A Redis database of its own, so emptying it touches no one else's queues.
const REDIS_DB = 13;
const REDIS_URL = `redis://127.0.0.1:6379/${REDIS_DB}`;
Object.assign(process.env, {
  REDIS_URL,
  ALLOW_PRIVATE_NETWORK: 'true',
  WEBHOOK_RETRY_DELAYS_MS: '0,400,400,400,400,400,400,400',
  WEBHOOK_RECONCILE_INTERVAL_MS: '500',
  TASK_PURGE_INTERVAL_MS: '600000',
});
jest.setTimeout(30_000);

let db: Db;
let nats: NatsConnection;
let redis: Redis;
let fixtures: NotificationFixtures;
let app: WorkerApp | undefined;
const receivers: WebhookReceiver[] = [];

async function receiver(respond?: WebhookReceiver['respond']): Promise<WebhookReceiver> {
  const r = await new WebhookReceiver().start();
  if (respond) r.respond = respond;
  receivers.push(r);
  return r;
}

const start = async () => (app = await startNotifications({ port: 0 }));
const stop = async () => {
  await app?.close();
  app = undefined;
};

beforeAll(async () => {
  db = createDatabase(process.env.DATABASE_URL!);
  nats = await connectNats('nats://127.0.0.1:4222', 'notifications-e2e');
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  await redis.flushdb();
  fixtures = await NotificationFixtures.create(db, new SecretBox(process.env.SECRETS_KEY!), nats);
  await start();
});

afterAll(async () => {
  await stop();
  await Promise.all(receivers.map((r) => r.stop()));
  await redis.flushdb();
  redis.disconnect();
  await nats.drain();
  await db.$disconnect();
});

/** The receiver's requests for one event, each checked against its signing secret. */
function verified(r: WebhookReceiver, eventId: string, secret: string): ReceivedWebhook[] {
  const hooks = r.received.filter((h) => h.headers['webhook-id'] === eventId);
  for (const h of hooks) {
    const envelope = new Webhook(secret).verify(h.body, h.headers as Record<string, string>) as { id: string };
    expect(envelope.id).toBe(eventId);
    expect(h.headers['content-type']).toBe('application/json');
  }
  return hooks;
}

const deliveriesOf = (eventId: string) => db.webhookDelivery.findMany({ where: { eventId }, include: { attemptsLog: { orderBy: { attempt: 'asc' } } } });

it('fans one event out to the task URL and every matching endpoint, signed with the right secret', async () => {
  const project = await fixtures.project();
  const [taskUrl, all, clustering, indexing] = await Promise.all([receiver(), receiver(), receiver(), receiver()]);
  const a = await fixtures.endpoint(project.id, `${all.url}/all`);
  const b = await fixtures.endpoint(project.id, `${clustering.url}/clustering`, ['imm:Task:SimilarImageClustering']);
  await fixtures.endpoint(project.id, `${indexing.url}/indexing`, ['imm:Task:IndexFileMeta']);
  const task = await fixtures.finishedTask(project.id, { webhookUrl: `${taskUrl.url}/task` });

  await waitFor(() => taskUrl.received.length > 0 && all.received.length > 0 && clustering.received.length > 0, { what: 'three deliveries' });
  const [own] = verified(taskUrl, task.eventId, project.secret);
  verified(all, task.eventId, a.secret);
  verified(clustering, task.eventId, b.secret);
  const envelope = JSON.parse(own.body) as Record<string, string>;
  expect(envelope).toEqual({
    id: task.eventId,
    source: 'acs.imm',
    type: 'imm:Task:SimilarImageClustering',
    subject: `acs:imm:local:0:${project.name}/imm:Task:SimilarImageClustering`,
    time: expect.stringMatching(/^\d{13}$/),
    content: expect.any(String),
  });
  expect(JSON.parse(envelope.content)).toMatchObject({ ProjectName: project.name, TaskId: task.id, TaskType: 'SimilarImageClustering', Status: 'Succeeded', UserData: 'hello' });
  // The same bytes go to every target.
  expect(all.received[0].body).toBe(own.body);

  const rows = await waitFor(async () => {
    const d = await deliveriesOf(task.eventId);
    return d.every((x) => x.status === 'Succeeded') && d;
  });
  expect(rows.map((r) => r.targetKey).sort()).toEqual(['task', a.id, b.id].sort());
  expect(rows.every((r) => r.attemptsLog.length === 1 && r.attemptsLog[0].responseCode === 204)).toBe(true);
  expect(indexing.received).toHaveLength(0);
  const metrics = await (await fetch(`${app!.url}/metrics`)).text();
  expect(metrics).toMatch(/simclust_webhook_attempts_total\{status="Succeeded",app="notifications"\} [1-9]/);
});

it('retries a 503 with the same webhook-id, honouring Retry-After, and records every attempt', async () => {
  const project = await fixtures.project();
  const r = await receiver((_h, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '1' }, body: 'busy' } : i === 1 ? { status: 503 } : { status: 200 }));
  const endpoint = await fixtures.endpoint(project.id, r.url);
  const task = await fixtures.finishedTask(project.id);

  await waitFor(() => r.received.length >= 3, { what: 'three attempts' });
  const hooks = verified(r, task.eventId, endpoint.secret);
  expect(hooks).toHaveLength(3);
  // Retry-After: 1 wins over the schedule's 400 ms.
  expect(hooks[1].at - hooks[0].at).toBeGreaterThanOrEqual(950);

  const [delivery] = await waitFor(async () => {
    const d = await deliveriesOf(task.eventId);
    return d[0]?.status === 'Succeeded' && d;
  });
  expect(delivery.attempts).toBe(3);
  expect(delivery.attemptsLog.map((a) => [a.attempt, a.status, a.responseCode])).toEqual([
    [1, 'Pending', 503],
    [2, 'Pending', 503],
    [3, 'Succeeded', 200],
  ]);
  expect(delivery.attemptsLog[0].error).toBe('HTTP 503: busy');
  expect(delivery.attemptsLog.every((a) => typeof a.latencyMs === 'number')).toBe(true);
});

it('gives up after the last attempt of the schedule', async () => {
  const project = await fixtures.project();
  const r = await receiver(() => ({ status: 500 }));
  const task = await fixtures.finishedTask(project.id, { webhookUrl: r.url });
  const [delivery] = await waitFor(async () => {
    const d = await deliveriesOf(task.eventId);
    return d[0]?.status === 'Failed' && d;
  }, { timeoutMs: 20_000 });
  expect(delivery.attemptsLog.map((a) => a.status)).toEqual([...Array(7).fill('Pending'), 'Failed']);
  expect(r.received).toHaveLength(8);
});

it('disables an endpoint that answers 410 Gone and sends it nothing more', async () => {
  const project = await fixtures.project();
  const gone = await receiver(() => ({ status: 410 }));
  const endpoint = await fixtures.endpoint(project.id, gone.url);
  const first = await fixtures.finishedTask(project.id);
  await waitFor(async () => (await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).disabledAt !== null, { what: 'the endpoint disabled' });
  const row = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
  expect(row.disabledReason).toContain('410');
  const [delivery] = await deliveriesOf(first.eventId);
  expect(delivery.status).toBe('Disabled');
  expect(delivery.attemptsLog.map((a) => [a.status, a.responseCode])).toEqual([['Disabled', 410]]);

  // A later event of the project creates no delivery for it (a sibling endpoint proves the event was handled).
  const witness = await receiver();
  await fixtures.endpoint(project.id, witness.url);
  const second = await fixtures.finishedTask(project.id);
  await waitFor(() => witness.received.some((h) => h.headers['webhook-id'] === second.eventId), { what: 'the witness delivery' });
  expect((await deliveriesOf(second.eventId)).map((d) => d.targetKey)).not.toContain(endpoint.id);
  expect(gone.received).toHaveLength(1);
});

it('loses no delivery across a restart and never sends an event under a second webhook-id', async () => {
  const project = await fixtures.project();
  let up = false;
  const r = await receiver(() => ({ status: up ? 204 : 503 }));
  const endpoint = await fixtures.endpoint(project.id, `${r.url}/endpoint`);
  const before = await Promise.all([1, 2, 3].map(() => fixtures.finishedTask(project.id, { webhookUrl: `${r.url}/task` })));
  // Every delivery has failed once and waits for its retry when the app stops.
  await waitFor(async () => (await db.webhookDeliveryAttempt.count({ where: { delivery: { eventId: { in: before.map((t) => t.eventId) } } } })) >= 6, { what: 'first attempts' });
  await stop();
  const during = await Promise.all([1, 2].map(() => fixtures.finishedTask(project.id, { webhookUrl: `${r.url}/task` })));
  up = true;
  await start();

  const events = [...before, ...during].map((t) => t.eventId);
  const delivered = (path: string) => (id: string) => r.received.some((h) => h.path === path && h.headers['webhook-id'] === id);
  await waitFor(() => events.every(delivered('/task')) && events.every(delivered('/endpoint')), { what: 'every event delivered to both targets', timeoutMs: 20_000 });
  // Every request carried one of the events' ids, signed for its target, and its body's id is that same id.
  for (const h of r.received) {
    const id = String(h.headers['webhook-id']);
    expect(events).toContain(id);
    expect(JSON.parse(h.body).id).toBe(id);
    new Webhook(h.path === '/task' ? project.secret : endpoint.secret).verify(h.body, h.headers as Record<string, string>);
  }
  const rows = await db.webhookDelivery.findMany({ where: { eventId: { in: events } } });
  expect(rows).toHaveLength(events.length * 2);
  await waitFor(async () => (await db.webhookDelivery.count({ where: { eventId: { in: events }, status: 'Succeeded' } })) === events.length * 2, { what: 'all Succeeded' });
});

it('recovers deliveries after Redis lost its data, and registers the purge again', async () => {
  const project = await fixtures.project();
  const r = await receiver((_h, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '3' } } : { status: 204 }));
  const endpoint = await fixtures.endpoint(project.id, r.url);
  const task = await fixtures.finishedTask(project.id);
  const maintenance = new Queue(Queues.maintenance, { connection: redis });
  const webhooks = new Queue(Queues.webhooks, { connection: redis });
  try {
    const [delivery] = await waitFor(async () => {
      const d = await deliveriesOf(task.eventId);
      return d[0]?.attempts === 1 && d[0].attemptsLog.length === 1 && d;
    }, { what: 'the first attempt' });
    expect(await maintenance.getJobScheduler(JobNames.purgeExpiredTasks)).toMatchObject({ every: 600000 });
    await waitFor(async () => (await webhooks.getJob(jobIds.delivery(delivery.id, 1))) !== undefined, { what: 'the retry job' });

    await redis.flushdb();
    expect(await webhooks.getJob(jobIds.delivery(delivery.id, 1))).toBeUndefined();
    expect(await maintenance.getJobScheduler(JobNames.purgeExpiredTasks)).toBeUndefined();

    await waitFor(() => r.received.length >= 2, { what: 'the retry after the flush', timeoutMs: 10_000 });
    const hooks = verified(r, task.eventId, endpoint.secret);
    expect(hooks).toHaveLength(2);
    expect(hooks[1].at - hooks[0].at).toBeGreaterThanOrEqual(2_900);
    await waitFor(async () => (await deliveriesOf(task.eventId))[0].status === 'Succeeded', { what: 'Succeeded' });
    await waitFor(async () => (await maintenance.getJobScheduler(JobNames.purgeExpiredTasks)) !== undefined, { what: 'the purge scheduled again' });
  } finally {
    await Promise.all([maintenance.close(), webhooks.close()]);
  }
});

it('republishes the event of a finished task that never reached the bus', async () => {
  const project = await fixtures.project();
  const r = await receiver();
  const task = await fixtures.task(project.id, { webhookUrl: r.url });
  // The same, recorded by another installation sharing this database (its own region's command subject).
  const elsewhere = await fixtures.task(project.id, { webhookUrl: r.url });
  await db.task.update({ where: { id: elsewhere.id }, data: { commandSubject: subjects('another-region', 'x').indexCommand } });
  // A worker that stopped between updating the row and publishing: finished, eventPublishedAt still null.
  const finished = { status: 'Failed', code: 'InternalError', message: 'boom', endTime: new Date(Date.now() - 60_000), progress: 100 } as const;
  await db.task.updateMany({ where: { id: { in: [task.id, elsewhere.id] } }, data: finished });
  await waitFor(() => r.received.length > 0, { what: 'the republished event' });
  // The pass that republished this installation's event left the other one's alone.
  expect((await db.task.findUniqueOrThrow({ where: { id: elsewhere.id } })).eventPublishedAt).toBeNull();
  const [hook] = verified(r, task.eventId, project.secret);
  expect(JSON.parse(JSON.parse(hook.body).content)).toMatchObject({ TaskId: task.id, Status: 'Failed', Code: 'InternalError', Message: 'boom' });
  expect((await db.task.findUniqueOrThrow({ where: { id: task.id } })).eventPublishedAt).not.toBeNull();
});

it('purges tasks past their retention, and finished deliveries as old, by the clock it is given', async () => {
  const project = await fixtures.project();
  const at = (iso: string) => new Date(iso);
  const old = await fixtures.task(project.id);
  const younger = await fixtures.task(project.id);
  await db.task.update({ where: { id: old.id }, data: { startTime: at('1999-12-25T00:00:00Z'), expiresAt: at('2000-01-01T00:00:00Z') } });
  await db.task.update({ where: { id: younger.id }, data: { startTime: at('1999-12-27T00:00:00Z'), expiresAt: at('2000-01-03T00:00:00Z') } });
  const base = { projectId: project.id, targetKey: 'task', url: 'http://example.invalid/', eventType: 'imm:Task:SimilarImageClustering', body: '{}', taskId: old.id };
  const longAgo = at('1999-12-20T00:00:00Z');
  const oldDone = await db.webhookDelivery.create({ data: { ...base, id: newDeliveryId(), eventId: `${old.eventId}-1`, status: 'Succeeded' } });
  // Still pending (its next attempt far off, so nothing touches it meanwhile): never purged, whatever its age.
  const oldPending = await db.webhookDelivery.create({ data: { ...base, id: newDeliveryId(), eventId: `${old.eventId}-2`, nextAttemptAt: at('2999-01-01T00:00:00Z') } });
  const recentDone = await db.webhookDelivery.create({ data: { ...base, id: newDeliveryId(), eventId: `${old.eventId}-3`, status: 'Failed' } });
  await db.$executeRaw`UPDATE "WebhookDelivery" SET "updatedAt" = ${longAgo} WHERE "id" IN (${oldDone.id}, ${oldPending.id})`;
  await db.$executeRaw`UPDATE "WebhookDelivery" SET "updatedAt" = ${at('1999-12-30T00:00:00Z')} WHERE "id" = ${recentDone.id}`;

  // A batch size of 1 makes the purge loop.
  await purgeExpired(db, at('2000-01-02T00:00:00Z'), 1);
  expect(await db.task.findMany({ where: { id: { in: [old.id, younger.id] } }, select: { id: true } })).toEqual([{ id: younger.id }]);
  expect((await db.webhookDelivery.findMany({ where: { taskId: old.id }, orderBy: { eventId: 'asc' } })).map((d) => d.id)).toEqual([oldPending.id, recentDone.id]);

  await purgeExpired(db, at('2000-01-04T00:00:00Z'));
  expect(await db.task.count({ where: { id: younger.id } })).toBe(0);
  await db.webhookDelivery.deleteMany({ where: { taskId: old.id } });
});

it('fails a delivery at once when its signing secret was sealed under another SECRETS_KEY', async () => {
  const project = await fixtures.project();
  await db.project.update({ where: { id: project.id }, data: { webhookSecretEnc: new SecretBox('another-master-key-0123456789abcdef').encrypt('whsec_x') } });
  const r = await receiver();
  const task = await fixtures.finishedTask(project.id, { webhookUrl: `${r.url}/task` });
  const [delivery] = await waitFor(async () => {
    const d = await deliveriesOf(task.eventId);
    return d[0]?.status === 'Failed' && d;
  }, { what: 'the delivery to fail' });
  expect(delivery.attemptsLog).toHaveLength(1);
  expect(delivery.attemptsLog[0].error).toContain('cannot be decrypted');
  expect(r.received).toHaveLength(0);
});
