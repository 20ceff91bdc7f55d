// The IMM-compatible endpoint itself: encodings, the Action, malformed input, error bodies, limits of the
// request line — against the real gateway and services.
import { uniqueName, type ImmClient } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';
import { expectImmError, http, REQUEST_ID, UTC_TIME } from './imm-expect';

// Real services on a shared 2-core machine: starting the gateway alone can take seconds under load.
jest.setTimeout(30_000);

let gateway: RunningGateway;
let client: ImmClient;
const key = process.env.ADMIN_API_KEY!;

beforeAll(async () => {
  ({ gateway, client } = await startTestGateway());
});
afterAll(() => gateway.close());

interface ProjectBody {
  Project: { ProjectName: string; Tags: Array<{ Key: string; Value: string }>; ProjectQueriesPerSecond: number; CreateTime: string; UpdateTime: string };
}

describe('encodings', () => {
  const tags = [{ Key: 'team', Value: 'vision' }, { Key: 'cost-center', Value: '42' }];

  it.each(['json', 'query', 'form'] as const)('takes parameters as %s, structured ones as JSON strings outside a JSON body', async (encoding) => {
    const name = uniqueName(`enc_${encoding}`);
    const created = await client.ok<ProjectBody>('CreateProject', { ProjectName: name, Tag: tags, ProjectQueriesPerSecond: 9 }, encoding);
    expect(created.RequestId).toMatch(REQUEST_ID);
    expect(created.Project).toMatchObject({ ProjectName: name, Tags: tags, ProjectQueriesPerSecond: 9 });
    expect(created.Project.CreateTime).toMatch(UTC_TIME);
    expect(created.Project.UpdateTime).toMatch(UTC_TIME);
    const got = await client.ok<ProjectBody>('GetProject', { ProjectName: name }, encoding);
    expect(got.Project.Tags).toEqual(tags);
  });

  it('takes a JSON body whose structured parameters are JSON strings, as SDKs may send them', async () => {
    const name = uniqueName('enc_jsonstr');
    const res = await http(gateway.url, '/', { method: 'POST', body: { Action: 'CreateProject', ProjectName: name, Tag: JSON.stringify(tags) } });
    expect(res.status).toBe(200);
    expect((res.body as unknown as ProjectBody).Project.Tags).toEqual(tags);
  });

  it('takes the action from the x-acs-action header with the parameters in the query, as the OpenAPI SDKs send them', async () => {
    const name = uniqueName('enc_acs');
    const created = await http(gateway.url, `/?ProjectName=${name}`, { method: 'POST', headers: { 'x-acs-action': 'CreateProject', 'x-acs-version': '2020-09-30' } });
    expect(created.status).toBe(200);
    const got = await http(gateway.url, `/?ProjectName=${name}&Version=2020-09-30`, { headers: { 'x-acs-action': 'GetProject' } });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ Project: { ProjectName: name } });
  });

  it('accepts a query string well over 64 KB (20 tags of multi-byte text, percent-encoded)', async () => {
    const name = uniqueName('enc_big');
    const big = Array.from({ length: 20 }, (_, i) => ({ Key: `${i}`.padEnd(128, '鍵'), Value: '値'.repeat(256) }));
    const query = new URLSearchParams({ Action: 'CreateProject', ProjectName: name, Tag: JSON.stringify(big) }).toString();
    expect(query.length).toBeGreaterThan(64 * 1024);
    const res = await http(gateway.url, `/?${query}`, { method: 'POST' });
    expect(res.status).toBe(200);
    const got = await client.ok<ProjectBody>('GetProject', { ProjectName: name });
    expect(got.Project.Tags).toEqual(big);
  });
});

describe('the Action', () => {
  it('refuses a request without one: 400 MissingAction', async () => {
    expectImmError(await http(gateway.url, '/'), 400, 'MissingAction', /Action/);
    expectImmError(await http(gateway.url, '/', { method: 'POST', body: { ProjectName: 'x' } }), 400, 'MissingAction');
  });

  it('refuses an unknown one with 400 InvalidArgument naming it', async () => {
    expectImmError(await client.call('DescribeEverything', {}), 400, 'InvalidArgument', /DescribeEverything/);
    expectImmError(await client.call('DescribeEverything', {}, 'query'), 400, 'InvalidArgument', /DescribeEverything/);
  });

  it('refuses a parameter given twice', async () => {
    expectImmError(await http(gateway.url, '/?Action=ListProjects&MaxResults=1&MaxResults=2'), 400, 'InvalidMaxResults', /more than once/);
  });
});

