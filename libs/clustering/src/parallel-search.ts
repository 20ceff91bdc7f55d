import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ChunkBuild, fillChunk, searchChunk, TableSnapshot } from './multi-index-hash-table';
import { PairBuffer } from './pair-list';

/**
 * One piece of a candidate search: the neighbour masks [maskFrom, maskTo) of one chunk of one layer of a table
 * snapshot, for a range of the query codes. Pieces over disjoint (query, mask) ranges never report the same code
 * pair, and their union is the whole search, so a search split into pieces gives exactly the sequential result.
 */
export interface SearchTask {
  readonly table: TableSnapshot;
  readonly layer: number;
  readonly chunk: number;
  readonly maskFrom: number;
  readonly maskTo: number;
  readonly queryCodes: Uint32Array;
  readonly queryOwners: Uint32Array;
}

/** Runs one task: the found pairs as PairBuffer words, each pair once (see PairBuffer.uniqueWords). */
export function runSearchTask(task: SearchTask): Uint32Array {
  const out = new PairBuffer(1024);
  searchChunk(task.table, task.layer, task.chunk, task.maskFrom, task.maskTo, task.queryCodes, task.queryOwners, out);
  return out.uniqueWords();
}

/** Work a pool runs: a piece of a search, or the counting sort of one chunk of a table being prepared (in place). */
export type PoolTask = SearchTask | { readonly build: ChunkBuild };

/** Runs a pool task: a search task's pairs, or no words for a build. */
export function runPoolTask(task: PoolTask): Uint32Array {
  if ('build' in task) {
    fillChunk(task.build);
    return new Uint32Array(0);
  }
  return runSearchTask(task);
}

/** Where search tasks run: worker threads (WorkerSearchPool) or the calling thread (InProcessSearchPool). */
export interface SearchPool {
  /** Number of tasks that can run at once; work is split into a few pieces per lane. */
  readonly size: number;
  run(task: PoolTask): Promise<Uint32Array>;
  close(): Promise<void>;
}

/**
 * Runs tasks on the calling thread, one per microtask turn, through the same task split as the thread pool:
 * the parallel path's logic without threads (tests, single-core hosts, running from TypeScript sources).
 */
export class InProcessSearchPool implements SearchPool {
  /** Tasks run so far (tests check that the work was really split). */
  tasksRun = 0;

  constructor(readonly size = 2) {}

  async run(task: PoolTask): Promise<Uint32Array> {
    await Promise.resolve();
    this.tasksRun++;
    return runPoolTask(task);
  }

  async close(): Promise<void> {
    // nothing to release
  }
}

interface Lane {
  readonly worker: Worker;
  busy: boolean;
}

interface Queued {
  readonly task: PoolTask;
  readonly resolve: (words: Uint32Array) => void;
  readonly reject: (error: Error) => void;
}

export interface WorkerSearchPoolOptions {
  /** Number of worker threads (default 2). */
  readonly threads?: number;
  /** Thread script; defaults to the compiled search.thread.js next to this file. */
  readonly script?: string;
  /** workerData for the script (e.g. for a loader shim that runs the TypeScript source). */
  readonly workerData?: unknown;
}

/** The compiled thread script, or undefined when running from TypeScript sources (no .js next to this file). */
export function searchThreadScript(): string | undefined {
  const script = join(__dirname, 'search.thread.js');
  return existsSync(script) ? script : undefined;
}

/**
 * worker_threads pool for candidate search. Tables must be `shared` (SharedArrayBuffer-backed) so a task
 * posts views of the same memory rather than copies; only the found pairs travel back (transferred).
 */
export class WorkerSearchPool implements SearchPool {
  readonly size: number;
  private readonly lanes: Lane[] = [];
  private readonly queue: Queued[] = [];
  private readonly pending = new Map<Worker, Queued>();
  private closed = false;

