import { existsSync } from 'node:fs';
import type { GatewayConfig } from '@simclust/config';
import { createDatabase, type Db } from '@simclust/db';
import { fileObjectId, newClusterId } from '@simclust/contracts';
import { CONFIG } from '@simclust/runtime';
import { uniqueName, type ImmClient } from '@simclust/testing';
import { writeThumbnail } from '@simclust/thumbnails';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';

let gateway: RunningGateway;
let client: ImmClient;
let db: Db;
let project: string;
let dataset: string;
let datasetId: string;

beforeAll(async () => {
  ({ gateway, client } = await startTestGateway());
  db = createDatabase(process.env.DATABASE_URL!);
  project = uniqueName('files');
  dataset = uniqueName('ds');
  await client.ok('CreateProject', { ProjectName: project });
  await client.ok('CreateDataset', { ProjectName: project, DatasetName: dataset });
  datasetId = (await db.dataset.findFirstOrThrow({ where: { name: dataset, project: { name: project } } })).id;
});
afterAll(async () => {
  await gateway.close();
  await db.$disconnect();
});

const params = (extra: Record<string, unknown> = {}) => ({ ProjectName: project, DatasetName: dataset, ...extra });
const thumbnailDir = () => gateway.app.get<GatewayConfig>(CONFIG).THUMBNAIL_DIR;

/** Seeds an indexed file row as the indexer would write it. */
async function seedFile(uri: string, extra: Record<string, unknown> = {}) {
  return db.file.create({
    data: {
      id: fileObjectId(datasetId, uri),
      datasetId,
      uri,
      status: 'Indexed',
      mediaType: 'image',
      contentType: 'image/jpeg',
      filename: uri.split('/').pop(),
      size: 1000n,
      fileHash: 'ab'.repeat(32),
      imageWidth: 640,
      imageHeight: 480,
      orientation: 1,
      imageScore: 0.7,
      scoreDetails: { Sharpness: 0.8, Exposure: 0.6, Resolution: 0.7 },
      contentVersion: 1,
      ...extra,
    },
  });
}

/** Seeds a cluster over seeded files with the given edges (pairs of indexes into `files`). */
async function seedCluster(files: Array<{ id: string; seq: number }>, edges: Array<[number, number]>) {
  const id = newClusterId();
  await db.similarImageCluster.create({ data: { id, datasetId, createdAt: new Date(Date.now() - 60_000), updatedAt: new Date(Date.now() - 60_000) } });
  await db.similarImageClusterMember.createMany({ data: files.map((f) => ({ fileId: f.id, clusterId: id })) });
  await db.similarImageEdge.createMany({
    data: edges.map(([x, y]) => {
      const [a, b] = [files[x].seq, files[y].seq].sort((p, q) => p - q);
      return { datasetId, fileA: a, fileB: b, score: 0.9 };
    }),
  });
  return id;
}

async function membersByCluster(fileIds: string[]) {
  const rows = await db.similarImageClusterMember.findMany({ where: { fileId: { in: fileIds } } });
  const byCluster = new Map<string, string[]>();
  for (const r of rows) byCluster.set(r.clusterId, [...(byCluster.get(r.clusterId) ?? []), r.fileId].sort());
  return byCluster;
}

