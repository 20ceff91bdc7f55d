// The clustering issue end to end: real images of ../shared/bench/dev indexed through the API, clustered by the
// in-process clustering worker, read back with QuerySimilarImageClusters.
import { createDatabase, type Db } from '@simclust/db';
import { waitFor } from '@simclust/testing';
import type { RunEvent } from '../src/clustering/cluster-job.processor';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_IMAGES, SCRATCH_DIR, devTruth, newDataset, partition, startPipeline, type Pipeline } from './pipeline.harness';

jest.setTimeout(180_000);

let pipeline: Pipeline;
let db: Db;

const truth = devTruth();
/** A small slice of DEV: a burst, two edited families, both crops of one hard-negative photo, three distractors. */
const SUBSET = [...truth.clusters[2], ...truth.clusters[14], ...truth.clusters[16], ...truth.clusters[24], ...truth.clusters[33], ...truth.singletons.slice(0, 3)].sort();

beforeAll(async () => {
  pipeline = await startPipeline();
  db = createDatabase(process.env.DATABASE_URL!);
});
afterAll(async () => {
  await db.$disconnect();
  await pipeline?.close();
});

describe('clustering through the API', () => {
  let whole: Awaited<ReturnType<typeof newDataset>>;

  beforeAll(async () => {
    whole = await newDataset(pipeline.client, 'cw');
    await whole.index(SUBSET);
  });

  it('clusters a dataset in one run: every family found, the hard-negative crops apart, no distractor joined', async () => {
    const task = await whole.cluster();
    expect(task).toMatchObject({ Status: 'Succeeded', Progress: 100, Code: '', Message: '' });
    const found = partition(await whole.clusters());
    const expected = [truth.clusters[2], truth.clusters[14], truth.clusters[16], truth.clusters[24], truth.clusters[33]].map((c) => [...c].sort());
    expect(found).toEqual(expected.sort((x, y) => x[0].localeCompare(y[0])));
  });

  it('lists each cluster best shot first', async () => {
    for (const cluster of await whole.clusters()) {
      const scores = cluster.Files.map((f) => f.ImageScore);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
      expect(cluster.ObjectId).toMatch(/^SimilarImageCluster-[0-9a-f-]{36}$/);
    }
  });

  it('changes nothing on a run with nothing new: same ObjectIds, CreateTimes and UpdateTimes', async () => {
    const before = await whole.clusters();
    const task = await whole.cluster();
    expect(task.Status).toBe('Succeeded');
    expect(await whole.clusters()).toEqual(before);
  });

  it('gives the same partition when the files arrive in two runs as in one', async () => {
    const split = await newDataset(pipeline.client, 'ci');
    // Every other file: each family is split across the runs, so the second run must extend and join clusters.
    await split.index(SUBSET.filter((_, i) => i % 2 === 0));
    expect((await split.cluster()).Status).toBe('Succeeded');
    const firstRun = await split.clusters();
    await split.index(SUBSET.filter((_, i) => i % 2 === 1));
    expect((await split.cluster()).Status).toBe('Succeeded');
    const secondRun = await split.clusters();
    expect(partition(secondRun)).toEqual(partition(await whole.clusters()));

    // A cluster of the first run that grew keeps its ObjectId and CreateTime; its UpdateTime moves.
    const grown = firstRun.find((c) => secondRun.some((d) => d.ObjectId === c.ObjectId && d.Files.length > c.Files.length));
    expect(grown).toBeDefined();
    const after = secondRun.find((c) => c.ObjectId === grown!.ObjectId)!;
    expect(after.CreateTime).toBe(grown!.CreateTime);
    expect(Date.parse(after.UpdateTime)).toBeGreaterThan(Date.parse(grown!.UpdateTime));
  });

  it('keeps a cluster\'s labels when a later run extends it, and dissolves a pair at once when a member is deleted', async () => {
    const ds = await newDataset(pipeline.client, 'cl');
    const family = truth.clusters[16];
    const byKind = (kind: string) => family.find((f) => truth.kinds[f] === kind)!;
    const seed = [byKind('original'), byKind('brightness')];
    const later = family.filter((f) => !seed.includes(f));
    const pair = [...truth.clusters[24]].sort();
    await ds.index([...seed, ...pair]);
    await ds.cluster();
    const first = await ds.clusters();
    const seedCluster = first.find((c) => partition([c])[0].includes(seed[0]))!;
    expect(partition([seedCluster])[0]).toEqual([...seed].sort());
    await pipeline.client.ok('UpdateSimilarImageCluster', { ...ds.key, ObjectId: seedCluster.ObjectId, CustomLabels: { keep: 'me' } });

    await ds.index(later);
    await ds.cluster();
    const extended = (await ds.clusters()).find((c) => c.ObjectId === seedCluster.ObjectId)!;
    expect(partition([extended])[0]).toEqual([...family].sort());
    expect(extended.CustomLabels).toEqual({ keep: 'me' });

    const pairCluster = (await ds.clusters()).find((c) => c.ObjectId !== seedCluster.ObjectId)!;
    await pipeline.client.ok('DeleteFileMeta', { ...ds.key, URI: ds.uriOf(pair[0]) });
    // Deletion dissolves the pair at once, without a clustering run.
    expect((await ds.clusters()).map((c) => c.ObjectId)).toEqual([seedCluster.ObjectId]);
    expect(pairCluster).toBeDefined();
  });

  it('takes a file whose content changed out of its cluster at the next run', async () => {
    const ds = await newDataset(pipeline.client, 'cv');
    const family = truth.clusters[27];
    const changing = join(SCRATCH_DIR, 'changing.jpg');
    copyFileSync(join(DEV_IMAGES, family[0]), changing);
    await ds.index([changing, ...family.slice(1)]);
    await ds.cluster();
    const before = await ds.clusters();
    expect(partition(before)).toEqual([['changing.jpg', ...family.slice(1)].sort()]);

    // Same URI, now another photo: re-indexing bumps its contentVersion and the run drops it from the cluster.
    copyFileSync(join(DEV_IMAGES, truth.singletons[5]), changing);
    await ds.index([changing]);
    await ds.cluster();
    const after = await ds.clusters();
    expect(partition(after)).toEqual([[...family.slice(1)].sort()]);
    expect(after[0].ObjectId).toBe(before[0].ObjectId);
  });

  it('never runs two tasks of one dataset at once, and both succeed', async () => {
    const ds = await newDataset(pipeline.client, 'cc');
    await ds.index(truth.clusters[7]);
    const events: Array<['start' | 'end', RunEvent]> = [];
    const onStart = (e: RunEvent) => events.push(['start', e]);
    const onEnd = (e: RunEvent) => events.push(['end', e]);
    pipeline.processor.on('run-start', onStart).on('run-end', onEnd);
    try {
      const [a, b] = await Promise.all([ds.startClustering(), ds.startClustering()]);
      const [ta, tb] = await Promise.all([ds.waitTask('SimilarImageClustering', a), ds.waitTask('SimilarImageClustering', b)]);
      expect([ta.Status, tb.Status]).toEqual(['Succeeded', 'Succeeded']);
      const mine = () => events.filter(([, e]) => e.taskId === a || e.taskId === b).map(([kind]) => kind);
      // 'run-end' follows the task's finish (and the lock's release), so it may come just after the status.
      await waitFor(() => mine().length === 4, { timeoutMs: 5_000, what: 'both runs to end' });
      expect(mine()).toEqual(['start', 'end', 'start', 'end']);
    } finally {
      pipeline.processor.off('run-start', onStart).off('run-end', onEnd);
    }
    // Whatever the verifier's recall on this burst, its frames cluster only with each other.
    const found = partition(await ds.clusters());
    expect(found.length).toBeGreaterThan(0);
    for (const cluster of found) expect(truth.clusters[7]).toEqual(expect.arrayContaining(cluster));
  });

  it('fails the task with ResourceNotFound when the dataset is deleted before the run', async () => {
    const ds = await newDataset(pipeline.client, 'cx');
    const datasetId = (await db.dataset.findFirstOrThrow({ where: { name: ds.key.DatasetName } })).id;
    // Hold the dataset's run lock so the task waits, then delete the dataset under it.
    const { DatasetRunLock } = await import('../src/clustering/dataset-run-lock');
    const lock = await new DatasetRunLock((pipeline.processor as unknown as { redis: import('ioredis').Redis }).redis).acquire(datasetId);
    const taskId = await ds.startClustering();
    await pipeline.client.ok('DeleteDataset', ds.key);
    await lock!.release();
    const task = await ds.waitTask('SimilarImageClustering', taskId);
    expect(task).toMatchObject({ Status: 'Failed', Code: 'ResourceNotFound', Message: expect.stringContaining('dataset') });
  });
});
