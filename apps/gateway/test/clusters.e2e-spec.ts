// Cluster operations through the API: task creation, querying (sorts, orders, keyset paging, label filter),
// label updates and bad input. Clusters are seeded in the database; the clustering worker's own tests produce them.
import { createHash, randomUUID } from 'node:crypto';
import { createDatabase, type Db } from '@simclust/db';
import { newClusterId } from '@simclust/contracts';
import { uniqueName, waitFor, type ImmClient } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { ClusterPageCache } from '../src/clusters/cluster-page-cache';
import { startTestGateway } from './gateway.harness';

interface ClusterView {
  ObjectId: string;
  CreateTime: string;
  UpdateTime: string;
  CustomLabels: Record<string, string>;
  Files: Array<{ URI: string; ImageScore: number; ScoreDetails?: { Sharpness: number; Exposure: number; Resolution: number } }>;
}
interface QueryAnswer {
  SimilarImageClusters: ClusterView[];
  NextToken?: string;
}

jest.setTimeout(30_000);

let gateway: RunningGateway;
let client: ImmClient;
let db: Db;
const project = uniqueName('clp');
const dataset = uniqueName('cld');
let datasetId: string;
/** Seeded clusters: createdAt increases with the index, updatedAt runs the other way, so the two sorts differ. */
const seeded: Array<{ id: string; createdAt: Date; updatedAt: Date }> = [];

const base = Date.parse('2026-01-01T00:00:00Z');

async function seedCluster(i: number, scores: number[]): Promise<void> {
  const id = newClusterId();
  const createdAt = new Date(base + i * 60_000);
  const updatedAt = new Date(base + (100 - i) * 60_000);
  await db.similarImageCluster.create({ data: { id, datasetId, createdAt, updatedAt } });
  for (const [k, score] of scores.entries()) {
    const uri = `file:///seed/${dataset}/c${i}-f${k}.jpg`;
    const fileId = createHash('sha256').update(`${datasetId}/${uri}`).digest('hex');
    await db.file.create({
      data: { id: fileId, datasetId, uri, status: 'Indexed', imageScore: score, scoreDetails: { Sharpness: score, Exposure: 0.5, Resolution: 1 }, contentVersion: 1, clusteredVersion: 1 },
    });
    await db.similarImageClusterMember.create({ data: { fileId, clusterId: id } });
  }
  seeded.push({ id, createdAt, updatedAt });
}

async function queryAll(params: Record<string, unknown>, encoding: 'json' | 'query' = 'json'): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await client.ok<QueryAnswer>('QuerySimilarImageClusters', { ProjectName: project, DatasetName: dataset, ...params, NextToken: token }, encoding);
    ids.push(...page.SimilarImageClusters.map((c) => c.ObjectId));
    token = page.NextToken;
    pages++;
  } while (token);
  return { ids, pages };
}

const key = () => ({ ProjectName: project, DatasetName: dataset });

beforeAll(async () => {
  ({ gateway, client } = await startTestGateway());
  db = createDatabase(process.env.DATABASE_URL!);
  await client.ok('CreateProject', { ProjectName: project });
  await client.ok('CreateDataset', { ProjectName: project, DatasetName: dataset });
  datasetId = (await db.dataset.findFirstOrThrow({ where: { name: dataset, project: { name: project } } })).id;
  for (let i = 0; i < 5; i++) await seedCluster(i, [0.3 + i / 100, 0.9 - i / 100, 0.6]);
});
afterAll(async () => {
  await db.$disconnect();
  await gateway.close();
});

