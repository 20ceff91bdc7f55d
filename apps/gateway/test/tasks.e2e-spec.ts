import { newEventId, newTaskId } from '@simclust/contracts';
import { createDatabase, type Db } from '@simclust/db';
import { uniqueName, type ImmClient } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';

let gateway: RunningGateway;
let client: ImmClient;
let db: Db;

beforeAll(async () => {
  ({ gateway, client } = await startTestGateway());
  db = createDatabase(process.env.DATABASE_URL!);
});
afterAll(async () => {
  await gateway.close();
  await db.$disconnect();
});

const DAY = 24 * 3600 * 1000;

interface TaskSeed {
  type?: 'SimilarImageClustering' | 'IndexFileMeta';
  status?: 'Running' | 'Succeeded' | 'Failed';
  start: string;
  end?: string;
  tags?: Record<string, unknown>;
  progress?: number;
  expiresAt?: Date;
}

async function newProject(): Promise<{ name: string; id: string }> {
  const name = uniqueName('tasks');
  await client.ok('CreateProject', { ProjectName: name });
  const { id } = await db.project.findUniqueOrThrow({ where: { name } });
  return { name, id };
}

/** Tasks as workers leave them; eventPublishedAt is set so no notifications reconciler republishes them. */
async function seed(projectId: string, t: TaskSeed) {
  const type = t.type ?? 'SimilarImageClustering';
  const startTime = new Date(t.start);
  return db.task.create({
    data: {
      id: newTaskId(type),
      eventId: newEventId(),
      projectId,
      datasetName: 'ds',
      taskType: type,
      status: t.status ?? (t.end ? 'Succeeded' : 'Running'),
      progress: t.progress ?? (t.end ? 100 : 0),
      requestId: 'REQ',
      tags: t.tags as object | undefined,
      userData: 'ud',
      requestDefinition: { Action: 'CreateSimilarImageClusteringTask', DatasetName: 'ds' },
      startTime,
      endTime: t.end ? new Date(t.end) : null,
      expiresAt: t.expiresAt ?? new Date(Date.now() + DAY),
      eventPublishedAt: t.end ? new Date() : null,
    },
  });
}

type TaskInfo = { TaskId: string; TaskType: string; Status: string; StartTime: string; EndTime?: string; Progress: number; Tags: object; TaskRequestDefinition?: string };
type ListBody = { Tasks: TaskInfo[]; NextToken?: string; MaxResults: string; ProjectName: string };

/** Every page of a listing, following NextToken. */
async function listAll(params: Record<string, unknown>, pageSize: number): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const page = await client.ok<ListBody>('ListTasks', { ...params, MaxResults: pageSize, NextToken: token }, 'query');
    expect(page.Tasks.length).toBeLessThanOrEqual(pageSize);
    ids.push(...page.Tasks.map((t) => t.TaskId));
    token = page.NextToken;
    if (!token) return ids;
  }
  throw new Error('pagination did not end');
}

describe('GetTask', () => {
  it("returns a running task without EndTime, a finished one with it, and the original request when asked", async () => {
    const p = await newProject();
    const running = await seed(p.id, { start: '2026-01-01T00:00:00Z', progress: 40, tags: { User: 'Jane' } });
    const got = await client.ok<TaskInfo & { EventId: string; ProjectName: string }>(
      'GetTask',
      { ProjectName: p.name, TaskType: 'SimilarImageClustering', TaskId: running.id },
      'query',
    );
    expect(got).toMatchObject({ ProjectName: p.name, EventId: running.eventId, TaskId: running.id, TaskType: 'SimilarImageClustering', Status: 'Running', Progress: 40, Tags: { User: 'Jane' }, UserData: 'ud', Code: '', Message: '' });
    expect(got.StartTime).toBe('2026-01-01T00:00:00.000Z');
    expect(got).not.toHaveProperty('EndTime');
    expect(got).not.toHaveProperty('TaskRequestDefinition');

    const done = await seed(p.id, { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:05:00Z' });
    const full = await client.ok<TaskInfo>('GetTask', { ProjectName: p.name, TaskType: 'SimilarImageClustering', TaskId: done.id, RequestDefinition: true });
    expect(full.EndTime).toBe('2026-01-01T00:05:00.000Z');
    expect(JSON.parse(full.TaskRequestDefinition!)).toEqual({ Action: 'CreateSimilarImageClusteringTask', DatasetName: 'ds' });

    const rest = await fetch(`${gateway.url}/v1/projects/${p.name}/tasks/${done.id}?TaskType=SimilarImageClustering`, { headers: { authorization: `Bearer ${process.env.ADMIN_API_KEY}` } });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as TaskInfo).TaskId).toBe(done.id);
  });

  it('answers 404 for a TaskType that does not match the id, an expired task, another project and an unknown project', async () => {
    const p = await newProject();
    const other = await newProject();
    const task = await seed(p.id, { start: '2026-01-01T00:00:00Z' });
    const expired = await seed(p.id, { start: '2026-01-01T00:00:00Z', expiresAt: new Date(Date.now() - 1000) });
    for (const params of [
      { ProjectName: p.name, TaskType: 'IndexFileMeta', TaskId: task.id },
      { ProjectName: p.name, TaskType: 'SimilarImageClustering', TaskId: expired.id },
      { ProjectName: other.name, TaskType: 'SimilarImageClustering', TaskId: task.id },
    ]) {
      const res = await client.call('GetTask', params);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ Code: 'ResourceNotFound', Message: expect.stringContaining('task') });
    }
    const noProject = await client.call('GetTask', { ProjectName: uniqueName('gone'), TaskType: 'SimilarImageClustering', TaskId: task.id });
    expect(noProject.status).toBe(404);
    expect(noProject.body.Message).toContain('project');
  });

  it('refuses a missing TaskId and an unknown TaskType', async () => {
    const p = await newProject();
    const missing = await client.call('GetTask', { ProjectName: p.name, TaskType: 'SimilarImageClustering' });
    expect(missing.status).toBe(400);
    expect(missing.body.Code).toBe('MissingTaskId');
    const unknown = await client.call('GetTask', { ProjectName: p.name, TaskType: 'MediaConvert', TaskId: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.Code).toBe('InvalidTaskType');
  });
});

