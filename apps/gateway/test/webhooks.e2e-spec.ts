import { newDeliveryId, newEventId, newResourceId, newTaskId } from '@simclust/contracts';
import { createDatabase, type Db } from '@simclust/db';
import { SecretBox } from '@simclust/secrets';
import { uniqueName, type ImmClient } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';

let gateway: RunningGateway;
let client: ImmClient;
let db: Db;

beforeAll(async () => {
  // The default: webhook URLs must resolve to public addresses.
  ({ gateway, client } = await startTestGateway({ ALLOW_PRIVATE_NETWORK: 'false' }));
  db = createDatabase(process.env.DATABASE_URL!);
});
afterAll(async () => {
  await gateway.close();
  await db.$disconnect();
});

/** A public address literal: no DNS needed, nothing is ever sent to it here. */
const PUBLIC_URL = 'https://93.184.216.34/hooks/simclust';

type Endpoint = { EndpointId: string; URL: string; EventTypes: string[]; Description: string; CreateTime: string; Secret?: string; Status?: string };

async function newProject(): Promise<string> {
  const name = uniqueName('hooks');
  await client.ok('CreateProject', { ProjectName: name });
  return name;
}

describe('CreateWebhookEndpoint', () => {
  it('returns the secret once and stores it encrypted; listings never show it', async () => {
    const project = await newProject();
    const { WebhookEndpoint: created } = await client.ok<{ WebhookEndpoint: Endpoint }>(
      'CreateWebhookEndpoint',
      { ProjectName: project, URL: PUBLIC_URL, EventTypes: ['imm:Task:SimilarImageClustering'], Description: 'ops' },
      'query',
    );
    expect(created).toMatchObject({ URL: PUBLIC_URL, EventTypes: ['imm:Task:SimilarImageClustering'], Description: 'ops', EndpointId: expect.stringMatching(/^whep-/) });
    expect(created.Secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Date.parse(created.CreateTime)).not.toBeNaN();

    const row = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: created.EndpointId } });
    expect(row.secretEnc).not.toContain(created.Secret!.slice(6));
    expect(new SecretBox(process.env.SECRETS_KEY!).decrypt(row.secretEnc)).toBe(created.Secret);

    const listed = await client.ok<{ WebhookEndpoints: Endpoint[] }>('ListWebhookEndpoints', { ProjectName: project });
    expect(listed.WebhookEndpoints).toEqual([{ ...created, Secret: undefined, Status: 'Enabled' }].map(({ Secret: _s, ...e }) => e));
    expect(JSON.stringify(listed)).not.toContain('whsec_');
  });

  it.each([
    ['http://127.0.0.1:8080/hook', 'InvalidURL', 'private, loopback or link-local'],
    ['http://localhost/hook', 'InvalidURL', 'private, loopback or link-local'],
    ['http://10.1.2.3/hook', 'InvalidURL', 'private, loopback or link-local'],
    ['http://169.254.169.254/latest/meta-data', 'InvalidURL', 'private, loopback or link-local'],
    ['http://[::1]/hook', 'InvalidURL', 'private, loopback or link-local'],
    ['ftp://93.184.216.34/hook', 'InvalidURL', 'unsupported scheme'],
    ['not a url', 'InvalidURL', 'not a valid URL'],
  ])('refuses %s (%s)', async (url, code, reason) => {
    const project = await newProject();
    const res = await client.call('CreateWebhookEndpoint', { ProjectName: project, URL: url });
    expect(res.status).toBe(400);
    expect(res.body.Code).toBe(code);
    expect(res.body.Message).toContain(reason);
  });

  it('refuses unknown event types, more than 32 of them, a missing URL and an unknown project', async () => {
    const project = await newProject();
    const unknown = await client.call('CreateWebhookEndpoint', { ProjectName: project, URL: PUBLIC_URL, EventTypes: ['imm:Task:MediaConvert'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.Code).toBe('InvalidEventTypes');
    const huge = await client.call('CreateWebhookEndpoint', { ProjectName: project, URL: PUBLIC_URL, EventTypes: Array.from({ length: 33 }, () => '*') }, 'form');
    expect(huge.status).toBe(400);
    expect(huge.body.Code).toBe('LimitExceededError');
    const noUrl = await client.call('CreateWebhookEndpoint', { ProjectName: project });
    expect(noUrl.body.Code).toBe('MissingURL');
    const noProject = await client.call('CreateWebhookEndpoint', { ProjectName: uniqueName('gone'), URL: PUBLIC_URL });
    expect(noProject.status).toBe(404);
  });
});

describe('ListWebhookEndpoints and DeleteWebhookEndpoint', () => {
  it('pages through endpoints, deletes one, and answers 404 for an unknown id', async () => {
    const project = await newProject();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await client.ok<{ WebhookEndpoint: Endpoint }>('CreateWebhookEndpoint', { ProjectName: project, URL: `${PUBLIC_URL}/${i}` })).WebhookEndpoint.EndpointId);
    }
    const first = await client.ok<{ WebhookEndpoints: Endpoint[]; NextToken?: string }>('ListWebhookEndpoints', { ProjectName: project, MaxResults: 2 });
    const second = await client.ok<{ WebhookEndpoints: Endpoint[]; NextToken?: string }>('ListWebhookEndpoints', { ProjectName: project, MaxResults: 2, NextToken: first.NextToken });
    expect([...first.WebhookEndpoints, ...second.WebhookEndpoints].map((e) => e.EndpointId)).toEqual(ids);
    expect(second.NextToken).toBeUndefined();
    expect(first.WebhookEndpoints[0].EventTypes).toEqual([]);

    await client.ok('DeleteWebhookEndpoint', { ProjectName: project, EndpointId: ids[1] });
    const after = await client.ok<{ WebhookEndpoints: Endpoint[] }>('ListWebhookEndpoints', { ProjectName: project });
    expect(after.WebhookEndpoints.map((e) => e.EndpointId)).toEqual([ids[0], ids[2]]);
    const again = await client.call('DeleteWebhookEndpoint', { ProjectName: project, EndpointId: ids[1] });
    expect(again.status).toBe(404);
    expect(again.body.Message).toContain('webhook endpoint');
    const rest = await fetch(`${gateway.url}/v1/projects/${project}/webhook-endpoints/${ids[0]}`, { method: 'DELETE', headers: { authorization: `Bearer ${process.env.ADMIN_API_KEY}` } });
    expect(rest.status).toBe(200);
  });
});