describe('CreateSimilarImageClusteringTask', () => {
  it('records a running SimilarImageClustering task and answers with its TaskId and EventId', async () => {
    const res = await client.ok<{ TaskId: string; EventId: string }>('CreateSimilarImageClusteringTask', { ...key(), UserData: 'u', Tags: { User: 'Jane' } }, 'query');
    expect(res.TaskId).toMatch(/^SimilarImageClustering-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.EventId).toMatch(/^[0-9A-F]{3}-[A-Za-z0-9]{27}$/);
    const task = await db.task.findUniqueOrThrow({ where: { id: res.TaskId } });
    expect(task).toMatchObject({ taskType: 'SimilarImageClustering', datasetName: dataset, userData: 'u', tags: { User: 'Jane' }, eventId: res.EventId });
  });

  it('answers 404 naming the dataset or the project', async () => {
    const noDataset = await client.call('CreateSimilarImageClusteringTask', { ProjectName: project, DatasetName: uniqueName('none') });
    expect(noDataset.status).toBe(404);
    expect(noDataset.body).toMatchObject({ Code: 'ResourceNotFound', Message: expect.stringContaining('dataset') });
    const noProject = await client.call('CreateSimilarImageClusteringTask', { ProjectName: uniqueName('none'), DatasetName: dataset });
    expect(noProject.status).toBe(404);
    expect(noProject.body.Message).toContain('project');
  });

  it('refuses UserData over 2048 bytes, an MNS notification and a missing DatasetName', async () => {
    const tooLong = await client.call('CreateSimilarImageClusteringTask', { ...key(), UserData: 'é'.repeat(1025) }, 'form');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.Code).toBe('LimitExceededError');
    const atLimit = await client.call('CreateSimilarImageClusteringTask', { ...key(), UserData: 'x'.repeat(2048) });
    expect(atLimit.status).toBe(200);
    const mns = await client.call('CreateSimilarImageClusteringTask', { ...key(), Notification: { MNS: { TopicName: 't' } } });
    expect(mns.status).toBe(400);
    expect(mns.body).toMatchObject({ Code: 'InvalidNotification', Message: expect.stringContaining('webhook') });
    const missing = await client.call('CreateSimilarImageClusteringTask', { ProjectName: project });
    expect(missing.body.Code).toBe('MissingDatasetName');
  });
});

