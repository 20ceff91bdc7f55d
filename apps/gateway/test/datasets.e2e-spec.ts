import { existsSync } from 'node:fs';
import type { GatewayConfig } from '@simclust/config';
// Datasets over the RPC endpoint and the REST routes, against the real gateway and database.
import { fileObjectId, newClusterId } from '@simclust/contracts';
import { createDatabase, type Db } from '@simclust/db';
import { CONFIG } from '@simclust/runtime';
import { uniqueName, waitFor, type ImmClient } from '@simclust/testing';
import { writeThumbnail } from '@simclust/thumbnails';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';
import { expectImmError, http, UTC_TIME } from './imm-expect';

// Real services on a shared 2-core machine: starting the gateway alone can take seconds under load.
jest.setTimeout(30_000);

let gateway: RunningGateway;
const thumbnailDir = () => gateway.app.get<GatewayConfig>(CONFIG).THUMBNAIL_DIR;
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

interface DatasetView {
  ProjectName: string;
  DatasetName: string;
  Description: string;
  DatasetMaxFileCount: number;
  DatasetMaxBindCount: number;
  FileCount: number;
  TotalFileSize: number;
  CreateTime: string;
  UpdateTime: string;
}
type DatasetBody = { Dataset: DatasetView };
type ListBody = { Datasets: DatasetView[]; NextToken?: string };

async function project(settings: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName('dsproj');
  await client.ok('CreateProject', { ProjectName: name, ...settings });
  return name;
}

/** Files (with features), a cluster with members and an edge in a dataset, written as the workers would. */
async function fillDataset(projectName: string, datasetName: string): Promise<string> {
  const dataset = await db.dataset.findFirstOrThrow({ where: { name: datasetName, project: { name: projectName } } });
  const ids = [0, 1, 2].map((i) => fileObjectId(dataset.id, `file:///data/${i}.jpg`));
  const clusterId = newClusterId();
  await db.$transaction(async (tx) => {
    await tx.file.createMany({ data: ids.map((id, i) => ({ id, datasetId: dataset.id, uri: `file:///data/${i}.jpg`, size: BigInt(10 + i), status: 'Indexed' })) });
    await tx.fileFeature.createMany({ data: ids.map((fileId) => ({ fileId, datasetId: dataset.id, version: 1, descriptor: Buffer.from([1, 2]), verifier: Buffer.from([3]) })) });
    await tx.similarImageCluster.create({ data: { id: clusterId, datasetId: dataset.id } });
    await tx.similarImageClusterMember.createMany({ data: ids.slice(0, 2).map((fileId) => ({ fileId, clusterId })) });
    const [a, b] = await tx.file.findMany({ where: { id: { in: ids.slice(0, 2) } }, select: { seq: true }, orderBy: { seq: 'asc' } });
    await tx.similarImageEdge.create({ data: { datasetId: dataset.id, fileA: a.seq, fileB: b.seq, score: 0.9 } });
  });
  return dataset.id;
}

async function rowsOf(datasetId: string) {
  const [files, features, clusters, members, edges, datasets] = await Promise.all([
    db.file.count({ where: { datasetId } }),
    db.fileFeature.count({ where: { datasetId } }),
    db.similarImageCluster.count({ where: { datasetId } }),
    db.similarImageClusterMember.count({ where: { cluster: { datasetId } } }),
    db.similarImageEdge.count({ where: { datasetId } }),
    db.dataset.count({ where: { id: datasetId } }),
  ]);
  return { datasets, files, features, clusters, members, edges };
}

