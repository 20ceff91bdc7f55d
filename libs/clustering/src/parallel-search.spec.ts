import { join } from 'node:path';
import { CandidateIndex } from './candidate-index';
import { chooseChunkPlan, MultiIndexHashTable, searchChunk } from './multi-index-hash-table';
import { PairBuffer, PairList } from './pair-list';
import { InProcessSearchPool, runSearchTask, SearchPool, splitSearch, WorkerSearchPool } from './parallel-search';
import { clusteredImages, Image } from './__fixtures__/synthetic-images';
import { seededRandom, shuffled } from './__fixtures__/seeded-random';

/** The repository's worker-thread shim: runs a .ts thread script from sources. */
const THREAD_SHIM = join(__dirname, '..', '..', '..', 'jest.thread-shim.cjs');
const asStrings = (pairs: PairList): string[] => Array.from({ length: pairs.length }, (_, i) => `${pairs.a[i]}-${pairs.b[i]}`);

function indexOf(images: readonly Image[], radius: number, shared = false, chunks?: number): CandidateIndex {
  const index = new CandidateIndex({ radius, expectedImages: images.length, shared, chunks });
  for (const image of images) index.add(image.id, image.anchors, image.probes);
  return index;
}

describe('splitSearch', () => {
  it('cuts every chunk of every layer into disjoint mask ranges that cover all masks', () => {
    const table = new MultiIndexHashTable(chooseChunkPlan(8, 5000), 5000);
    const images = clusteredImages(600, 5);
    for (const image of images.slice(0, 500)) table.set(image.id, image.probes, 0, image.probes.length / 2);
    table.prepare();
    for (const image of images.slice(500)) table.set(image.id, image.probes, 0, image.probes.length / 2);
    const snapshot = table.snapshot();
    const tasks = splitSearch(snapshot, new Uint32Array(2), new Uint32Array(1), 8);
    expect(tasks.length).toBeGreaterThanOrEqual(8);
    snapshot.layers.forEach((layer, l) => {
      for (let c = 0; c < snapshot.plan.bits.length; c++) {
        const ranges = tasks.filter((t) => t.layer === l && t.chunk === c).sort((x, y) => x.maskFrom - y.maskFrom);
        let at = 0;
        for (const r of ranges) {
          expect(r.maskFrom).toBe(at);
          at = r.maskTo;
        }
        expect(at).toBe(layer.masks[c].length);
      }
    });
  });

  it('cuts many queries into ranges first, each (query, mask) of a chunk in exactly one piece', () => {
    const table = new MultiIndexHashTable(chooseChunkPlan(8, 5000), 5000);
    for (const image of clusteredImages(500, 5)) table.set(image.id, image.probes, 0, image.probes.length / 2);
    const snapshot = table.snapshot();
    const queries = 3000;
    const codes = new Uint32Array(2 * queries);
    const tasks = splitSearch(snapshot, codes, new Uint32Array(queries), 8);
    for (let c = 0; c < snapshot.plan.bits.length; c++) {
      const masks = snapshot.layers[0].masks[c].length;
      const covered = new Uint8Array(queries * masks);
      for (const task of tasks.filter((t) => t.chunk === c)) {
        // Query ranges are views of the given codes: their offset gives the range.
        const first = task.queryCodes.byteOffset / 8;
        expect(task.queryCodes.length).toBe(2 * task.queryOwners.length);
        for (let q = first; q < first + task.queryOwners.length; q++) for (let m = task.maskFrom; m < task.maskTo; m++) covered[q * masks + m]++;
      }
      expect(covered.every((n) => n === 1)).toBe(true);
    }
    expect(new Set(tasks.map((t) => t.queryCodes.byteOffset)).size).toBeGreaterThan(1);
  });

  it('pieces together give the sequential search, each code pair once', () => {
    const images = clusteredImages(400, 8);
    const table = new MultiIndexHashTable(chooseChunkPlan(10, 3000), 3000);
    for (const image of images) table.set(image.id, image.probes, 0, image.probes.length / 2);
    const queries = new MultiIndexHashTable(table.plan, 1000);
    for (const image of images) queries.set(image.id, image.anchors, 0, image.anchors.length / 2);
    const [codes, owners] = queries.liveCodes();
    const sequential = new PairBuffer();
    table.searchBatch(codes, owners, sequential);
    const tasks = splitSearch(table.snapshot(), codes, owners, 7);
    // Raw hits (one per code pair): disjoint mask ranges must not report a code pair twice.
    const raw = new PairBuffer();
    for (const task of tasks) searchChunk(task.table, task.layer, task.chunk, task.maskFrom, task.maskTo, task.queryCodes, task.queryOwners, raw);
    expect(raw.length).toBe(sequential.length);
    // A task returns each image pair once, however many of its code pairs matched.
    const pieced = new PairBuffer();
    for (const task of tasks) {
      const words = runSearchTask(task);
      const unique = new PairBuffer();
      unique.pushWords(words);
      expect(unique.toSortedUnique().length).toBe(words.length / 2);
      pieced.pushWords(words);
    }
    const rawHits = sequential.length;
    const expected = sequential.toSortedUnique();
    expect(rawHits).toBeGreaterThan(expected.length);
    expect(asStrings(pieced.toSortedUnique())).toEqual(asStrings(expected));
  });
});