describe('QuerySimilarImageClusters', () => {
  it('lists by UpdateTime, newest first, with files best shot first', async () => {
    const res = await client.ok<QueryAnswer>('QuerySimilarImageClusters', key(), 'query');
    const expected = [...seeded].sort((x, y) => y.updatedAt.getTime() - x.updatedAt.getTime()).map((c) => c.id);
    expect(res.SimilarImageClusters.map((c) => c.ObjectId)).toEqual(expected);
    expect(res.NextToken).toBeUndefined();
    const first = res.SimilarImageClusters.find((c) => c.ObjectId === seeded[2].id)!;
    expect(first.CreateTime).toBe(seeded[2].createdAt.toISOString());
    expect(first.UpdateTime).toBe(seeded[2].updatedAt.toISOString());
    expect(first.CustomLabels).toEqual({});
    expect(first.Files.map((f) => f.ImageScore)).toEqual([0.88, 0.6, 0.32]);
    expect(first.Files[0]).toEqual({ URI: expect.stringMatching(/c2-f1\.jpg$/), ImageScore: 0.88, ScoreDetails: { Sharpness: 0.88, Exposure: 0.5, Resolution: 1 } });
  });

  it.each([
    ['CreateTime', 'asc'],
    ['CreateTime', 'desc'],
    ['UpdateTime', 'asc'],
    ['UpdateTime', 'desc'],
  ] as const)('pages by %s %s two at a time without repeats or gaps', async (sort, order) => {
    const field = sort === 'CreateTime' ? 'createdAt' : 'updatedAt';
    const sign = order === 'asc' ? 1 : -1;
    const expected = [...seeded].sort((x, y) => sign * (x[field].getTime() - y[field].getTime())).map((c) => c.id);
    const { ids, pages } = await queryAll({ Sort: sort, Order: order, MaxResults: 2 }, 'query');
    expect(ids).toEqual(expected);
    expect(pages).toBe(3);
  });

  it('pages through clusters that share one time (a run stamps all it writes alike) by ObjectId', async () => {
    const other = uniqueName('cld');
    await client.ok('CreateDataset', { ProjectName: project, DatasetName: other });
    const otherId = (await db.dataset.findFirstOrThrow({ where: { name: other, project: { name: project } } })).id;
    const at = new Date(base);
    const ids = Array.from({ length: 4 }, () => newClusterId());
    await db.similarImageCluster.createMany({ data: ids.map((id) => ({ id, datasetId: otherId, createdAt: at, updatedAt: at })) });
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.ok<QueryAnswer>('QuerySimilarImageClusters', { ProjectName: project, DatasetName: other, MaxResults: 1, Order: order, NextToken: token });
        seen.push(...page.SimilarImageClusters.map((c) => c.ObjectId));
        token = page.NextToken;
      } while (token);
      expect(seen).toEqual(order === 'asc' ? [...ids].sort() : [...ids].sort().reverse());
    }
  });

  it('keeps paging over unchanged clusters when an already returned cluster changes', async () => {
    const first = await client.ok<QueryAnswer>('QuerySimilarImageClusters', { ...key(), MaxResults: 2 });
    const returned = first.SimilarImageClusters.map((c) => c.ObjectId);
    // The newest cluster gets even newer: under UpdateTime desc it moves in front of the cursor, not into the rest.
    await client.ok('UpdateSimilarImageCluster', { ...key(), ObjectId: returned[1], CustomLabels: { touched: 'yes' } });
    const rest: string[] = [];
    let token = first.NextToken;
    while (token) {
      const page = await client.ok<QueryAnswer>('QuerySimilarImageClusters', { ...key(), MaxResults: 2, NextToken: token });
      rest.push(...page.SimilarImageClusters.map((c) => c.ObjectId));
      token = page.NextToken;
    }
    expect(rest.sort()).toEqual(seeded.map((c) => c.id).filter((id) => !returned.includes(id)).sort());
  });

  it('filters by CustomLabels: a cluster matches when it has every pair', async () => {
    await client.ok('UpdateSimilarImageCluster', { ...key(), ObjectId: seeded[0].id, CustomLabels: { album: 'trip', best: 'yes' } }, 'query');
    await client.ok('UpdateSimilarImageCluster', { ...key(), ObjectId: seeded[3].id, CustomLabels: { album: 'trip' } });
    const trip = await queryAll({ CustomLabels: { album: 'trip' }, Sort: 'CreateTime', Order: 'asc' }, 'query');
    expect(trip.ids).toEqual([seeded[0].id, seeded[3].id]);
    const both = await queryAll({ CustomLabels: JSON.stringify({ album: 'trip', best: 'yes' }) });
    expect(both.ids).toEqual([seeded[0].id]);
    const none = await queryAll({ CustomLabels: { album: 'home' } });
    expect(none.ids).toEqual([]);
  });

  it('refuses a NextToken of another listing, or a forged one', async () => {
    const page = await client.ok<QueryAnswer>('QuerySimilarImageClusters', { ...key(), MaxResults: 1, Sort: 'CreateTime' });
    const otherSort = await client.call('QuerySimilarImageClusters', { ...key(), MaxResults: 1, Sort: 'UpdateTime', NextToken: page.NextToken });
    expect(otherSort.status).toBe(400);
    expect(otherSort.body.Code).toBe('InvalidNextToken');
    const forged = await client.call('QuerySimilarImageClusters', { ...key(), NextToken: `${page.NextToken}x` });
    expect(forged.body.Code).toBe('InvalidNextToken');
    // The same listing of another dataset (the scope is learnt from the page query itself).
    const other = uniqueName('cld');
    await client.ok('CreateDataset', { ProjectName: project, DatasetName: other });
    const otherDataset = await client.call('QuerySimilarImageClusters', { ProjectName: project, DatasetName: other, MaxResults: 1, Sort: 'CreateTime', NextToken: page.NextToken });
    expect(otherDataset.body.Code).toBe('InvalidNextToken');
    // A missing dataset answers 404 before its token is looked at.
    const missing = await client.call('QuerySimilarImageClusters', { ProjectName: project, DatasetName: uniqueName('none'), NextToken: 'not-a-token' });
    expect(missing.status).toBe(404);
  });

  it.each([
    [{ Sort: 'Size' }, 'InvalidSort'],
    [{ Order: 'up' }, 'InvalidOrder'],
    [{ MaxResults: 0 }, 'InvalidMaxResults'],
    [{ MaxResults: 101 }, 'InvalidMaxResults'],
    [{ MaxResults: 'ten' }, 'InvalidMaxResults'],
    [{ CustomLabels: '{"album": ' }, 'InvalidJSON'],
    [{ CustomLabels: '["album"]' }, 'InvalidCustomLabels'],
    [{ CustomLabels: { album: 3 } }, 'InvalidCustomLabels'],
  ])('answers 400 to %j with %s', async (params, code) => {
    // A JSON body carries the CustomLabels strings as given (the query encoder would JSON-encode them once more).
    const res = await client.call('QuerySimilarImageClusters', { ...key(), ...params });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ Code: code, RequestId: expect.any(String), Message: expect.any(String) });
  });

  it('answers 404 naming the dataset or the project', async () => {
    const res = await client.call('QuerySimilarImageClusters', { ProjectName: project, DatasetName: uniqueName('none') });
    expect(res.status).toBe(404);
    expect(res.body.Message).toContain('dataset');
    const noProject = await client.call('QuerySimilarImageClusters', { ProjectName: uniqueName('none'), DatasetName: dataset });
    expect(noProject.status).toBe(404);
    expect(noProject.body.Message).toContain('project');
  });

  it('answers an empty page for a dataset without clusters', async () => {
    const empty = uniqueName('cld');
    await client.ok('CreateDataset', { ProjectName: project, DatasetName: empty });
    const res = await client.ok<QueryAnswer>('QuerySimilarImageClusters', { ProjectName: project, DatasetName: empty });
    expect(res).toEqual({ RequestId: expect.any(String), SimilarImageClusters: [] });
  });
});

