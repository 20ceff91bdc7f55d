// Access keys and their RAM-style policies against the real gateway: the key operations, policy validation, and
// enforcement on every operation over RPC and REST, with list operations showing only what a key may see.
import { createDatabase, type Db } from '@simclust/db';
import { SecretBox } from '@simclust/secrets';
import { ImmClient, uniqueName } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';
import { expectImmError, http, REQUEST_ID, UTC_TIME } from './imm-expect';

jest.setTimeout(30_000);

let gateway: RunningGateway;
let admin: ImmClient;
let db: Db;

beforeAll(async () => {
  ({ gateway, client: admin } = await startTestGateway());
  db = createDatabase(process.env.DATABASE_URL!, { poolSize: 2 });
});
afterAll(async () => {
  await gateway.close();
  await db.$disconnect();
});

interface AccessKeyView {
  AccessKeyId: string;
  AccessKeySecret?: string;
  Description: string;
  Policy: unknown;
  CreateTime: string;
  UpdateTime: string;
}

type Statement = { Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: string | string[] };
const policyOf = (...Statement: Statement[]) => ({ Version: '1', Statement });
const project = (p: string) => `acs:imm:*:*:project/${p}`;
const dataset = (p: string, d: string) => `acs:imm:*:*:project/${p}/dataset/${d}`;

/** A new key with this policy, and a client that calls with its secret. */
async function keyWith(policy: unknown): Promise<{ id: string; client: ImmClient }> {
  const created = await admin.ok<{ AccessKey: AccessKeyView }>('CreateAccessKey', { Policy: policy });
  return { id: created.AccessKey.AccessKeyId, client: admin.withKey(created.AccessKey.AccessKeySecret!) };
}