describe('CreateDataset and GetDataset', () => {
  it('creates a dataset with IMM fields and times in UTC, readable over RPC and REST', async () => {
    const p = await project();
    const created = await client.ok<DatasetBody>('CreateDataset', { ProjectName: p, DatasetName: 'photos', Description: 'holiday', DatasetMaxBindCount: 3 });
    expect(created.Dataset).toMatchObject({ ProjectName: p, DatasetName: 'photos', Description: 'holiday', DatasetMaxBindCount: 3, FileCount: 0, TotalFileSize: 0 });
    expect(created.Dataset.CreateTime).toMatch(UTC_TIME);
    expect(created.Dataset.UpdateTime).toMatch(UTC_TIME);
    expect((await client.ok<DatasetBody>('GetDataset', { ProjectName: p, DatasetName: 'photos' }, 'query')).Dataset).toEqual(created.Dataset);
    const rest = await http(gateway.url, `/v1/projects/${p}/datasets/photos`);
    expect((rest.body as unknown as DatasetBody).Dataset).toEqual(created.Dataset);
  });

  it("inherits the project's DatasetMaxFileCount unless given", async () => {
    const p = await project({ DatasetMaxFileCount: 500 });
    expect((await client.ok<DatasetBody>('CreateDataset', { ProjectName: p, DatasetName: 'a' })).Dataset.DatasetMaxFileCount).toBe(500);
    expect((await client.ok<DatasetBody>('CreateDataset', { ProjectName: p, DatasetName: 'b', DatasetMaxFileCount: 7 })).Dataset.DatasetMaxFileCount).toBe(7);
  });

  it('creates over the REST route with the names from the path', async () => {
    const p = await project();
    const res = await http(gateway.url, `/v1/projects/${p}/datasets`, { method: 'POST', body: { DatasetName: 'viarest', Description: 'r' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ Dataset: { ProjectName: p, DatasetName: 'viarest', Description: 'r' } });
  });

  it('counts files and their size', async () => {
    const p = await project();
    await client.ok('CreateDataset', { ProjectName: p, DatasetName: 'full' });
    await fillDataset(p, 'full');
    expect((await client.ok<DatasetBody>('GetDataset', { ProjectName: p, DatasetName: 'full' })).Dataset).toMatchObject({ FileCount: 3, TotalFileSize: 33 });
  });

  it('refuses a duplicate name in the same project with 409, but not in another project', async () => {
    const p = await project();
    const q = await project();
    await client.ok('CreateDataset', { ProjectName: p, DatasetName: 'same' });
    expectImmError(await client.call('CreateDataset', { ProjectName: p, DatasetName: 'same' }), 409, 'ResourceAlreadyExists', /dataset.*same/);
    await client.ok('CreateDataset', { ProjectName: q, DatasetName: 'same' });
  });

  it('answers 404 naming the project or the dataset', async () => {
    const p = await project();
    const ghost = uniqueName('ghostproj');
    expectImmError(await client.call('CreateDataset', { ProjectName: ghost, DatasetName: 'd' }), 404, 'ResourceNotFound', new RegExp(`project.*${ghost}`));
    expectImmError(await client.call('GetDataset', { ProjectName: ghost, DatasetName: 'd' }), 404, 'ResourceNotFound', /project/);
    expectImmError(await client.call('GetDataset', { ProjectName: p, DatasetName: 'missing' }), 404, 'ResourceNotFound', /dataset.*missing/);
    expectImmError(await http(gateway.url, `/v1/projects/${p}/datasets/missing`), 404, 'ResourceNotFound', /dataset/);
    expectImmError(await client.call('ListDatasets', { ProjectName: ghost }), 404, 'ResourceNotFound', /project/);
  });

  it.each([
    ['a bad pattern', 'my-dataset!', 'InvalidDatasetName'],
    ['129 characters', 'd'.repeat(129), 'InvalidDatasetName'],
    ['no name', undefined, 'MissingDatasetName'],
  ])('refuses a dataset name with %s and writes nothing', async (_what, name, code) => {
    const p = await project();
    expectImmError(await client.call('CreateDataset', { ProjectName: p, DatasetName: name }), 400, code, /DatasetName/);
    expect(await db.dataset.count({ where: { project: { name: p } } })).toBe(0);
  });

  it('refuses a Description over 256 characters and bad limits, writing nothing', async () => {
    const p = await project();
    expectImmError(await client.call('CreateDataset', { ProjectName: p, DatasetName: 'd', Description: 'x'.repeat(257) }), 400, 'InvalidDescription');
    expectImmError(await client.call('CreateDataset', { ProjectName: p, DatasetName: 'd', DatasetMaxBindCount: 11 }), 400, 'InvalidDatasetMaxBindCount');
    expectImmError(await client.call('CreateDataset', { ProjectName: p, DatasetName: 'd', DatasetMaxFileCount: 'many' }, 'form'), 400, 'InvalidDatasetMaxFileCount');
    expect(await db.dataset.count({ where: { project: { name: p } } })).toBe(0);
  });

  it('refuses a dataset past ProjectMaxDatasetCount with 400 LimitExceededError', async () => {
    const p = await project({ ProjectMaxDatasetCount: 2 });
    await client.ok('CreateDataset', { ProjectName: p, DatasetName: 'one' });
    await client.ok('CreateDataset', { ProjectName: p, DatasetName: 'two' });
    expectImmError(await client.call('CreateDataset', { ProjectName: p, DatasetName: 'three' }), 400, 'LimitExceededError', /2 datasets/);
    expect(await db.dataset.count({ where: { project: { name: p } } })).toBe(2);
    await client.ok('DeleteDataset', { ProjectName: p, DatasetName: 'one' });
    await client.ok('CreateDataset', { ProjectName: p, DatasetName: 'three' });
  });

  it('keeps ProjectMaxDatasetCount when several datasets are created at once', async () => {
    const p = await project({ ProjectMaxDatasetCount: 2 });
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((d) => client.call('CreateDataset', { ProjectName: p, DatasetName: d })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    for (const refused of answers.filter((a) => a.status !== 200)) expectImmError(refused, 400, 'LimitExceededError');
    expect(await db.dataset.count({ where: { project: { name: p } } })).toBe(2);
  });
});

describe('ListDatasets', () => {
  it('pages by name with NextToken over RPC and REST, with no repeats or skips', async () => {
    const p = await project();
    const names = ['kiwi', 'apple', 'fig', 'date', 'banana', 'cherry', 'elder'];
    for (const d of names) await client.ok('CreateDataset', { ProjectName: p, DatasetName: d });
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.ok<ListBody>('ListDatasets', { ProjectName: p, MaxResults: 3, ...(token ? { NextToken: token } : {}) }, 'query');
      seen.push(...page.Datasets.map((d) => d.DatasetName));
      token = page.NextToken;
      pages++;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].sort());

    const first = (await http(gateway.url, `/v1/projects/${p}/datasets?MaxResults=5`)).body as unknown as ListBody;
    const second = (await http(gateway.url, `/v1/projects/${p}/datasets?NextToken=${encodeURIComponent(first.NextToken!)}`)).body as unknown as ListBody;
    expect([...first.Datasets, ...second.Datasets].map((d) => d.DatasetName)).toEqual([...names].sort());
    expect(second.NextToken).toBeUndefined();
    expect((await client.ok<ListBody>('ListDatasets', { ProjectName: p, Prefix: 'c' })).Datasets.map((d) => d.DatasetName)).toEqual(['cherry']);
  });

  it("refuses another project's NextToken, a forged one, and MaxResults out of range", async () => {
    const p = await project();
    const q = await project();
    for (const d of ['a', 'b']) await client.ok('CreateDataset', { ProjectName: p, DatasetName: d });
    const token = (await client.ok<ListBody>('ListDatasets', { ProjectName: p, MaxResults: 1 })).NextToken!;
    expectImmError(await client.call('ListDatasets', { ProjectName: q, NextToken: token }), 400, 'InvalidNextToken');
    expectImmError(await client.call('ListDatasets', { ProjectName: p, NextToken: `x${token}` }), 400, 'InvalidNextToken');
    for (const bad of [0, 101, 'abc']) expectImmError(await client.call('ListDatasets', { ProjectName: p, MaxResults: bad }), 400, 'InvalidMaxResults');
  });
});

