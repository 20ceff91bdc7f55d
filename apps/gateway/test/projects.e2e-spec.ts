// Projects over the RPC endpoint and the REST routes, against the real gateway, Postgres, Redis and NATS.
import { fileObjectId } from '@simclust/contracts';
import { createDatabase, type Db } from '@simclust/db';
import { SecretBox } from '@simclust/secrets';
import { uniqueName, type ImmClient } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';
import { expectImmError, http, REQUEST_ID, UTC_TIME } from './imm-expect';

// Real services on a shared 2-core machine: starting the gateway alone can take seconds under load.
jest.setTimeout(30_000);

let gateway: RunningGateway;
let client: ImmClient;
let db: Db;

beforeAll(async () => {
  ({ gateway, client } = await startTestGateway());
  db = createDatabase(process.env.DATABASE_URL!, { poolSize: 2 });
});
afterAll(async () => {
  await gateway.close();
  await db.$disconnect();
});

interface ProjectView {
  ProjectName: string;
  Description: string;
  ProjectQueriesPerSecond: number;
  ProjectMaxDatasetCount: number;
  Tags: Array<{ Key: string; Value: string }>;
  CreateTime: string;
  UpdateTime: string;
  DatasetCount?: number;
  FileCount?: number;
  TotalFileSize?: number;
}
type ProjectBody = { Project: ProjectView };
type ListBody = { Projects: ProjectView[]; NextToken?: string };