describe('access key operations', () => {
  it('shows the secret once, stores it only encrypted with a keyed lookup hash', async () => {
    const policy = policyOf({ Effect: 'Allow', Action: ['imm:Get*', 'imm:List*'], Resource: '*' });
    const created = await admin.ok<{ AccessKey: AccessKeyView }>('CreateAccessKey', { Description: 'read only', Policy: policy }, 'form');
    expect(created.RequestId).toMatch(REQUEST_ID);
    const { AccessKeyId, AccessKeySecret } = created.AccessKey;
    expect(AccessKeyId).toMatch(/^LTAI[0-9a-f]{20}$/);
    expect(AccessKeySecret).toMatch(/^[A-Za-z0-9_-]{40}$/);
    expect(created.AccessKey).toMatchObject({ Description: 'read only', Policy: policy });
    expect(created.AccessKey.CreateTime).toMatch(UTC_TIME);

    const got = await admin.ok<{ AccessKey: AccessKeyView }>('GetAccessKey', { AccessKeyId }, 'query');
    expect(got.AccessKey).toEqual({ AccessKeyId, Description: 'read only', Policy: policy, CreateTime: created.AccessKey.CreateTime, UpdateTime: expect.stringMatching(UTC_TIME) });
    const rest = await http(gateway.url, `/v1/access-keys/${AccessKeyId}`);
    expect(rest.status).toBe(200);
    expect(JSON.stringify(rest.body)).not.toContain(AccessKeySecret);

    const row = await db.accessKey.findUniqueOrThrow({ where: { id: AccessKeyId } });
    const box = new SecretBox(process.env.SECRETS_KEY!);
    expect(JSON.stringify(row)).not.toContain(AccessKeySecret);
    expect(box.decrypt(row.secretEnc)).toBe(AccessKeySecret);
    expect(row.secretHash).toBe(box.lookupHash(AccessKeySecret!));
  });

  it('lists live keys oldest first in pages, never with secrets', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await keyWith(policyOf({ Effect: 'Allow', Action: 'imm:GetProject', Resource: '*' }))).id);
    const seen: AccessKeyView[] = [];
    let NextToken: string | undefined;
    do {
      const page = await admin.ok<{ AccessKeys: AccessKeyView[]; NextToken?: string }>('ListAccessKeys', { MaxResults: 50, NextToken });
      expect(page.AccessKeys.length).toBeLessThanOrEqual(50);
      seen.push(...page.AccessKeys);
      NextToken = page.NextToken;
    } while (NextToken);
    const positions = ids.map((id) => seen.findIndex((k) => k.AccessKeyId === id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(seen.every((k) => k.AccessKeySecret === undefined)).toBe(true);

    const two = await admin.ok<{ AccessKeys: AccessKeyView[]; NextToken?: string }>('ListAccessKeys', { MaxResults: 2 });
    expect(two.AccessKeys).toHaveLength(2);
    expect(two.NextToken).toEqual(expect.any(String));
  });

  it('updates the policy and description, effective on the next call', async () => {
    const p = uniqueName('akupd');
    await admin.ok('CreateProject', { ProjectName: p });
    const { id, client } = await keyWith(policyOf({ Effect: 'Allow', Action: 'imm:ListDatasets', Resource: project(p) }));
    expectImmError(await client.call('GetProject', { ProjectName: p }), 403, 'AccessDenied');
    const updated = await admin.ok<{ AccessKey: AccessKeyView }>('UpdateAccessKey', {
      AccessKeyId: id,
      Description: 'now reads projects',
      Policy: JSON.stringify(policyOf({ Effect: 'Allow', Action: 'imm:GetProject', Resource: project(p) })),
    });
    expect(updated.AccessKey).toMatchObject({ AccessKeyId: id, Description: 'now reads projects' });
    expect((await client.call('GetProject', { ProjectName: p })).status).toBe(200);
    expectImmError(await client.call('ListDatasets', { ProjectName: p }), 403, 'AccessDenied');
    // Description alone leaves the policy as it is.
    await admin.ok('UpdateAccessKey', { AccessKeyId: id, Description: 'renamed' });
    expect((await client.call('GetProject', { ProjectName: p })).status).toBe(200);
  });

  it('deletes a key: its calls are refused, and it is gone from Get, List, Update and Delete', async () => {
    const { id, client } = await keyWith(policyOf({ Effect: 'Allow', Action: 'imm:*', Resource: '*' }));
    expect((await client.call('ListProjects', { MaxResults: 1 })).status).toBe(200);
    expect(await admin.ok('DeleteAccessKey', { AccessKeyId: id })).toEqual({ RequestId: expect.stringMatching(REQUEST_ID) });
    expectImmError(await client.call('ListProjects'), 401, 'InvalidAccessKeyId', `The access key ${id} has been deleted.`);
    expectImmError(await admin.call('GetAccessKey', { AccessKeyId: id }), 404, 'ResourceNotFound', /access key/);
    expectImmError(await admin.call('UpdateAccessKey', { AccessKeyId: id, Description: 'x' }), 404, 'ResourceNotFound');
    expectImmError(await admin.call('DeleteAccessKey', { AccessKeyId: id }), 404, 'ResourceNotFound');
    expectImmError(await http(gateway.url, `/v1/access-keys/${id}`, { method: 'DELETE' }), 404, 'ResourceNotFound');
  });
});