describe('malformed input', () => {
  it('answers a structured parameter that is not JSON with 400 InvalidJSON naming it, in the query and in a form', async () => {
    const name = uniqueName('badjson');
    const params = new URLSearchParams({ Action: 'CreateProject', ProjectName: name, Tag: '[{"Key":"a",' }).toString();
    expectImmError(await http(gateway.url, `/?${params}`, { method: 'POST' }), 400, 'InvalidJSON', /Tag/);
    expectImmError(await http(gateway.url, '/', { method: 'POST', body: params, contentType: 'application/x-www-form-urlencoded' }), 400, 'InvalidJSON', /Tag/);
    expectImmError(await http(gateway.url, '/', { method: 'POST', body: { Action: 'CreateProject', ProjectName: name, Tag: '{"Key"' } }), 400, 'InvalidJSON', /Tag/);
    expectImmError(await client.call('GetProject', { ProjectName: name }), 404, 'ResourceNotFound');
  });

  it('answers a body that is not JSON with 400 InvalidJSON and a JSON body that is not an object with 400 InvalidArgument', async () => {
    expectImmError(await http(gateway.url, '/', { method: 'POST', body: '{"Action": "ListProjects",' }), 400, 'InvalidJSON');
    expectImmError(await http(gateway.url, '/', { method: 'POST', body: '"ListProjects"' }), 400, 'InvalidJSON');
    expectImmError(await http(gateway.url, '/', { method: 'POST', body: '["ListProjects"]' }), 400, 'InvalidArgument');
  });

  it('answers a body over the limit with 400 LimitExceededError', async () => {
    const body = JSON.stringify({ Action: 'ListProjects', Padding: 'x'.repeat(5 * 1024 * 1024) });
    expectImmError(await http(gateway.url, '/', { method: 'POST', body }), 400, 'LimitExceededError');
  });

  it('tells a missing parameter (MissingX) from a wrong-typed one (InvalidX)', async () => {
    expectImmError(await client.call('GetProject', {}), 400, 'MissingProjectName', /ProjectName/);
    expectImmError(await client.call('GetProject', { ProjectName: 123 }), 400, 'InvalidProjectName');
    expectImmError(await client.call('GetProject', { ProjectName: null }), 400, 'MissingProjectName');
    expectImmError(await client.call('GetProject', { ProjectName: 'p', WithStatistics: 'maybe' }), 400, 'InvalidWithStatistics');
  });
});

describe('REST routes and the rest of the HTTP surface', () => {
  it('answers an unknown route with 404 ResourceNotFound naming it, in IMM format', async () => {
    expectImmError(await http(gateway.url, '/v1/nothing-here'), 404, 'ResourceNotFound', /route/);
    expectImmError(await http(gateway.url, '/v1/projects', { method: 'PATCH', body: {} }), 404, 'ResourceNotFound', /PATCH/);
    expectImmError(await http(gateway.url, '/no/such/page'), 404, 'ResourceNotFound');
  });

  it('refuses malformed percent-encoding in a path with 400', async () => {
    const res = await http(gateway.url, '/v1/projects/%E0%A4%A');
    expect(res.status).toBe(400);
    expectImmError(res, 400, res.body.Code as string);
  });

  it('needs a key on the RPC endpoint and the REST routes: 401 InvalidAccessKeyId saying why', async () => {
    expectImmError(await http(gateway.url, '/?Action=ListProjects', { key: null }), 401, 'InvalidAccessKeyId', /No access key/);
    expectImmError(await http(gateway.url, '/v1/projects', { key: null }), 401, 'InvalidAccessKeyId');
    expectImmError(await http(gateway.url, '/v1/projects', { key: `${key}x` }), 401, 'InvalidAccessKeyId', /unknown/);
    expectImmError(await http(gateway.url, '/v1/projects', { headers: { authorization: `Basic ${key}` }, key: null }), 401, 'InvalidAccessKeyId', /form/);
  });

  it('checks the key before anything else: no project is created without one', async () => {
    const name = uniqueName('nokey');
    expectImmError(await http(gateway.url, '/v1/projects', { method: 'POST', key: null, body: { ProjectName: name } }), 401, 'InvalidAccessKeyId');
    expectImmError(await client.call('GetProject', { ProjectName: name }), 404, 'ResourceNotFound');
  });
});