describe('CreateProject', () => {
  it('creates a project, returns its webhook secret once, and never shows it again', async () => {
    const name = uniqueName('proj');
    const created = await client.ok<ProjectBody & { WebhookSecret: string }>('CreateProject', {
      ProjectName: name,
      ProjectQueriesPerSecond: 7,
      Description: 'burst shots',
      Tag: [{ Key: 'env', Value: 'test' }],
    });
    expect(created.RequestId).toMatch(REQUEST_ID);
    expect(created.WebhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.Project).toMatchObject({ ProjectName: name, ProjectQueriesPerSecond: 7, Description: 'burst shots', Tags: [{ Key: 'env', Value: 'test' }] });
    expect(created.Project.CreateTime).toMatch(UTC_TIME);
    const got = await client.ok('GetProject', { ProjectName: name }, 'query');
    expect(JSON.stringify(got)).not.toContain('whsec_');
    const listed = await client.ok<ListBody>('ListProjects', { Prefix: name });
    expect(JSON.stringify(listed)).not.toContain('whsec_');
    const row = await db.project.findUniqueOrThrow({ where: { name } });
    expect(row.webhookSecretEnc).not.toContain(created.WebhookSecret.slice(6));
    expect(new SecretBox(process.env.SECRETS_KEY!).decrypt(row.webhookSecretEnc)).toBe(created.WebhookSecret);
  });

  it('defaults ProjectQueriesPerSecond to 100 and the IMM limits', async () => {
    const created = await client.ok<ProjectBody>('CreateProject', { ProjectName: uniqueName('defaults') });
    expect(created.Project).toMatchObject({ ProjectQueriesPerSecond: 100, ProjectMaxDatasetCount: 1_000_000_000, Description: '', Tags: [] });
  });

  it('accepts the largest values IMM documents (DatasetMaxTotalFileSize 9e16)', async () => {
    const created = await client.ok<ProjectBody & { Project: { DatasetMaxTotalFileSize: number } }>(
      'CreateProject',
      { ProjectName: uniqueName('max'), DatasetMaxTotalFileSize: '90000000000000000', ProjectQueriesPerSecond: '100000' },
      'query',
    );
    expect(created.Project).toMatchObject({ DatasetMaxTotalFileSize: 90_000_000_000_000_000, ProjectQueriesPerSecond: 100_000 });
  });

  it('refuses a duplicate name with 409 ResourceAlreadyExists', async () => {
    const name = uniqueName('dup');
    await client.ok('CreateProject', { ProjectName: name });
    expectImmError(await client.call('CreateProject', { ProjectName: name }), 409, 'ResourceAlreadyExists', new RegExp(name));
  });

  it('creates one project when the same name is created twice at once', async () => {
    const name = uniqueName('race');
    const answers = await Promise.all([0, 1, 2].map(() => client.call('CreateProject', { ProjectName: name })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
  });

  it.each([
    ['starting with a digit', '1project'],
    ['with a space', 'my project'],
    ['with a slash', 'a/b'],
    ['with a dot', 'a.b'],
    ['non-ASCII', 'projekt_ä'],
    ['of 129 characters', 'p'.repeat(129)],
    ['empty', ''],
  ])('refuses a name %s with 400 InvalidProjectName and writes nothing', async (_what, name) => {
    expectImmError(await client.call('CreateProject', { ProjectName: name }), 400, 'InvalidProjectName', /ProjectName/);
    expect(await db.project.count({ where: { name } })).toBe(0);
  });

  it('accepts a name of exactly 128 characters, starting with _ and holding - and digits', async () => {
    const name = `_${uniqueName('x')}-9`.padEnd(128, 'z');
    expect((await client.ok<ProjectBody>('CreateProject', { ProjectName: name })).Project.ProjectName).toBe(name);
  });

  it('refuses bad settings with the parameter named, and writes nothing', async () => {
    const name = uniqueName('badset');
    expectImmError(await client.call('CreateProject', {}), 400, 'MissingProjectName');
    expectImmError(await client.call('CreateProject', { ProjectName: name, Description: 'd'.repeat(257) }), 400, 'InvalidDescription', /256/);
    expectImmError(await client.call('CreateProject', { ProjectName: name, ProjectQueriesPerSecond: 0 }), 400, 'InvalidProjectQueriesPerSecond');
    expectImmError(await client.call('CreateProject', { ProjectName: name, ProjectQueriesPerSecond: 'fast' }, 'query'), 400, 'InvalidProjectQueriesPerSecond');
    expectImmError(await client.call('CreateProject', { ProjectName: name, ProjectQueriesPerSecond: 1.5 }), 400, 'InvalidProjectQueriesPerSecond');
    expectImmError(await client.call('CreateProject', { ProjectName: name, Tag: [{ Key: 'k' }] }), 400, 'InvalidTag', /Tag\.0\.Value/);
    expectImmError(await client.call('CreateProject', { ProjectName: name, Tag: { Key: 'k', Value: 'v' } }), 400, 'InvalidTag');
    expect(await db.project.count({ where: { name } })).toBe(0);
  });

  it('accepts a Description of exactly 256 characters', async () => {
    const created = await client.ok<ProjectBody>('CreateProject', { ProjectName: uniqueName('d256'), Description: 'd'.repeat(256) });
    expect(created.Project.Description).toHaveLength(256);
  });
});

describe('GetProject', () => {
  it('answers 404 ResourceNotFound naming the project', async () => {
    const name = uniqueName('nope');
    expectImmError(await client.call('GetProject', { ProjectName: name }), 404, 'ResourceNotFound', new RegExp(`project.*${name}`));
  });

  it('adds DatasetCount, FileCount and TotalFileSize only WithStatistics', async () => {
    const name = uniqueName('stats');
    await client.ok('CreateProject', { ProjectName: name });
    for (const d of ['a', 'b']) await client.ok('CreateDataset', { ProjectName: name, DatasetName: d });
    const dataset = await db.dataset.findFirstOrThrow({ where: { name: 'a', project: { name } } });
    await db.file.createMany({
      data: [100, 250].map((size, i) => ({ id: fileObjectId(dataset.id, `file:///x/${i}.jpg`), datasetId: dataset.id, uri: `file:///x/${i}.jpg`, size: BigInt(size) })),
    });
    const without = await client.ok<ProjectBody>('GetProject', { ProjectName: name });
    expect(without.Project).not.toHaveProperty('DatasetCount');
    expect(without.Project).not.toHaveProperty('FileCount');
    for (const encoding of ['json', 'query'] as const) {
      const withStats = await client.ok<ProjectBody>('GetProject', { ProjectName: name, WithStatistics: true }, encoding);
      expect(withStats.Project).toMatchObject({ DatasetCount: 2, FileCount: 2, TotalFileSize: 350 });
    }
    const rest = await http(gateway.url, `/v1/projects/${name}?WithStatistics=true`);
    expect(rest.body).toMatchObject({ Project: { DatasetCount: 2, FileCount: 2, TotalFileSize: 350 } });
  });
});

describe('ListProjects', () => {
  const prefix = uniqueName('list');
  const names = Array.from({ length: 7 }, (_, i) => `${prefix}_${String.fromCharCode(103 - i)}${i}`);

  beforeAll(async () => {
    for (const name of names) await client.ok('CreateProject', { ProjectName: name });
    await client.ok('CreateProject', { ProjectName: `other_${prefix}` });
  });

  it('lists by Prefix in name order', async () => {
    const all = await client.ok<ListBody>('ListProjects', { Prefix: prefix });
    expect(all.Projects.map((p) => p.ProjectName)).toEqual([...names].sort());
    expect(all.NextToken).toBeUndefined();
  });

  it.each(['json', 'query', 'form'] as const)('pages with NextToken and MaxResults (%s) with no repeats or skips', async (encoding) => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.ok<ListBody>('ListProjects', { Prefix: prefix, MaxResults: 3, ...(token ? { NextToken: token } : {}) }, encoding);
      expect(page.Projects.length).toBeLessThanOrEqual(3);
      seen.push(...page.Projects.map((p) => p.ProjectName));
      token = page.NextToken;
      pages++;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].sort());
  });

  it('pages over the REST route too', async () => {
    const first = await http(gateway.url, `/v1/projects?Prefix=${prefix}&MaxResults=4`);
    const body = first.body as unknown as ListBody;
    expect(body.Projects).toHaveLength(4);
    const second = await http(gateway.url, `/v1/projects?Prefix=${prefix}&MaxResults=4&NextToken=${encodeURIComponent(body.NextToken!)}`);
    const rest = second.body as unknown as ListBody;
    expect([...body.Projects, ...rest.Projects].map((p) => p.ProjectName)).toEqual([...names].sort());
    expect(rest.NextToken).toBeUndefined();
  });

  it('does not skip a project created between pages', async () => {
    const p = uniqueName('between');
    const a = `${p}_a`;
    await client.ok('CreateProject', { ProjectName: a });
    await client.ok('CreateProject', { ProjectName: `${p}_c` });
    const first = await client.ok<ListBody>('ListProjects', { Prefix: p, MaxResults: 1 });
    expect(first.Projects.map((x) => x.ProjectName)).toEqual([a]);
    await client.ok('CreateProject', { ProjectName: `${p}_b` });
    const rest = await client.ok<ListBody>('ListProjects', { Prefix: p, NextToken: first.NextToken });
    expect(rest.Projects.map((x) => x.ProjectName)).toEqual([`${p}_b`, `${p}_c`]);
  });

  it.each([
    ['0', 0],
    ['101', 101],
    ['abc', 'abc'],
    ['a fraction', 2.5],
    ['a boolean', true],
    ['an exponent', '1e1'],
  ])('refuses MaxResults %s with 400 InvalidMaxResults', async (_what, value) => {
    expectImmError(await client.call('ListProjects', { MaxResults: value }), 400, 'InvalidMaxResults', /MaxResults/);
  });

  it('takes MaxResults 100 and 1, in the query as strings too', async () => {
    expect((await client.ok<ListBody>('ListProjects', { Prefix: prefix, MaxResults: '100' }, 'query')).Projects).toHaveLength(7);
    expect((await client.ok<ListBody>('ListProjects', { Prefix: prefix, MaxResults: 1 }, 'query')).Projects).toHaveLength(1);
  });

  it('refuses a garbage, forged or foreign NextToken with 400 InvalidNextToken', async () => {
    const page = await client.ok<ListBody>('ListProjects', { Prefix: prefix, MaxResults: 2 });
    const token = page.NextToken!;
    const [body, signature] = token.split('.');
    const forgedBody = Buffer.from(JSON.stringify(['projects', null, `${prefix}_zzz`])).toString('base64url');
    const datasetsOwner = uniqueName('tokowner');
    await client.ok('CreateProject', { ProjectName: datasetsOwner });
    for (const d of ['a', 'b']) await client.ok('CreateDataset', { ProjectName: datasetsOwner, DatasetName: d });
    const foreign = (await client.ok<{ NextToken?: string }>('ListDatasets', { ProjectName: datasetsOwner, MaxResults: 1 })).NextToken!;
    expect(foreign).toBeDefined();
    for (const bad of ['garbage', `${forgedBody}.${signature}`, `${body}.${signature.slice(0, -1)}A`, `${body}.${signature}.x`, `${body}`, foreign, '.']) {
      expectImmError(await client.call('ListProjects', { Prefix: prefix, NextToken: bad }), 400, 'InvalidNextToken', /NextToken/);
    }
  });

  it('filters by Tag', async () => {
    const tagged = uniqueName('tagged');
    await client.ok('CreateProject', { ProjectName: tagged, Tag: [{ Key: 'suite', Value: tagged }] });
    const found = await client.ok<ListBody>('ListProjects', { Tag: [{ Key: 'suite', Value: tagged }] }, 'query');
    expect(found.Projects.map((p) => p.ProjectName)).toEqual([tagged]);
  });
});

