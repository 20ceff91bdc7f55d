// Rate limits against two real gateway instances sharing Redis: per access key (KEY_QUERIES_PER_SECOND) and per
// project (ProjectQueriesPerSecond, changed by UpdateProject), answered with 429 Throttling and Retry-After.
import { randomBytes } from 'node:crypto';
import { ImmClient, uniqueName, type ImmResponse } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';
import { expectImmError } from './imm-expect';

jest.setTimeout(60_000);

const KEY_QPS = 20;

let first: RunningGateway;
let second: RunningGateway;
let admin: ImmClient;

beforeAll(async () => {
  // An admin key id of its own: the per-key counter in Redis is shared with every gateway using the same id.
  ({ gateway: first, client: admin } = await startTestGateway({ KEY_QUERIES_PER_SECOND: String(KEY_QPS), ADMIN_ACCESS_KEY_ID: `admin-${randomBytes(4).toString('hex')}` }));
  const { startGateway } = await import('../src/bootstrap');
  second = await startGateway(0);
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

const ALL = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:*', Resource: '*' }] };

async function newKey(): Promise<{ id: string; secret: string }> {
  const created = await admin.ok<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>('CreateAccessKey', { Policy: ALL });
  return { id: created.AccessKey.AccessKeyId, secret: created.AccessKey.AccessKeySecret };
}

/** Fires batches of concurrent calls until one is throttled (or the batches run out). */
async function burst(calls: () => Array<Promise<ImmResponse>>, batches = 5): Promise<ImmResponse[]> {
  const answers: ImmResponse[] = [];
  for (let i = 0; i < batches && !answers.some((a) => a.status === 429); i++) answers.push(...(await Promise.all(calls())));
  return answers;
}

describe('rate limits', () => {
  it('throttles one access key past KEY_QUERIES_PER_SECOND on every instance, leaving other keys alone', async () => {
    const ProjectName = uniqueName('thk');
    await admin.ok('CreateProject', { ProjectName, ProjectQueriesPerSecond: 100_000 });
    const key = await newKey();
    const clients = [new ImmClient(first.url, key.secret), new ImmClient(second.url, key.secret)];
    const answers = await burst(() => Array.from({ length: KEY_QPS + 10 }, (_, i) => clients[i % 2].call('GetProject', { ProjectName })));
    const throttled = answers.find((a) => a.status === 429);
    expect(throttled).toBeDefined();
    expectImmError(throttled!, 429, 'Throttling', `Request rate of the access key ${key.id} exceeds its limit; retry later.`);
    expect(throttled!.headers.get('retry-after')).toBe('1');
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);

    const other = await newKey();
    expect((await new ImmClient(first.url, other.secret).call('GetProject', { ProjectName })).status).toBe(200);
    // A second later the key's window has passed.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await clients[0].call('GetProject', { ProjectName })).status).toBe(200);
  });

  it('throttles a project past its ProjectQueriesPerSecond across instances and keys, and follows UpdateProject', async () => {
    const ProjectName = uniqueName('thp');
    await admin.ok('CreateProject', { ProjectName, ProjectQueriesPerSecond: 2 });
    const keys = await Promise.all([newKey(), newKey(), newKey()]);
    // Three keys on two gateways, six calls a batch: no key is near its own limit, the project is.
    const clients = keys.flatMap((k) => [new ImmClient(first.url, k.secret), new ImmClient(second.url, k.secret)]);
    const answers = await burst(() => clients.map((c) => c.call('GetProject', { ProjectName })));
    const throttled = answers.find((a) => a.status === 429);
    expect(throttled).toBeDefined();
    expectImmError(throttled!, 429, 'Throttling', `Request rate of the project ${ProjectName} exceeds its limit; retry later.`);
    expect(throttled!.headers.get('retry-after')).toBe('1');
    // REST routes count against the same project.
    const rest = await burst(() => clients.map((c) => fetch(`${c.baseUrl}/v1/projects/${ProjectName}`, { headers: { authorization: `Bearer ${c.key}` } }).then(async (res) => ({ status: res.status, body: await res.json(), headers: res.headers }))));
    expect(rest.some((a) => a.status === 429)).toBe(true);

    // Other projects are not affected.
    const Other = uniqueName('thq');
    await admin.ok('CreateProject', { ProjectName: Other });
    expect((await clients[0].call('GetProject', { ProjectName: Other })).status).toBe(200);

    // The admin key counts against the project too: wait for a fresh window before changing the limit.
    await new Promise((r) => setTimeout(r, 1100));
    await admin.ok('UpdateProject', { ProjectName, ProjectQueriesPerSecond: 1000 });
    // The gateways re-read a project's limit after at most a second.
    await new Promise((r) => setTimeout(r, 1100));
    const after = await Promise.all(clients.map((c) => c.call('GetProject', { ProjectName })));
    expect(after.map((a) => a.status)).toEqual(clients.map(() => 200));
  });
});