describe('IndexFileMeta / BatchIndexFileMeta requests', () => {
  it('records an IndexFileMeta task and answers RequestId, EventId and TaskId at once', async () => {
    const body = await client.ok<{ EventId: string; TaskId: string }>('IndexFileMeta', params({ File: { URI: 'file:///nowhere/a.jpg', CustomId: 'a' }, UserData: 'hello' }));
    expect(body.TaskId).toMatch(/^IndexFileMeta-[0-9a-f-]{36}$/);
    expect(body.EventId).toMatch(/^[0-9A-F]{3}-[A-Za-z0-9]{27}$/);
    const task = await db.task.findUniqueOrThrow({ where: { id: body.TaskId } });
    expect(task).toMatchObject({ taskType: 'IndexFileMeta', eventId: body.EventId, requestId: body.RequestId, userData: 'hello', datasetName: dataset });
  });

  it('takes a 100-file batch in the query string, as the IMM SDKs send it', async () => {
    const files = Array.from({ length: 100 }, (_, i) => ({ URI: `https://images.invalid/some/long/path/to/photo-${i}.jpg`, CustomLabels: { n: String(i) } }));
    const body = await client.ok<{ TaskId: string }>('BatchIndexFileMeta', params({ Files: files }), 'query');
    expect(body.TaskId).toMatch(/^IndexFileMeta-/);
  });

  it.each([
    ['101 files', { Files: Array.from({ length: 101 }, (_, i) => ({ URI: `file:///x/${i}.jpg` })) }, 400, 'LimitExceededError'],
    ['UserData over 2048 bytes', { Files: [{ URI: 'file:///x/a.jpg' }], UserData: 'é'.repeat(1025) }, 400, 'LimitExceededError'],
    ['an unsupported URI scheme', { Files: [{ URI: 'file:///x/a.jpg' }, { URI: 'oss://bucket/b.jpg' }] }, 400, 'InvalidURI'],
    ['a relative file URI', { Files: [{ URI: 'file:photos/a.jpg' }] }, 400, 'InvalidURI'],
    ['a URI listed twice', { Files: [{ URI: 'file:///x/a.jpg' }, { URI: 'file:///x/a.jpg' }] }, 400, 'InvalidURI'],
    ['no Files', {}, 400, 'MissingFiles'],
    ['an empty Files list', { Files: [] }, 400, 'InvalidFiles'],
    ['a file without URI', { Files: [{ CustomId: 'x' }] }, 400, 'InvalidFiles'],
    ['an MNS notification', { Files: [{ URI: 'file:///x/a.jpg' }], Notification: { MNS: { TopicName: 't' } } }, 400, 'InvalidNotification'],
  ])('refuses %s', async (_what, extra, status, code) => {
    const res = await client.call('BatchIndexFileMeta', params(extra));
    expect(res.status).toBe(status);
    expect(res.body.Code).toBe(code);
    expect(res.body.RequestId).toBeTruthy();
  });

  it('names the bad URI in the message', async () => {
    const res = await client.call('BatchIndexFileMeta', params({ Files: [{ URI: 'file:///x/a.jpg' }, { URI: 'oss://bucket/b.jpg' }] }));
    expect(res.body.Message).toContain('Files[1].URI');
    expect(res.body.Message).toContain('oss');
  });

  it('refuses malformed Files JSON with InvalidJSON', async () => {
    const form = new URLSearchParams({ Action: 'BatchIndexFileMeta', ProjectName: project, DatasetName: dataset, Files: '[{"URI": "file:///x/a.jpg"' });
    const res = await fetch(`${gateway.url}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${process.env.ADMIN_API_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ Code: 'InvalidJSON', Message: expect.stringContaining('Files') });
  });

  it('answers 404 for an unknown dataset or project, naming it', async () => {
    const noDataset = await client.call('IndexFileMeta', { ProjectName: project, DatasetName: uniqueName('nods'), File: { URI: 'file:///x/a.jpg' } });
    expect(noDataset.status).toBe(404);
    expect(noDataset.body).toMatchObject({ Code: 'ResourceNotFound', Message: expect.stringContaining('dataset') });
    const noProject = await client.call('IndexFileMeta', { ProjectName: uniqueName('noproj'), DatasetName: dataset, File: { URI: 'file:///x/a.jpg' } });
    expect(noProject.status).toBe(404);
    expect(noProject.body.Message).toContain('project');
  });
});

describe('GetFileMeta / BatchGetFileMeta', () => {
  it("returns IMM's File struct, limited by WithFields, and only the indexed URIs of a batch", async () => {
    const uri = `file:///photos/${uniqueName('get')}.jpg`;
    await seedFile(uri, { customId: 'cid', customLabels: { album: 'summer' } });
    const got = await client.ok<{ Files: Array<Record<string, unknown>> }>('GetFileMeta', params({ URI: uri }), 'query');
    expect(got.Files).toHaveLength(1);
    expect(got.Files[0]).toMatchObject({
      URI: uri,
      ProjectName: project,
      DatasetName: dataset,
      ObjectId: fileObjectId(datasetId, uri),
      ObjectType: 'file',
      ObjectStatus: 'Indexed',
      MediaType: 'image',
      ContentType: 'image/jpeg',
      Size: 1000,
      CustomId: 'cid',
      CustomLabels: { album: 'summer' },
      ImageWidth: 640,
      ImageScore: { OverallQualityScore: 0.7 },
      ScoreDetails: { Sharpness: 0.8, Exposure: 0.6, Resolution: 0.7 },
    });
    expect(got.Files[0].CreateTime).toMatch(/Z$/);

    const limited = await client.ok<{ Files: Array<Record<string, unknown>> }>('GetFileMeta', params({ URI: uri, WithFields: ['ImageScore', 'CustomId'] }), 'query');
    expect(limited.Files[0]).toEqual({ URI: uri, ImageScore: { OverallQualityScore: 0.7 }, CustomId: 'cid' });

    const other = `file:///photos/${uniqueName('get')}.png`;
    await seedFile(other);
    const batch = await client.ok<{ Files: Array<{ URI: string }> }>('BatchGetFileMeta', params({ URIs: [other, 'file:///photos/not-indexed.jpg', uri], WithFields: ['Size'] }));
    expect(batch.Files).toEqual([{ URI: other, Size: 1000 }, { URI: uri, Size: 1000 }]);
  });

  it('answers 404 naming the file for a URI that is not indexed, and LimitExceededError past 100 URIs', async () => {
    const res = await client.call('GetFileMeta', params({ URI: 'file:///photos/never-indexed.jpg' }));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ Code: 'ResourceNotFound', Message: expect.stringContaining('file') });
    expect(res.body.Message).toContain('never-indexed.jpg');
    const many = await client.call('BatchGetFileMeta', params({ URIs: Array.from({ length: 101 }, (_, i) => `file:///p/${i}.jpg`) }));
    expect(many.status).toBe(400);
    expect(many.body.Code).toBe('LimitExceededError');
  });
});