describe('UpdateProject', () => {
  it('changes the given settings only and moves UpdateTime', async () => {
    const name = uniqueName('upd');
    const created = await client.ok<ProjectBody>('CreateProject', { ProjectName: name, Description: 'before', Tag: [{ Key: 'k', Value: 'v' }] });
    await new Promise((r) => setTimeout(r, 5));
    const updated = await client.ok<ProjectBody>('UpdateProject', { ProjectName: name, ProjectQueriesPerSecond: 3 }, 'form');
    expect(updated.Project).toMatchObject({ ProjectQueriesPerSecond: 3, Description: 'before', Tags: [{ Key: 'k', Value: 'v' }] });
    expect(updated.Project.CreateTime).toBe(created.Project.CreateTime);
    expect(updated.Project.UpdateTime > created.Project.UpdateTime).toBe(true);
    const rest = await http(gateway.url, `/v1/projects/${name}`, { method: 'PUT', body: { Description: 'after' } });
    expect(rest.body).toMatchObject({ Project: { Description: 'after', ProjectQueriesPerSecond: 3 } });
  });

  it('refuses bad values without changing anything, and an unknown project with 404', async () => {
    const name = uniqueName('updbad');
    await client.ok('CreateProject', { ProjectName: name, Description: 'kept' });
    expectImmError(await client.call('UpdateProject', { ProjectName: name, Description: 'x'.repeat(257) }), 400, 'InvalidDescription');
    expectImmError(await client.call('UpdateProject', { ProjectName: name, Description: 'x', ProjectQueriesPerSecond: -1 }), 400, 'InvalidProjectQueriesPerSecond');
    expect((await client.ok<ProjectBody>('GetProject', { ProjectName: name })).Project.Description).toBe('kept');
    expectImmError(await client.call('UpdateProject', { ProjectName: uniqueName('ghost'), Description: 'x' }), 404, 'ResourceNotFound', /project/);
  });
});

