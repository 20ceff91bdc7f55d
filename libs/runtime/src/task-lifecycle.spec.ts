import { randomBytes, randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import pino from 'pino';
import { TASK_RETENTION_MS, TaskTypes, newEventId, newTaskId, subjects, type TaskEvent } from '@simclust/contracts';
import { createDatabase, type Db } from '@simclust/db';
import { connectNats, ensureJetStream } from '@simclust/messaging';
import { TaskLifecycle, taskMessage } from './task-lifecycle';

describe('TaskLifecycle (real Postgres and NATS)', () => {
  let db: Db;
  let nc: NatsConnection;
  const region = `rt${randomBytes(3).toString('hex')}`;
  const s = subjects(region, '0');
  let lifecycle: TaskLifecycle;
  let projectId: string;

  beforeAll(async () => {
    db = createDatabase(process.env.DATABASE_URL!);
    nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'runtime-spec');
    await ensureJetStream(nc, 'local', '0');
    lifecycle = new TaskLifecycle(db, nc, s, pino({ level: 'silent' }));
    projectId = randomUUID();
    await db.project.create({ data: { id: projectId, name: `rt_${randomBytes(4).toString('hex')}`, webhookSecretEnc: 'x' } });
  });

  afterAll(async () => {
    await db.project.delete({ where: { id: projectId } });
    await db.$disconnect();
    await nc.drain();
  });

  /** Collects the events of one task from a core subscription to the subject (JetStream publishes reach it too). */
  function collectEvents(taskId: string): { events: TaskEvent[]; stop: () => void } {
    const events: TaskEvent[] = [];
    const sub = nc.subscribe(s.taskEvent, {
      callback: (_err, msg) => {
        const event = JSON.parse(Buffer.from(msg.data).toString()) as TaskEvent;
        if (event.taskId === taskId) events.push(event);
      },
    });
    return { events, stop: () => sub.unsubscribe() };
  }

  async function newTask(taskType: string) {
    return db.task.create({
      data: {
        id: newTaskId(taskType),
        eventId: newEventId(),
        projectId,
        datasetName: 'ds',
        taskType,
        requestId: 'REQ',
        requestDefinition: {},
        userData: 'u',
        tags: { k: 'v' },
        expiresAt: new Date(Date.now() + TASK_RETENTION_MS),
      },
    });
  }

  it('finishes a task once and publishes one event carrying IMM\'s message', async () => {
    const task = await newTask(TaskTypes.IndexFileMeta);
    const collected = collectEvents(task.id);
    await lifecycle.progress(task.id, 42.4);
    expect((await db.task.findUniqueOrThrow({ where: { id: task.id } })).progress).toBe(42);
    await lifecycle.finish(task.id, { status: 'Succeeded', result: { Files: [{ URI: 'file:///a.jpg', Error: '' }] } });
    await lifecycle.finish(task.id, { status: 'Failed', code: 'X', message: 'late duplicate' });
    const stored = await db.task.findUniqueOrThrow({ where: { id: task.id } });
    expect(stored).toMatchObject({ status: 'Succeeded', progress: 100, code: null });
    expect(stored.eventPublishedAt).not.toBeNull();
    await lifecycle.progress(task.id, 10);
    expect((await db.task.findUniqueOrThrow({ where: { id: task.id } })).progress).toBe(100);

    await new Promise((r) => setTimeout(r, 300));
    collected.stop();
    const events = collected.events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventId: task.eventId, taskType: 'IndexFileMeta' });
    expect(events[0].content).toMatchObject({
      TaskId: task.id,
      Status: 'Succeeded',
      Success: true,
      UserData: 'u',
      Tags: { k: 'v' },
      Files: [{ URI: 'file:///a.jpg', Error: '' }],
      Code: '',
      Message: '',
    });
  }, 20_000);

  it('builds the message of a failed clustering task with its code', async () => {
    const task = await newTask(TaskTypes.SimilarImageClustering);
    await lifecycle.finish(task.id, { status: 'Failed', code: 'ResourceNotFound', message: 'The specified resource dataset is not found.' });
    const stored = await db.task.findUniqueOrThrow({ where: { id: task.id } });
    const message = taskMessage(stored, 'p');
    expect(message).toMatchObject({ Status: 'Failed', Code: 'ResourceNotFound', ProjectName: 'p', DatasetName: 'ds' });
    expect(message).not.toHaveProperty('Success');
    expect(String(message.EndTime)).toMatch(/Z$/);
  });
});