describe('UpdateDataset', () => {
  it('changes the given settings only, over RPC and REST', async () => {
    const p = await project();
    const created = await client.ok<DatasetBody>('CreateDataset', { ProjectName: p, DatasetName: 'u', Description: 'first', DatasetMaxBindCount: 2 });
    await new Promise((r) => setTimeout(r, 5));
    const updated = await client.ok<DatasetBody>('UpdateDataset', { ProjectName: p, DatasetName: 'u', Description: 'second' }, 'form');
    expect(updated.Dataset).toMatchObject({ Description: 'second', DatasetMaxBindCount: 2, CreateTime: created.Dataset.CreateTime });
    expect(updated.Dataset.UpdateTime > created.Dataset.UpdateTime).toBe(true);
    const rest = await http(gateway.url, `/v1/projects/${p}/datasets/u`, { method: 'PUT', body: { DatasetMaxBindCount: 5 } });
    expect(rest.body).toMatchObject({ Dataset: { Description: 'second', DatasetMaxBindCount: 5 } });
  });

  it('refuses bad values without changing anything, and unknown names with 404', async () => {
    const p = await project();
    await client.ok('CreateDataset', { ProjectName: p, DatasetName: 'u', Description: 'kept' });
    expectImmError(await client.call('UpdateDataset', { ProjectName: p, DatasetName: 'u', Description: 'y'.repeat(257) }), 400, 'InvalidDescription');
    expect((await client.ok<DatasetBody>('GetDataset', { ProjectName: p, DatasetName: 'u' })).Dataset.Description).toBe('kept');
    expectImmError(await client.call('UpdateDataset', { ProjectName: p, DatasetName: 'nope', Description: 'x' }), 404, 'ResourceNotFound', /dataset/);
    expectImmError(await client.call('UpdateDataset', { ProjectName: uniqueName('ghost'), DatasetName: 'u' }), 404, 'ResourceNotFound', /project/);
  });
});