describe('DeleteProject', () => {
  it('refuses with 400 while datasets exist, then deletes the empty project', async () => {
    const name = uniqueName('del');
    await client.ok('CreateProject', { ProjectName: name });
    await client.ok('CreateDataset', { ProjectName: name, DatasetName: 'holds' });
    expectImmError(await client.call('DeleteProject', { ProjectName: name }), 400, 'InvalidArgument', /dataset/);
    expect((await client.ok<ProjectBody>('GetProject', { ProjectName: name, WithStatistics: true })).Project.DatasetCount).toBe(1);
    await client.ok('DeleteDataset', { ProjectName: name, DatasetName: 'holds' });
    const deleted = await client.ok('DeleteProject', { ProjectName: name });
    expect(Object.keys(deleted)).toEqual(['RequestId']);
    expectImmError(await client.call('GetProject', { ProjectName: name }), 404, 'ResourceNotFound');
    expectImmError(await client.call('DeleteProject', { ProjectName: name }), 404, 'ResourceNotFound', /project/);
    expect(await db.project.count({ where: { name } })).toBe(0);
  });

  it('deletes over the REST route, and the name can be used again', async () => {
    const name = uniqueName('delrest');
    await client.ok('CreateProject', { ProjectName: name });
    expect((await http(gateway.url, `/v1/projects/${name}`, { method: 'DELETE' })).status).toBe(200);
    await client.ok('CreateProject', { ProjectName: name });
  });
});

describe('RotateWebhookSecret', () => {
  it('returns a new secret, stores only it (encrypted), and GetProject still hides it', async () => {
    const name = uniqueName('rot');
    const box = new SecretBox(process.env.SECRETS_KEY!);
    const { WebhookSecret: first } = await client.ok<{ WebhookSecret: string }>('CreateProject', { ProjectName: name });
    const rotated = await client.ok<{ WebhookSecret: string }>('RotateWebhookSecret', { ProjectName: name });
    expect(Object.keys(rotated).sort()).toEqual(['RequestId', 'WebhookSecret']);
    expect(rotated.WebhookSecret).toMatch(/^whsec_/);
    expect(rotated.WebhookSecret).not.toBe(first);
    const stored = box.decrypt((await db.project.findUniqueOrThrow({ where: { name } })).webhookSecretEnc);
    expect(stored).toBe(rotated.WebhookSecret);
    const viaRest = await http(gateway.url, `/v1/projects/${name}/webhook-secret`, { method: 'POST' });
    const third = (viaRest.body as unknown as { WebhookSecret: string }).WebhookSecret;
    expect(third).not.toBe(rotated.WebhookSecret);
    expect(box.decrypt((await db.project.findUniqueOrThrow({ where: { name } })).webhookSecretEnc)).toBe(third);
    expect(JSON.stringify(await client.ok('GetProject', { ProjectName: name }))).not.toContain('whsec_');
  });

  it('answers 404 for an unknown project', async () => {
    expectImmError(await client.call('RotateWebhookSecret', { ProjectName: uniqueName('ghost') }), 404, 'ResourceNotFound', /project/);
  });
});
