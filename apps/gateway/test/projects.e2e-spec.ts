import { uniqueName } from '@simclust/testing';
import type { ImmClient } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';

let gateway: RunningGateway;
let client: ImmClient;

beforeAll(async () => {
  ({ gateway, client } = await startTestGateway());
});
afterAll(() => gateway.close());

describe('projects', () => {
  it('creates a project, returns its webhook secret once, and never shows it again', async () => {
    const name = uniqueName('proj');
    const created = await client.ok<{ Project: { ProjectName: string; ProjectQueriesPerSecond: number }; WebhookSecret: string }>('CreateProject', {
      ProjectName: name,
      ProjectQueriesPerSecond: 7,
    });
    expect(created.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(created.WebhookSecret).toMatch(/^whsec_/);
    expect(created.Project).toMatchObject({ ProjectName: name, ProjectQueriesPerSecond: 7 });
    const got = await client.ok('GetProject', { ProjectName: name }, 'query');
    expect(JSON.stringify(got)).not.toContain('whsec_');
  });

  it('refuses a duplicate name with 409 and an unknown one with 404', async () => {
    const name = uniqueName('dup');
    await client.ok('CreateProject', { ProjectName: name });
    const again = await client.call('CreateProject', { ProjectName: name });
    expect(again.status).toBe(409);
    expect(again.body.Code).toBe('ResourceAlreadyExists');
    const missing = await client.call('GetProject', { ProjectName: uniqueName('nope') });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ Code: 'ResourceNotFound', Message: expect.stringContaining('project') });
  });

  it('needs the admin key', async () => {
    const res = await client.withKey(null).call('ListProjects');
    expect(res.status).toBe(401);
    expect(res.body.Code).toBe('InvalidAccessKeyId');
    const wrong = await client.withKey('wrong-key-wrong-key').call('ListProjects');
    expect(wrong.status).toBe(401);
  });
});