describe('UpdateFileMeta', () => {
  it('sets CustomId and replaces CustomLabels; an unknown file is a 404', async () => {
    const uri = `file:///photos/${uniqueName('upd')}.jpg`;
    await seedFile(uri, { customId: 'old', customLabels: { a: '1', b: '2' } });
    await client.ok('UpdateFileMeta', params({ File: { URI: uri, CustomId: 'new', CustomLabels: { c: '3' } } }), 'query');
    const row = await db.file.findUniqueOrThrow({ where: { id: fileObjectId(datasetId, uri) } });
    expect(row.customId).toBe('new');
    expect(row.customLabels).toEqual({ c: '3' });
    await client.ok('UpdateFileMeta', params({ File: { URI: uri, CustomLabels: { d: '4' } } }));
    const again = await db.file.findUniqueOrThrow({ where: { id: fileObjectId(datasetId, uri) } });
    expect(again).toMatchObject({ customId: 'new', customLabels: { d: '4' } });
    const missing = await client.call('UpdateFileMeta', params({ File: { URI: 'file:///photos/none.jpg', CustomId: 'x' } }));
    expect(missing.status).toBe(404);
    expect(missing.body.Message).toContain('file');
  });
});

describe('DeleteFileMeta / BatchDeleteFileMeta', () => {
  it('deletes a file with its features and thumbnail; deleting a file that is not indexed succeeds', async () => {
    const uri = `file:///photos/${uniqueName('del')}.jpg`;
    const file = await seedFile(uri);
    await db.fileFeature.create({ data: { fileId: file.id, datasetId, version: 1, descriptor: Buffer.from([1]), verifier: Buffer.from([2]) } });
    const thumbnail = await writeThumbnail({ data: new Uint8Array(12).fill(90), width: 2, height: 2, channels: 3 }, thumbnailDir(), file.id);
    await client.ok('DeleteFileMeta', params({ URI: uri }), 'query');
    expect(await db.file.count({ where: { id: file.id } })).toBe(0);
    expect(await db.fileFeature.count({ where: { fileId: file.id } })).toBe(0);
    // A deleted photo leaves no picture of itself behind.
    expect(existsSync(thumbnail.path)).toBe(false);
    await client.ok('DeleteFileMeta', params({ URI: uri }));
    await client.ok('BatchDeleteFileMeta', params({ URIs: ['file:///photos/never-there.jpg'] }));
  });

  it('deletes clusters left with one image, keeps the rest with their id, and splits a cluster a deleted file held together', async () => {
    const seed = (tag: string) => seedFile(`file:///clusters/${uniqueName(tag)}.jpg`);
    const pair = [await seed('pair'), await seed('pair')];
    const pairId = await seedCluster(pair, [[0, 1]]);
    const triangle = [await seed('tri'), await seed('tri'), await seed('tri')];
    const triangleId = await seedCluster(triangle, [[0, 1], [1, 2], [0, 2]]);
    const chain = [await seed('chain'), await seed('chain'), await seed('chain'), await seed('chain'), await seed('chain')];
    const chainId = await seedCluster(chain, [[0, 1], [1, 2], [2, 3], [3, 4]]);

    const res = await client.call('BatchDeleteFileMeta', params({ URIs: [pair[0].uri, triangle[2].uri, chain[2].uri, 'file:///clusters/missing.jpg'] }));
    expect(res.status).toBe(200);

    expect(await db.similarImageCluster.count({ where: { id: pairId } })).toBe(0);
    expect(await db.similarImageClusterMember.count({ where: { fileId: pair[1].id } })).toBe(0);
    expect(await membersByCluster(triangle.map((f) => f.id))).toEqual(new Map([[triangleId, [triangle[0].id, triangle[1].id].sort()]]));
    const chainParts = await membersByCluster(chain.map((f) => f.id));
    expect([...chainParts.values()].sort()).toEqual([[chain[0].id, chain[1].id].sort(), [chain[3].id, chain[4].id].sort()].sort());
    expect(chainParts.has(chainId)).toBe(true);
    const seqs = [pair, triangle, chain].flat().map((f) => f.seq);
    const removedSeqs = [pair[0].seq, triangle[2].seq, chain[2].seq];
    const edges = await db.similarImageEdge.findMany({ where: { datasetId, fileA: { in: seqs } } });
    expect(edges.some((e) => removedSeqs.includes(e.fileA) || removedSeqs.includes(e.fileB))).toBe(false);
    expect(edges).toHaveLength(1 + 2);
  });

  it('refuses more than 100 URIs', async () => {
    const res = await client.call('BatchDeleteFileMeta', params({ URIs: Array.from({ length: 101 }, (_, i) => `file:///p/${i}.jpg`) }));
    expect(res.status).toBe(400);
    expect(res.body.Code).toBe('LimitExceededError');
  });
});