describe('DeleteDataset', () => {
  it("deletes the dataset with all its files, features, clusters, edges and thumbnails, and nothing of another dataset's", async () => {
    const p = await project();
    for (const d of ['doomed', 'kept']) await client.ok('CreateDataset', { ProjectName: p, DatasetName: d });
    const doomed = await fillDataset(p, 'doomed');
    const kept = await fillDataset(p, 'kept');
    const full = { datasets: 1, files: 3, features: 3, clusters: 1, members: 2, edges: 1 };
    expect(await rowsOf(doomed)).toEqual(full);
    const thumbnails = async (datasetId: string) => {
      const files = await db.file.findMany({ where: { datasetId }, select: { id: true } });
      return Promise.all(files.map(async (f) => (await writeThumbnail({ data: new Uint8Array(12).fill(90), width: 2, height: 2, channels: 3 }, thumbnailDir(), f.id)).path));
    };
    const [doomedThumbnails, keptThumbnails] = [await thumbnails(doomed), await thumbnails(kept)];
    const deleted = await client.ok('DeleteDataset', { ProjectName: p, DatasetName: 'doomed' });
    expect(Object.keys(deleted)).toEqual(['RequestId']);
    expect(await rowsOf(doomed)).toEqual({ datasets: 0, files: 0, features: 0, clusters: 0, members: 0, edges: 0 });
    expect(await rowsOf(kept)).toEqual(full);
    // The thumbnails go after the answer (a large dataset has many); the other dataset's stay.
    await waitFor(() => doomedThumbnails.every((path) => !existsSync(path)), { what: 'the deleted dataset thumbnails to go' });
    expect(keptThumbnails.every((path) => existsSync(path))).toBe(true);
    expectImmError(await client.call('GetDataset', { ProjectName: p, DatasetName: 'doomed' }), 404, 'ResourceNotFound');
    expectImmError(await client.call('DeleteDataset', { ProjectName: p, DatasetName: 'doomed' }), 404, 'ResourceNotFound', /dataset/);
  });

  it('deletes over the REST route; then the project can be deleted', async () => {
    const p = await project();
    await client.ok('CreateDataset', { ProjectName: p, DatasetName: 'only' });
    await fillDataset(p, 'only');
    expect((await http(gateway.url, `/v1/projects/${p}/datasets/only`, { method: 'DELETE' })).status).toBe(200);
    await client.ok('DeleteProject', { ProjectName: p });
    expectImmError(await client.call('DeleteDataset', { ProjectName: p, DatasetName: 'only' }), 404, 'ResourceNotFound', /project/);
  });
});