  constructor(options: WorkerSearchPoolOptions = {}) {
    const script = options.script ?? searchThreadScript();
    if (!script) throw new Error('search.thread.js not found: build the lib (tsc -b libs/clustering/tsconfig.lib.json) or use InProcessSearchPool');
    this.size = Math.max(1, options.threads ?? 2);
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(script, { workerData: options.workerData });
      worker.unref();
      const lane: Lane = { worker, busy: false };
      worker.on('message', (words: Uint32Array) => this.settle(lane, (job) => job.resolve(words)));
      worker.on('error', (error) => this.settle(lane, (job) => job.reject(error)));
      worker.on('exit', (code) => {
        if (!this.closed) this.settle(lane, (job) => job.reject(new Error(`search thread exited with code ${code}`)));
      });
      this.lanes.push(lane);
    }
  }

  run(task: PoolTask): Promise<Uint32Array> {
    if (this.closed) return Promise.reject(new Error('search pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('search pool closed'));
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }

  private dispatch(): void {
    for (const lane of this.lanes) {
      if (lane.busy || this.queue.length === 0) continue;
      const job = this.queue.shift() as Queued;
      lane.busy = true;
      this.pending.set(lane.worker, job);
      lane.worker.ref();
      lane.worker.postMessage(job.task);
    }
  }

  private settle(lane: Lane, finish: (job: Queued) => void): void {
    const job = this.pending.get(lane.worker);
    this.pending.delete(lane.worker);
    lane.busy = false;
    lane.worker.unref();
    if (job) finish(job);
    this.dispatch();
  }
}

/** A worker-thread pool when the compiled script is available, else the in-process pool. */
export function createSearchPool(threads = 2): SearchPool {
  return searchThreadScript() && threads > 1 ? new WorkerSearchPool({ threads }) : new InProcessSearchPool(1);
}

/** Relative cost of one bucket lookup vs one scanned posting, for splitting work into even pieces. */
const LOOKUP_VS_SCAN = 8;
/** Queries per task at most: a thread's sorted copy of them costs 12 bytes a query (see searchChunk). */
const MAX_TASK_QUERIES = 1 << 19;

/**
 * Splits a search of `table` by the given queries into pieces (chunk × layer × query range × mask range) of
 * roughly equal estimated cost, about `pieces` in all (more when there are many queries), largest first. Query
 * ranges come first: a task sorts its queries once, so cutting the masks instead would sort them again per piece.
 */
export function splitSearch(table: TableSnapshot, queryCodes: Uint32Array, queryOwners: Uint32Array, pieces: number): SearchTask[] {
  const queries = queryOwners.length;
  const parts: { layer: number; chunk: number; masks: number; perMask: number }[] = [];
  table.layers.forEach((layer, l) => {
    const entries = layer.to - layer.from;
    if (entries <= 0) return;
    for (let c = 0; c < table.plan.bits.length; c++) {
      const masks = layer.masks[c]?.length ?? 0;
      if (table.plan.thresholds[c] < 0 || masks === 0) continue;
      parts.push({ layer: l, chunk: c, masks, perMask: LOOKUP_VS_SCAN + entries / 2 ** layer.tableBits[c] });
    }
  });
  const total = parts.reduce((s, p) => s + p.masks * p.perMask, 0);
  const tasks: (SearchTask & { cost: number })[] = [];
  for (const p of parts) {
    const n = Math.max(1, Math.round((pieces * p.masks * p.perMask) / Math.max(1, total)));
    const queryPieces = Math.max(1, Math.min(queries, Math.max(n, Math.ceil(queries / MAX_TASK_QUERIES))));
    const maskPieces = Math.min(p.masks, Math.ceil(n / queryPieces));
    for (let i = 0; i < queryPieces; i++) {
      const queryFrom = Math.floor((i * queries) / queryPieces);
      const queryTo = Math.floor(((i + 1) * queries) / queryPieces);
      for (let j = 0; j < maskPieces; j++) {
        const maskFrom = Math.floor((j * p.masks) / maskPieces);
        const maskTo = Math.floor(((j + 1) * p.masks) / maskPieces);
        tasks.push({
          table,
          layer: p.layer,
          chunk: p.chunk,
          maskFrom,
          maskTo,
          queryCodes: queryCodes.subarray(2 * queryFrom, 2 * queryTo),
          queryOwners: queryOwners.subarray(queryFrom, queryTo),
          cost: (maskTo - maskFrom) * p.perMask * (queryTo - queryFrom),
        });
      }
    }
  }
  return tasks.sort((x, y) => y.cost - x.cost).map(({ cost: _cost, ...task }) => task);
}

/** Runs a split search on a pool and gathers the pairs into `out`. */
export async function searchOnPool(pool: SearchPool, table: TableSnapshot, queryCodes: Uint32Array, queryOwners: Uint32Array, out: PairBuffer): Promise<void> {
  if (queryOwners.length === 0) return;
  const tasks = splitSearch(table, queryCodes, queryOwners, pool.size * 4);
  const results = await Promise.all(tasks.map((task) => pool.run(task)));
  for (const words of results) out.pushWords(words);
}