describe('ListWebhookDeliveries', () => {
  it('lists one entry per attempt by endpoint or by task, oldest first, in pages', async () => {
    const project = await newProject();
    const { id: projectId } = await db.project.findUniqueOrThrow({ where: { name: project } });
    const { WebhookEndpoint: endpoint } = await client.ok<{ WebhookEndpoint: Endpoint }>('CreateWebhookEndpoint', { ProjectName: project, URL: PUBLIC_URL });
    const taskId = newTaskId('SimilarImageClustering');
    const eventId = newEventId();
    const base = { projectId, taskId, eventId, eventType: 'imm:Task:SimilarImageClustering', body: '{}' };
    const toEndpoint = await db.webhookDelivery.create({ data: { ...base, id: newDeliveryId(), endpointId: endpoint.EndpointId, targetKey: endpoint.EndpointId, url: PUBLIC_URL, status: 'Succeeded', attempts: 2 } });
    const toTask = await db.webhookDelivery.create({ data: { ...base, id: newDeliveryId(), targetKey: 'task', url: 'https://93.184.216.34/task', status: 'Pending', attempts: 1 } });
    const t0 = Date.now() - 60_000;
    const attempt = (deliveryId: string, n: number, at: number, extra: object) =>
      db.webhookDeliveryAttempt.create({ data: { id: newResourceId(), deliveryId, attempt: n, latencyMs: 12, createdAt: new Date(at), ...extra } as never });
    await attempt(toEndpoint.id, 1, t0, { status: 'Pending', responseCode: 503, error: 'HTTP 503: busy' });
    await attempt(toTask.id, 1, t0 + 1, { status: 'Pending', error: 'connect ECONNREFUSED' });
    await attempt(toEndpoint.id, 2, t0 + 2, { status: 'Succeeded', responseCode: 204 });

    type Delivery = { DeliveryId: string; EndpointId?: string; URL: string; TaskId: string; EventId: string; Attempt: number; Status: string; ResponseCode?: number; LatencyMs: number; Error: string; CreateTime: string };
    const byEndpoint = await client.ok<{ Deliveries: Delivery[] }>('ListWebhookDeliveries', { ProjectName: project, EndpointId: endpoint.EndpointId }, 'query');
    expect(byEndpoint.Deliveries).toEqual([
      { DeliveryId: toEndpoint.id, EndpointId: endpoint.EndpointId, URL: PUBLIC_URL, TaskId: taskId, EventId: eventId, Attempt: 1, Status: 'Pending', ResponseCode: 503, LatencyMs: 12, Error: 'HTTP 503: busy', CreateTime: new Date(t0).toISOString() },
      { DeliveryId: toEndpoint.id, EndpointId: endpoint.EndpointId, URL: PUBLIC_URL, TaskId: taskId, EventId: eventId, Attempt: 2, Status: 'Succeeded', ResponseCode: 204, LatencyMs: 12, Error: '', CreateTime: new Date(t0 + 2).toISOString() },
    ]);

    const page1 = await client.ok<{ Deliveries: Delivery[]; NextToken?: string }>('ListWebhookDeliveries', { ProjectName: project, TaskId: taskId, MaxResults: 2 });
    const page2 = await client.ok<{ Deliveries: Delivery[]; NextToken?: string }>('ListWebhookDeliveries', { ProjectName: project, TaskId: taskId, MaxResults: 2, NextToken: page1.NextToken });
    const all = [...page1.Deliveries, ...page2.Deliveries];
    expect(all.map((d) => [d.DeliveryId, d.Attempt])).toEqual([[toEndpoint.id, 1], [toTask.id, 1], [toEndpoint.id, 2]]);
    expect(all[1]).not.toHaveProperty('EndpointId');
    expect(all[1]).not.toHaveProperty('ResponseCode');
    expect(page2.NextToken).toBeUndefined();

    const tokenElsewhere = await client.call('ListWebhookDeliveries', { ProjectName: project, EndpointId: endpoint.EndpointId, NextToken: page1.NextToken });
    expect(tokenElsewhere.body.Code).toBe('InvalidNextToken');
  });

  it('answers 404 for an unknown EndpointId and 400 without EndpointId or TaskId', async () => {
    const project = await newProject();
    const unknown = await client.call('ListWebhookDeliveries', { ProjectName: project, EndpointId: 'whep-00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.Message).toContain('webhook endpoint');
    const neither = await client.call('ListWebhookDeliveries', { ProjectName: project });
    expect(neither.status).toBe(400);
    expect(neither.body.Code).toBe('InvalidEndpointId');
    expect(neither.body.Message).toContain('EndpointId or TaskId');
  });
});