describe.each([
  ['in-process pool', () => new InProcessSearchPool(2)],
  // The real worker_threads path, running the TypeScript thread script through a swc loader shim.
  [
    'worker threads',
    () =>
      new WorkerSearchPool({
        threads: 2,
        script: THREAD_SHIM,
        workerData: { script: join(__dirname, 'search.thread.ts') },
      }),
  ],
])('parallel candidate search (%s)', (_name, makePool: () => SearchPool) => {
  let pool: SearchPool;
  beforeAll(() => {
    pool = makePool();
  });
  afterAll(() => pool.close());
  const images = clusteredImages(500, 42);

  it.each([
    [0, undefined],
    [8, undefined],
    [8, 4],
    [13, undefined],
  ])('allCandidatePairsAsync equals allCandidatePairs at radius %i (chunks %s)', async (radius, chunks) => {
    const index = indexOf(images, radius, true, chunks);
    const sequential = asStrings(index.allCandidatePairs());
    expect(sequential.length).toBeGreaterThan(radius >= 8 ? 200 : 0);
    expect(asStrings(await index.allCandidatePairsAsync(pool))).toEqual(sequential);
  });

  it('candidatePairsForAsync equals candidatePairsFor over base + tail layers with tombstones and changed codes', async () => {
    const random = seededRandom(12);
    const order = shuffled(images, random);
    const index = indexOf(order.slice(0, 400), 8, true);
    index.prepare();
    const removed = order.slice(0, 400).filter(() => random() < 0.1);
    for (const image of removed) index.remove(image.id);
    const added = order.slice(400);
    for (const image of added) index.add(image.id, image.anchors, image.probes);
    const changed = clusteredImages(20, 77).map((image, i) => ({ ...image, id: order[100 + i].id }));
    for (const image of changed) index.add(image.id, image.anchors, image.probes);
    const ids = [...added, ...changed].map((image) => image.id);
    const sequential = asStrings(index.candidatePairsFor(ids));
    expect(sequential.length).toBeGreaterThan(50);
    expect(asStrings(await index.candidatePairsForAsync(ids, pool))).toEqual(sequential);
    expect(asStrings(await index.allCandidatePairsAsync(pool))).toEqual(asStrings(index.allCandidatePairs()));
  });

  it('prepareAsync builds both tables on the pool: the same pairs as a sequential prepare', async () => {
    const index = indexOf(images, 8, true);
    await index.prepareAsync(pool);
    const viaPool = asStrings(index.allCandidatePairs());
    const sequential = indexOf(images, 8, true);
    sequential.prepare();
    expect(viaPool).toEqual(asStrings(sequential.allCandidatePairs()));
    expect(viaPool.length).toBeGreaterThan(200);
  });

  it('refuses changes to the index while a parallel search runs', async () => {
    const index = indexOf(images, 8, true);
    const search = index.allCandidatePairsAsync(pool);
    expect(() => index.remove(images[0].id)).toThrow(/parallel search/);
    await search;
    expect(index.remove(images[0].id)).toBe(true);
  });
});

describe('WorkerSearchPool', () => {
  it('needs a shared index (unshared tables would be copied into every task)', async () => {
    const pool = new WorkerSearchPool({ threads: 1, script: THREAD_SHIM, workerData: { script: join(__dirname, 'search.thread.ts') } });
    try {
      await expect(indexOf(clusteredImages(20, 1), 8, false).allCandidatePairsAsync(pool)).rejects.toThrow(/shared: true/);
    } finally {
      await pool.close();
    }
  });

  it('prepareAsync runs one build task per searched chunk of each table', async () => {
    const pool = new InProcessSearchPool(2);
    const index = indexOf(clusteredImages(300, 3), 8, false, 3);
    await index.prepareAsync(pool);
    expect(pool.tasksRun).toBe(6);
    await index.prepareAsync(pool);
    expect(pool.tasksRun).toBe(6);
  });

  it('the in-process pool really splits the work', async () => {
    const pool = new InProcessSearchPool(2);
    const index = indexOf(clusteredImages(300, 3), 8);
    await index.allCandidatePairsAsync(pool);
    expect(pool.tasksRun).toBeGreaterThanOrEqual(8);
  });
});