describe('policy validation', () => {
  it.each([
    ['a missing Effect', { Version: '1', Statement: [{ Action: 'imm:*', Resource: '*' }] }, 'Statement[0].Effect is missing'],
    ['a wrong Version', { Version: '2', Statement: [{ Effect: 'Allow', Action: 'imm:*', Resource: '*' }] }, 'Version must be "1", not "2"'],
    ['an Action of another service', { Version: '1', Statement: [{ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }] }, 'Statement[0].Action[0] "ecs:*" must be imm:<Operation>'],
    ['an unknown key', { Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:*', Resource: '*', Condition: {} }] }, 'unknown key Condition'],
    ['an array instead of a document', [{ Effect: 'Allow' }], 'Specified parameter Policy is not valid'],
  ])('answers 400 InvalidPolicy for %s, naming the problem', async (_what, policy, message) => {
    for (const encoding of ['json', 'form'] as const) {
      const res = await admin.call('CreateAccessKey', { Policy: policy }, encoding);
      expectImmError(res, 400, 'InvalidPolicy', new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    }
  });

  it('answers MissingPolicy without one and InvalidJSON for a Policy that is not JSON', async () => {
    expectImmError(await admin.call('CreateAccessKey', { Description: 'x' }), 400, 'MissingPolicy');
    const notJson = await http(gateway.url, `/?Action=CreateAccessKey&Policy=${encodeURIComponent('{"Version":')}`, { method: 'POST' });
    expectImmError(notJson, 400, 'InvalidJSON', /Policy/);
  });

  it('validates the policy of UpdateAccessKey the same way', async () => {
    const { id } = await keyWith(policyOf({ Effect: 'Allow', Action: 'imm:*', Resource: '*' }));
    expectImmError(await admin.call('UpdateAccessKey', { AccessKeyId: id, Policy: { Version: '1', Statement: [] } }), 400, 'InvalidPolicy', /Statement must not be empty/);
  });
});

describe('enforcement', () => {
  const P = uniqueName('akp');
  const P2 = uniqueName('akq');

  beforeAll(async () => {
    for (const ProjectName of [P, P2]) await admin.ok('CreateProject', { ProjectName });
    for (const DatasetName of ['d1', 'd2', 'd3']) await admin.ok('CreateDataset', { ProjectName: P, DatasetName });
  });

  it('confines a key limited to one dataset to that dataset, over RPC and REST', async () => {
    const { client } = await keyWith(policyOf({ Effect: 'Allow', Action: 'imm:*', Resource: dataset(P, 'd1') }));
    expect(await client.ok('GetDataset', { ProjectName: P, DatasetName: 'd1' })).toMatchObject({ Dataset: { DatasetName: 'd1' } });
    expect(await client.ok('UpdateDataset', { ProjectName: P, DatasetName: 'd1', Description: 'mine' })).toMatchObject({ Dataset: { Description: 'mine' } });
    expect((await http(gateway.url, `/v1/projects/${P}/datasets/d1`, { key: client.key })).status).toBe(200);

    const denied = await client.call('GetDataset', { ProjectName: P, DatasetName: 'd2' });
    expectImmError(denied, 403, 'AccessDenied', `The access key is not allowed to perform imm:GetDataset on acs:imm:local:0:project/${P}/dataset/d2.`);
    expectImmError(await http(gateway.url, `/v1/projects/${P}/datasets/d2`, { key: client.key }), 403, 'AccessDenied');
    expectImmError(await client.call('CreateProject', { ProjectName: uniqueName('akx') }), 403, 'AccessDenied', /imm:CreateProject/);
    expectImmError(await client.call('CreateDataset', { ProjectName: P, DatasetName: 'd4' }), 403, 'AccessDenied');
    expectImmError(await client.call('GetProject', { ProjectName: P }), 403, 'AccessDenied');
    expectImmError(await client.call('ListTasks', { ProjectName: P }), 403, 'AccessDenied');
  });

  it('lists only the datasets and projects a key may see, refilling pages without skipping any', async () => {
    const { client } = await keyWith(policyOf({ Effect: 'Allow', Action: 'imm:*', Resource: [dataset(P, 'd1'), dataset(P, 'd3')] }));
    const names = async (params: Record<string, unknown>) => {
      const page = await client.ok<{ Datasets: Array<{ DatasetName: string }>; NextToken?: string }>('ListDatasets', params);
      return { names: page.Datasets.map((d) => d.DatasetName), next: page.NextToken };
    };
    expect((await names({ ProjectName: P })).names).toEqual(['d1', 'd3']);
    // One visible dataset per page: the second page looks at d2, skips it and goes on to d3.
    const first = await names({ ProjectName: P, MaxResults: 1 });
    expect(first.names).toEqual(['d1']);
    const second = await names({ ProjectName: P, MaxResults: 1, NextToken: first.next });
    expect(second).toEqual({ names: ['d3'], next: undefined });
    const rest = await http(gateway.url, `/v1/projects/${P}/datasets`, { key: client.key });
    expect((rest.body as unknown as { Datasets: Array<{ DatasetName: string }> }).Datasets.map((d) => d.DatasetName)).toEqual(['d1', 'd3']);
    // Its grants are inside project P, so ListProjects runs but shows no project, and P2's datasets are refused.
    expect(await client.ok('ListProjects', { Prefix: P })).toMatchObject({ Projects: [] });
    expectImmError(await client.call('ListDatasets', { ProjectName: P2 }), 403, 'AccessDenied');
  });

  it('lists only the projects a project-scoped key may see', async () => {
    const prefix = uniqueName('aklist');
    const [a, b, c] = ['a', 'b', 'c'].map((s) => `${prefix}_${s}`);
    for (const ProjectName of [a, b, c]) await admin.ok('CreateProject', { ProjectName });
    const { client } = await keyWith(policyOf({ Effect: 'Allow', Action: 'imm:*', Resource: [project(a), `${project(c)}*`] }));
    const listed = await client.ok<{ Projects: Array<{ ProjectName: string }> }>('ListProjects', { Prefix: prefix });
    expect(listed.Projects.map((p) => p.ProjectName)).toEqual([a, c]);
    const page = await client.ok<{ Projects: Array<{ ProjectName: string }>; NextToken?: string }>('ListProjects', { Prefix: prefix, MaxResults: 1, NextToken: undefined });
    expect(page.Projects.map((p) => p.ProjectName)).toEqual([a]);
    const next = await client.ok<{ Projects: Array<{ ProjectName: string }>; NextToken?: string }>('ListProjects', { Prefix: prefix, MaxResults: 1, NextToken: page.NextToken });
    expect(next.Projects.map((p) => p.ProjectName)).toEqual([c]);
    expect(next.NextToken).toBeUndefined();
    // A Deny on one project hides it even from a key that may list everything.
    const all = await keyWith(policyOf({ Effect: 'Allow', Action: 'imm:*', Resource: '*' }, { Effect: 'Deny', Action: 'imm:*', Resource: project(b) }));
    const seen = await all.client.ok<{ Projects: Array<{ ProjectName: string }> }>('ListProjects', { Prefix: prefix });
    expect(seen.Projects.map((p) => p.ProjectName)).toEqual([a, c]);
  });

  it('lets an explicit Deny win over an Allow', async () => {
    const { client } = await keyWith(
      policyOf({ Effect: 'Allow', Action: 'imm:*', Resource: `${project(P)}/*` }, { Effect: 'Deny', Action: ['imm:Delete*', 'imm:UpdateDataset'], Resource: dataset(P, 'd2') }),
    );
    expect((await client.call('GetDataset', { ProjectName: P, DatasetName: 'd2' })).status).toBe(200);
    expectImmError(await client.call('UpdateDataset', { ProjectName: P, DatasetName: 'd2', Description: 'x' }), 403, 'AccessDenied');
    expectImmError(await client.call('DeleteDataset', { ProjectName: P, DatasetName: 'd2' }), 403, 'AccessDenied');
    expect((await client.call('UpdateDataset', { ProjectName: P, DatasetName: 'd3', Description: 'x' })).status).toBe(200);
  });

  it('does not let a limited key mint, list or change keys unless its policy allows that action on *', async () => {
    const { id, client } = await keyWith(policyOf({ Effect: 'Allow', Action: 'imm:*', Resource: [project(P), `${project(P)}/*`] }));
    const ALL = policyOf({ Effect: 'Allow', Action: 'imm:*', Resource: '*' });
    expectImmError(await client.call('CreateAccessKey', { Policy: ALL }), 403, 'AccessDenied', 'The access key is not allowed to perform imm:CreateAccessKey on *.');
    expectImmError(await http(gateway.url, '/v1/access-keys', { key: client.key, method: 'POST', body: { Policy: ALL } }), 403, 'AccessDenied');
    expectImmError(await client.call('ListAccessKeys'), 403, 'AccessDenied');
    expectImmError(await client.call('UpdateAccessKey', { AccessKeyId: id, Policy: ALL }), 403, 'AccessDenied');
    expect(await client.ok('ListProjects', { Prefix: P })).toMatchObject({ Projects: [{ ProjectName: P }] });

    const minter = await keyWith(policyOf({ Effect: 'Allow', Action: 'imm:CreateAccessKey', Resource: '*' }));
    const minted = await minter.client.ok<{ AccessKey: AccessKeyView }>('CreateAccessKey', { Policy: policyOf({ Effect: 'Allow', Action: 'imm:GetProject', Resource: project(P) }) });
    expect(minted.AccessKey.AccessKeySecret).toEqual(expect.any(String));
    expectImmError(await minter.client.call('DeleteAccessKey', { AccessKeyId: minted.AccessKey.AccessKeyId }), 403, 'AccessDenied');
  });
});