describe('UpdateSimilarImageCluster', () => {
  it('sets the labels, moves UpdateTime and returns the cluster', async () => {
    const before = Date.now();
    const res = await client.ok<{ SimilarImageCluster: ClusterView }>('UpdateSimilarImageCluster', { ...key(), ObjectId: seeded[4].id, CustomLabels: { a: '1' } });
    expect(res.SimilarImageCluster).toMatchObject({ ObjectId: seeded[4].id, CustomLabels: { a: '1' }, CreateTime: seeded[4].createdAt.toISOString() });
    expect(Date.parse(res.SimilarImageCluster.UpdateTime)).toBeGreaterThanOrEqual(before - 1000);
    expect(res.SimilarImageCluster.Files).toHaveLength(3);
    const replaced = await client.ok<{ SimilarImageCluster: ClusterView }>('UpdateSimilarImageCluster', { ...key(), ObjectId: seeded[4].id, CustomLabels: {} });
    expect(replaced.SimilarImageCluster.CustomLabels).toEqual({});
  });

  it('answers 404 for an unknown ObjectId and for a cluster of another dataset', async () => {
    const unknown = await client.call('UpdateSimilarImageCluster', { ...key(), ObjectId: `SimilarImageCluster-${randomUUID()}`, CustomLabels: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body.Message).toContain('SimilarImageCluster');
    const other = uniqueName('cld');
    await client.ok('CreateDataset', { ProjectName: project, DatasetName: other });
    const elsewhere = await client.call('UpdateSimilarImageCluster', { ProjectName: project, DatasetName: other, ObjectId: seeded[0].id, CustomLabels: {} });
    expect(elsewhere.status).toBe(404);
  });

  it('needs CustomLabels', async () => {
    const res = await client.call('UpdateSimilarImageCluster', { ...key(), ObjectId: seeded[0].id });
    expect(res.body.Code).toBe('MissingCustomLabels');
  });
});

describe('QuerySimilarImageClusters under concurrent identical calls', () => {
  it('answers each with its own RequestId and the same page, and a call sent after an update sees it', async () => {
    const burst = await Promise.all(Array.from({ length: 8 }, () => client.call<QueryAnswer>('QuerySimilarImageClusters', key())));
    expect(burst.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(burst[0].headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(new Set(burst.map((r) => r.body.RequestId)).size).toBe(8);
    const pages = burst.map(({ body: { RequestId: _id, ...page } }) => page);
    for (const page of pages) expect(page).toEqual(pages[0]);

    // Queries in flight while the labels change: the one sent after the update returned must not share their reads.
    const inFlight = Array.from({ length: 8 }, () => client.call<QueryAnswer>('QuerySimilarImageClusters', key()));
    const CustomLabels = { burst: uniqueName('b') };
    await client.ok('UpdateSimilarImageCluster', { ...key(), ObjectId: seeded[0].id, CustomLabels });
    const after = await client.ok<QueryAnswer>('QuerySimilarImageClusters', key());
    expect(after.SimilarImageClusters.find((c) => c.ObjectId === seeded[0].id)?.CustomLabels).toEqual(CustomLabels);
    await Promise.all(inFlight);
  });
});

describe('QuerySimilarImageClusters page cache', () => {
  const cache = () => gateway.app.get(ClusterPageCache);
  const page = () => client.ok<QueryAnswer>('QuerySimilarImageClusters', key());
  const hits = async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return Number(/simclust_gateway_cluster_page_cache_total\{result="hit"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
  };
  const scoreOf = (answer: QueryAnswer, uri: string) => answer.SimilarImageClusters.flatMap((c) => c.Files).find((f) => f.URI === uri)?.ImageScore;

  beforeAll(() => waitFor(() => cache().listening, { what: 'the cluster page listener' }));

  it('answers a repeated page from the cache, and drops it when the database says the dataset changed', async () => {
    const first = await page();
    const before = await hits();
    const { RequestId: firstId, ...firstPage } = first;
    const { RequestId: againId, ...againPage } = await page();
    expect(await hits()).toBe(before + 1);
    expect(againPage).toEqual(firstPage);
    expect(againId).not.toBe(firstId);

    // Another process (the indexer) re-scores a member file: the page shows it once the notification is in.
    const uri = first.SimilarImageClusters[0].Files[0].URI;
    await db.file.updateMany({ where: { datasetId, uri }, data: { imageScore: 0.123 } });
    await waitFor(async () => scoreOf(await page(), uri) === 0.123, { what: 'the new score on the page' });

    // Another process (the clustering worker) relabels and deletes clusters.
    const [relabelled, doomed] = seeded.slice(-2).map((c) => c.id);
    await db.similarImageCluster.update({ where: { id: relabelled }, data: { customLabels: { by: 'worker' } } });
    await waitFor(async () => (await page()).SimilarImageClusters.find((c) => c.ObjectId === relabelled)?.CustomLabels.by === 'worker', { what: 'the new labels' });
    await db.similarImageCluster.delete({ where: { id: doomed } });
    seeded.splice(seeded.findIndex((c) => c.id === doomed), 1);
    await waitFor(async () => !(await page()).SimilarImageClusters.some((c) => c.ObjectId === doomed), { what: 'the deleted cluster to go' });
  });

  it('caches nothing while its listener is down (a notification could be missed), and resumes once it is back', async () => {
    await page();
    await db.$queryRaw`SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE application_name = 'simclust-gateway-cluster-pages' AND pid <> pg_backend_pid()`;
    await waitFor(() => !cache().listening, { what: 'the listener to be lost' });
    const uri = (await page()).SimilarImageClusters[0].Files[0].URI;
    await db.file.updateMany({ where: { datasetId, uri }, data: { imageScore: 0.456 } });
    // No waiting: with no listener every call reads the database.
    expect(scoreOf(await page(), uri)).toBe(0.456);
    await waitFor(() => cache().listening, { what: 'the listener to reconnect' });
    await page();
    const before = await hits();
    await page();
    expect(await hits()).toBe(before + 1);
  });
});
