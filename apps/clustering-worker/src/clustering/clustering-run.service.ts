import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  CandidateIndex,
  clustersLosingMembers,
  createSearchPool,
  planIncrementalRun,
  verifyCandidates,
  verifyCandidatesAsync,
  type ClusterPlan,
  type PairList,
  type SearchPool,
  type VerifiedEdges,
} from '@simclust/clustering';
import type { ClusteringWorkerConfig } from '@simclust/config';
import { ImmError, newClusterId } from '@simclust/contracts';
import { CANDIDATE_RADIUS, descriptorCodes, FEATURE_VERSION, HASH_WINDOWS } from '@simclust/features';
import type { Logger } from '@simclust/observability';
import { CONFIG, LOGGER } from '@simclust/runtime';
import { safeVerify } from '../verification/safe-verify';
import { VerifierPool, verifyThreadScript } from '../verification/verifier-pool';
import { ClusteringStateRepository, StaleSnapshotError, type DescriptorRow } from './clustering-state.repository';

export interface RunReport {
  searchable: number;
  processed: number;
  candidatePairs: number;
  verifiedEdges: number;
  created: number;
  updated: number;
  deleted: number;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
}

export type ProgressSink = (percent: number) => Promise<void>;

/** From this many searchable images, candidate search runs on worker threads over shared tables (off the event loop)… */
const SEARCH_POOL_MIN_IMAGES = 20_000;
/** …when this many files are new; a few new files query faster on the calling thread. */
const SEARCH_POOL_MIN_PENDING = 5_000;
/** Below this many candidate pairs, verification stays in-process (thread start-up would cost more). */
const POOL_MIN_PAIRS = 2_000;
/** Pairs whose verifier blobs are loaded at once: bounds memory on large runs. */
const VERIFY_CHUNK_PAIRS = 8_192;
const MAX_STALE_RETRIES = 3;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function concatEdges(parts: VerifiedEdges[]): VerifiedEdges {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = { length, a: new Uint32Array(length), b: new Uint32Array(length), score: new Float32Array(length) };
  let at = 0;
  for (const p of parts) {
    out.a.set(p.a.subarray(0, p.length), at);
    out.b.set(p.b.subarray(0, p.length), at);
    out.score.set(p.score.subarray(0, p.length), at);
    at += p.length;
  }
  return out;
}

function slicePairs(pairs: PairList, from: number, to: number): PairList {
  return { length: to - from, a: pairs.a.subarray(from, to), b: pairs.b.subarray(from, to) };
}

/**
 * One clustering run of a dataset (IMM semantics): the files indexed or changed since the last run are searched
 * against everything already clustered, candidate pairs are verified, and the cluster plan is written at once.
 */
@Injectable()
export class ClusteringRunService implements OnModuleDestroy {
  private pool?: VerifierPool;
  private searchPool?: SearchPool;

  constructor(
    private readonly state: ClusteringStateRepository,
    @Inject(CONFIG) private readonly config: ClusteringWorkerConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.pool?.close();
    await this.searchPool?.close();
  }