describe('ListTasks', () => {
  let project: { name: string; id: string };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    project = await newProject();
    // Same StartTime for b and c, same EndTime for c and d, two running tasks: ties and NULL EndTime are exercised.
    const seeds: Record<string, TaskSeed> = {
      a: { start: '2026-03-01T10:00:00Z', end: '2026-03-01T10:30:00Z', tags: { team: 'red', tier: 1 } },
      b: { start: '2026-03-02T10:00:00Z', end: '2026-03-02T11:00:00Z', status: 'Failed', tags: { team: 'red', tier: 2 } },
      c: { start: '2026-03-02T10:00:00Z', end: '2026-03-03T00:00:00Z', tags: { team: 'blue' } },
      d: { type: 'IndexFileMeta', start: '2026-03-02T12:00:00Z', end: '2026-03-03T00:00:00Z', tags: { team: 'red', tier: 1 } },
      e: { start: '2026-03-04T10:00:00Z' },
      f: { type: 'IndexFileMeta', start: '2026-03-05T10:00:00Z', tags: { team: 'red' } },
      g: { start: '2026-02-01T00:00:00Z', end: '2026-02-01T00:00:01Z', expiresAt: new Date(Date.now() - 1) },
    };
    for (const [k, s] of Object.entries(seeds)) ids[(await seed(project.id, s)).id] = k;
  });

  const names = (list: string[]) => list.map((id) => ids[id]);

  it('sorts by TaskId, StartTime and EndTime both ways, and pages of 2 neither repeat nor skip a task', async () => {
    const all = Object.keys(ids).filter((id) => ids[id] !== 'g');
    const byId = [...all].sort();
    expect(await listAll({ ProjectName: project.name }, 2)).toEqual(byId);
    expect(await listAll({ ProjectName: project.name, Order: 'desc' }, 2)).toEqual([...byId].reverse());

    const byStart = await listAll({ ProjectName: project.name, Sort: 'StartTime' }, 2);
    expect(names(byStart)).toEqual(['a', ...(names(byStart).slice(1, 3)), 'd', 'e', 'f']);
    expect(new Set(names(byStart).slice(1, 3))).toEqual(new Set(['b', 'c']));
    expect(await listAll({ ProjectName: project.name, Sort: 'StartTime', Order: 'desc' }, 3)).toEqual([...byStart].reverse());

    const byEnd = await listAll({ ProjectName: project.name, Sort: 'EndTime' }, 2);
    expect(names(byEnd).slice(0, 2)).toEqual(['a', 'b']);
    expect(new Set(names(byEnd).slice(2, 4))).toEqual(new Set(['c', 'd']));
    expect(new Set(names(byEnd).slice(4))).toEqual(new Set(['e', 'f']));
    for (const size of [1, 2, 4]) expect(await listAll({ ProjectName: project.name, Sort: 'EndTime', Order: 'desc' }, size)).toEqual([...byEnd].reverse());
  });

  it('filters by TaskTypes, Status, time ranges and every pair of a TagSelector', async () => {
    const list = async (params: Record<string, unknown>) => names(await listAll({ ProjectName: project.name, Sort: 'StartTime', ...params }, 100)).sort();
    expect(await list({ TaskTypes: ['IndexFileMeta'] })).toEqual(['d', 'f']);
    expect(await list({ Status: 'Running' })).toEqual(['e', 'f']);
    expect(await list({ Status: 'Failed' })).toEqual(['b']);
    expect(await list({ StartTimeRange: { Start: '2026-03-02T10:00:00Z', End: '2026-03-04T10:00:00Z' } })).toEqual(['b', 'c', 'd', 'e']);
    expect(await list({ StartTimeRange: { Start: '2026-03-02T19:00:00+08:00' } })).toEqual(['d', 'e', 'f']);
    expect(await list({ EndTimeRange: { End: '2026-03-02T23:59:59Z' } })).toEqual(['a', 'b']);
    expect(await list({ TagSelector: 'team=red' })).toEqual(['a', 'b', 'd', 'f']);
    expect(await list({ TagSelector: 'team=red,tier=1' })).toEqual(['a', 'd']);
    expect(await list({ TagSelector: 'team=blue,tier=1' })).toEqual([]);
    expect(await list({ TaskTypes: ['SimilarImageClustering'], Status: 'Succeeded', TagSelector: 'team=red' })).toEqual(['a']);
  });

  it('answers MaxResults as a string, omits ProjectName and EventId per task, and includes the request definition when asked', async () => {
    const page = await client.ok<ListBody>('ListTasks', { ProjectName: project.name, MaxResults: 3, RequestDefinition: 'true' }, 'form');
    expect(page.MaxResults).toBe('3');
    expect(page.ProjectName).toBe(project.name);
    expect(page.Tasks).toHaveLength(3);
    expect(page.NextToken).toEqual(expect.any(String));
    for (const t of page.Tasks) {
      expect(t).not.toHaveProperty('ProjectName');
      expect(t).not.toHaveProperty('EventId');
      expect(typeof t.TaskRequestDefinition).toBe('string');
    }
    const rest = await fetch(`${gateway.url}/v1/projects/${project.name}/tasks?MaxResults=100`, { headers: { authorization: `Bearer ${process.env.ADMIN_API_KEY}` } });
    expect(((await rest.json()) as ListBody).MaxResults).toBe('100');
  });

  it.each([
    [{ TagSelector: 'team' }, 'InvalidTagSelector'],
    [{ TagSelector: 'team=red,,tier=1' }, 'InvalidTagSelector'],
    [{ TagSelector: 'team=red,team=blue' }, 'InvalidTagSelector'],
    [{ StartTimeRange: { Start: '2026-03-05T00:00:00Z', End: '2026-03-01T00:00:00Z' } }, 'InvalidStartTimeRange'],
    [{ EndTimeRange: { Start: '2026-03-01 10:00' } }, 'InvalidEndTimeRange'],
    [{ EndTimeRange: { Start: '2026-02-30T10:00:00Z' } }, 'InvalidEndTimeRange'],
    [{ EndTimeRange: { Begin: '2026-03-01T10:00:00Z' } }, 'InvalidEndTimeRange'],
    [{ Status: 'Done' }, 'InvalidStatus'],
    [{ TaskTypes: ['MediaConvert'] }, 'InvalidTaskTypes'],
    [{ Sort: 'Name' }, 'InvalidSort'],
    [{ Order: 'up' }, 'InvalidOrder'],
    [{ MaxResults: 0 }, 'InvalidMaxResults'],
    [{ MaxResults: 101 }, 'InvalidMaxResults'],
    [{ NextToken: 'forged.token' }, 'InvalidNextToken'],
  ])('refuses %j with %s', async (params, code) => {
    const res = await client.call('ListTasks', { ProjectName: project.name, ...params }, 'query');
    expect(res.status).toBe(400);
    expect(res.body.Code).toBe(code);
    expect(res.body.Message).toEqual(expect.any(String));
  });

  it('refuses a NextToken used with another sort or filter', async () => {
    const page = await client.ok<ListBody>('ListTasks', { ProjectName: project.name, MaxResults: 1, Sort: 'StartTime' });
    const otherSort = await client.call('ListTasks', { ProjectName: project.name, MaxResults: 1, Sort: 'EndTime', NextToken: page.NextToken });
    expect(otherSort.body.Code).toBe('InvalidNextToken');
    const otherFilter = await client.call('ListTasks', { ProjectName: project.name, MaxResults: 1, Sort: 'StartTime', Status: 'Running', NextToken: page.NextToken });
    expect(otherFilter.body.Code).toBe('InvalidNextToken');
  });
});

describe('Notification', () => {
  it.each([
    [{ MNS: { TopicName: 'topic1' } }],
    [{ RocketMQ: { InstanceId: 'i', TopicName: 't' } }],
  ])('refuses IMM’s %j with a 400 saying simclust delivers by webhook', async (notification) => {
    const res = await client.call('IndexFileMeta', { ProjectName: uniqueName('p'), DatasetName: 'd', File: { URI: 'file:///data/a.jpg' }, Notification: notification }, 'query');
    expect(res.status).toBe(400);
    expect(res.body.Code).toBe('InvalidNotification');
    expect(res.body.Message).toContain('webhook');
  });
});