  /** Runs until the plan is written; a concurrent delete that invalidates the snapshot makes it start over. */
  async run(target: { datasetId: string; datasetName: string }, progress: ProgressSink): Promise<RunReport> {
    const { datasetId } = target;
    // The dataset may have been deleted while the task waited: that ends the task, it is not retried.
    if (!(await this.state.datasetExists(datasetId))) throw ImmError.notFound('dataset', target.datasetName);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(datasetId, progress);
      } catch (err) {
        if (!(err instanceof StaleSnapshotError) || attempt >= MAX_STALE_RETRIES) throw err;
        this.log.info({ datasetId, attempt }, 'clusters changed during the run; recomputing');
      }
    }
  }

  private async runOnce(datasetId: string, progress: ProgressSink): Promise<RunReport> {
    const timings: Record<string, number> = {};
    let mark = Date.now();
    const lap = (stage: string) => {
      const now = Date.now();
      timings[stage] = now - mark;
      mark = now;
    };

    // Nothing new or changed: the run changes nothing, so it need not even load the descriptors.
    if (!(await this.state.hasPendingFiles(datasetId))) {
      await progress(90);
      return { searchable: 0, processed: 0, candidatePairs: 0, verifiedEdges: 0, created: 0, updated: 0, deleted: 0, timings };
    }
    const fingerprint = await this.state.fingerprint(datasetId);
    const expected = await this.state.countSearchable(datasetId, FEATURE_VERSION);
    const searchPool = expected >= SEARCH_POOL_MIN_IMAGES ? (this.searchPool ??= createSearchPool(this.config.CLUSTERING_VERIFY_THREADS)) : undefined;
    // Size the index for the real descriptor: probes include the anchors.
    const index = new CandidateIndex({
      radius: CANDIDATE_RADIUS,
      expectedImages: Math.max(1024, expected),
      expectedAnchorsPerImage: HASH_WINDOWS.anchors.length,
      expectedProbesPerImage: HASH_WINDOWS.anchors.length + HASH_WINDOWS.probes.length,
      shared: searchPool !== undefined,
    });
    const pending: Array<{ seq: number; contentVersion: number }> = [];
    for await (const rows of this.state.streamDescriptors(datasetId, FEATURE_VERSION)) {
      this.addToIndex(index, rows);
      for (const r of rows) if (r.contentVersion !== r.clusteredVersion) pending.push({ seq: r.seq, contentVersion: r.contentVersion });
      await yieldToLoop();
    }
    const departed = await this.state.departedFiles(datasetId);
    lap('load');
    await progress(10);

    const report: RunReport = { searchable: index.size, processed: pending.length + departed.length, candidatePairs: 0, verifiedEdges: 0, created: 0, updated: 0, deleted: 0, timings };
    if (!pending.length && !departed.length) return report;

    // The search prepares the index itself: on the search pool's threads when it runs there.
    const candidates = await findCandidates(index, Uint32Array.from(pending, (p) => p.seq), searchPool);
    report.candidatePairs = candidates.length;
    lap('candidates');
    await progress(20);

    const edges = await this.verify(candidates, (done) => progress(20 + Math.floor((70 * done) / Math.max(1, candidates.length))));
    report.verifiedEdges = edges.length;
    lap('verify');

    const processed = [...pending, ...departed];
    const changedSeqs = processed.map((p) => p.seq);
    const touched = new Set(changedSeqs);
    for (let i = 0; i < edges.length; i++) touched.add(edges.a[i]).add(edges.b[i]);
    const previous = await this.state.clustersHolding(datasetId, [...touched]);
    const losing = clustersLosingMembers(previous, changedSeqs);
    const kept = await this.state.edgesWithin(datasetId, losing.flatMap((c) => c.members));
    const now = new Date();
    const plan: ClusterPlan = planIncrementalRun({ previous, changedFiles: changedSeqs, addedEdges: edges, keptEdges: kept }, { newId: newClusterId, now });
    lap('plan');
    await progress(92);

    await this.state.apply({ datasetId, fingerprint, processed, edges, plan, now });
    lap('apply');
    report.created = plan.create.length;
    report.updated = plan.update.length;
    report.deleted = plan.delete.length;
    return report;
  }

  private addToIndex(index: CandidateIndex, rows: DescriptorRow[]): void {
    const anchors: BigUint64Array[] = [];
    const probes: BigUint64Array[] = [];
    const ids = new Uint32Array(rows.length);
    const anchorCounts = new Uint8Array(rows.length);
    const probeCounts = new Uint8Array(rows.length);
    rows.forEach((row, i) => {
      const codes = descriptorCodes(row.descriptor);
      ids[i] = row.seq;
      anchors.push(codes.anchors);
      probes.push(codes.probes);
      anchorCounts[i] = codes.anchors.length;
      probeCounts[i] = codes.probes.length;
    });
    const joined = (parts: BigUint64Array[]) => {
      const out = new BigUint64Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    };
    index.addBatch({ ids, anchors: joined(anchors), anchorCounts, probes: joined(probes), probeCounts });
  }

  /** Verifies candidates chunk by chunk, loading only the verifier blobs each chunk needs. */
  private async verify(candidates: PairList, done: (pairs: number) => Promise<void>): Promise<VerifiedEdges> {
    const parts: VerifiedEdges[] = [];
    const script = candidates.length >= POOL_MIN_PAIRS ? verifyThreadScript() : undefined;
    const pool = script ? (this.pool ??= new VerifierPool(script, this.config.CLUSTERING_VERIFY_THREADS)) : undefined;
    pool?.forgetAll();
    for (let from = 0; from < candidates.length; from += VERIFY_CHUNK_PAIRS) {
      const chunk = slicePairs(candidates, from, Math.min(candidates.length, from + VERIFY_CHUNK_PAIRS));
      const needed = new Set<number>();
      for (let i = 0; i < chunk.length; i++) needed.add(chunk.a[i]).add(chunk.b[i]);
      const blobs = await this.state.verifiers([...needed], FEATURE_VERSION);
      // A file deleted since the index was read has no blob: its pairs are simply not edges.
      const present = filterPairs(chunk, (a, b) => blobs.has(a) && blobs.has(b));
      const blobOf = (seq: number) => blobs.get(seq) as Uint8Array;
      if (pool) parts.push(await verifyCandidatesAsync(present, pool.verifier(blobOf), 1024));
      else parts.push(await verifyInProcess(present, blobOf));
      await done(from + chunk.length);
    }
    return concatEdges(parts);
  }
}

/** Pairs involving the new files; when everything is new (a first run) one scan of the whole index beats a query per image. */
async function findCandidates(index: CandidateIndex, pending: Uint32Array, pool: SearchPool | undefined): Promise<PairList> {
  const everything = pending.length === index.size;
  if (!pool || pending.length < SEARCH_POOL_MIN_PENDING) return everything ? index.allCandidatePairs() : index.candidatePairsFor(pending);
  return everything ? index.allCandidatePairsAsync(pool) : index.candidatePairsForAsync(pending, pool);
}

async function verifyInProcess(pairs: PairList, blobOf: (seq: number) => Uint8Array): Promise<VerifiedEdges> {
  const parts: VerifiedEdges[] = [];
  // Slices of 256 pairs keep the event loop (BullMQ lock renewal, health checks) responsive.
  for (let from = 0; from < pairs.length; from += 256) {
    const slice = slicePairs(pairs, from, Math.min(pairs.length, from + 256));
    parts.push(verifyCandidates(slice, (a, b) => safeVerify(blobOf(a), blobOf(b))));
    await yieldToLoop();
  }
  return concatEdges(parts);
}

function filterPairs(pairs: PairList, keep: (a: number, b: number) => boolean): PairList {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < pairs.length; i++) {
    if (!keep(pairs.a[i], pairs.b[i])) continue;
    a.push(pairs.a[i]);
    b.push(pairs.b[i]);
  }
  return { length: a.length, a: Uint32Array.from(a), b: Uint32Array.from(b) };
}
