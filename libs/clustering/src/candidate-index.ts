import { asCodePairs, LITTLE_ENDIAN } from './hamming';
import { allocUint32, chooseChunkPlan, MultiIndexHashTable, searchSnapshot } from './multi-index-hash-table';
import { PairBuffer, PairList } from './pair-list';
import { SearchPool, searchOnPool, WorkerSearchPool } from './parallel-search';

export type Codes = BigUint64Array | Uint32Array;

export interface CandidateIndexOptions {
  /** Hamming radius R: (x, y) is a candidate iff some probe of one is within R of some anchor of the other. */
  readonly radius: number;
  /** Expected number of images; sizes the chunking and the first allocation (the index still grows past it). */
  readonly expectedImages?: number;
  /** Expected probes per image, for the same purpose. */
  readonly expectedProbesPerImage?: number;
  /** Expected anchors per image, for the same purpose (default 2). */
  readonly expectedAnchorsPerImage?: number;
  /** Forces the number of chunks instead of the cost model's choice (benchmarks, tests). */
  readonly chunks?: number;
  /**
   * Keep the tables on SharedArrayBuffers so the *Async searches can run on a WorkerSearchPool without copying
   * them (default false; the synchronous API works either way).
   */
  readonly shared?: boolean;
}

/**
 * Descriptors of many images at once, as streamed from storage. Codes are BigUint64Array or (lo, hi) uint32
 * pairs; image i owns anchorCounts[i] consecutive anchors and probeCounts[i] consecutive probes.
 */
export interface DescriptorBatch {
  readonly ids: ArrayLike<number>;
  readonly anchors: Codes;
  readonly anchorCounts: ArrayLike<number>;
  readonly probes: Codes;
  readonly probeCounts: ArrayLike<number>;
}

/** Membership test for a set of image ids. */
function memberOf(ids: ArrayLike<number>): (id: number) => boolean {
  const set = new Set<number>();
  for (let i = 0; i < ids.length; i++) set.add(ids[i]);
  return (id) => set.has(id);
}

const SERIAL_MAGIC = 0x53434931; // "SCI1"
const HEADER_WORDS = 6;

/**
 * Exact candidate search for near-duplicate images over 64-bit codes (multi-index hashing).
 * Two tables: anchors (searched by probes) and probes (searched by anchors), so a new image finds its
 * candidates in both directions without rescanning old images. Image ids are uint32 (e.g. a serial key).
 */
export class CandidateIndex {
  readonly radius: number;
  private readonly anchors: MultiIndexHashTable;
  private readonly probes: MultiIndexHashTable;
  readonly shared: boolean;
  /** Parallel searches in flight: the tables must not change under the threads reading them. */
  private searching = 0;

  constructor(options: CandidateIndexOptions) {
    this.shared = options.shared ?? false;
    this.radius = options.radius;
    const images = options.expectedImages ?? 100_000;
    const probesPerImage = options.expectedProbesPerImage ?? 4;
    // The probe table answers the full scan (one query per anchor), so it sets the chunking for both.
    const plan = chooseChunkPlan(options.radius, images * probesPerImage, options.chunks);
    this.anchors = new MultiIndexHashTable(plan, images * (options.expectedAnchorsPerImage ?? 2), this.shared);
    this.probes = new MultiIndexHashTable(plan, images * probesPerImage, this.shared);
  }

  /** Builds an index from descriptors in one go (the fast path for a full run or a cold start). */
  static build(options: CandidateIndexOptions, batch: DescriptorBatch): CandidateIndex {
    // Sized from the batch itself unless told otherwise: growing a table mid-load copies it.
    const perImage = (codes: Codes) => Math.ceil(asCodePairs(codes).length / 2 / Math.max(1, batch.ids.length));
    const index = new CandidateIndex({
      expectedImages: batch.ids.length,
      expectedAnchorsPerImage: perImage(batch.anchors),
      expectedProbesPerImage: perImage(batch.probes),
      ...options,
    });
    index.addBatch(batch);
    return index;
  }

  /** Chunk layout chosen for this radius: one line per chunk (bit range, searched chunk radius). */
  describe(): string {
    const { starts, bits, thresholds } = this.probes.plan;
    return bits.map((b, i) => `bits ${starts[i]}..${starts[i] + b - 1} r≤${thresholds[i]}`).join('; ');
  }

  get size(): number {
    return this.anchors.images;
  }

  has(id: number): boolean {
    return this.anchors.codeCountOf(id) > 0;
  }

  /** Adds an image, or replaces its descriptors if it is already indexed (a changed file). */
  add(id: number, anchors: Codes, probes: Codes): void {
    this.assertIdle();
    const anchorPairs = asCodePairs(anchors);
    const probePairs = asCodePairs(probes);
    this.anchors.set(id, anchorPairs, 0, anchorPairs.length / 2);
    this.probes.set(id, probePairs, 0, probePairs.length / 2);
  }

  addBatch(batch: DescriptorBatch): void {
    this.assertIdle();
    const anchorPairs = asCodePairs(batch.anchors);
    const probePairs = asCodePairs(batch.probes);
    let anchorAt = 0;
    let probeAt = 0;
    for (let i = 0; i < batch.ids.length; i++) {
      const id = batch.ids[i];
      this.anchors.set(id, anchorPairs, anchorAt, batch.anchorCounts[i]);
      this.probes.set(id, probePairs, probeAt, batch.probeCounts[i]);
      anchorAt += batch.anchorCounts[i];
      probeAt += batch.probeCounts[i];
    }
    if (anchorAt * 2 !== anchorPairs.length || probeAt * 2 !== probePairs.length) {
      throw new RangeError('anchorCounts/probeCounts do not add up to the number of codes given');
    }
  }

  /** Removes an image; returns false if it was not indexed. */
  remove(id: number): boolean {
    this.assertIdle();
    const removed = this.anchors.delete(id);
    this.probes.delete(id);
    return removed;
  }

  /** Ids of the indexed images, ascending. */
  ids(): Uint32Array {
    return this.anchors.imageIds();
  }

  /** Every candidate pair among all indexed images. */
  allCandidatePairs(): PairList {
    const out = new PairBuffer(this.anchors.size);
    // Each pair has an anchor side, so querying every anchor against the probes finds all of them.
    this.probes.searchWithCodesOf(this.anchors, out);
    return out.toSortedUnique();
  }

  /**
   * Candidate pairs that involve at least one of `ids` (new or changed images, which must already be added),
   * against everything indexed, both directions. The probes of `ids` skip an anchor layer that holds only
   * anchors of `ids` (typically the tail of just-added images): the anchors of `ids`, searched against every
   * probe, already find those pairs.
   */
  candidatePairsFor(ids: ArrayLike<number>): PairList {
    const out = new PairBuffer(ids.length * 4);
    const [anchorCodes, anchorOwners] = this.codesOf(this.anchors, ids);
    searchSnapshot(this.probes.snapshot(), anchorCodes, anchorOwners, out);
    const [probeCodes, probeOwners] = this.codesOf(this.probes, ids);
    searchSnapshot(this.anchors.snapshot(memberOf(ids)), probeCodes, probeOwners, out);
    return out.toSortedUnique();
  }

  /**
   * allCandidatePairs on a search pool (worker threads over shared tables, or in-process): the same pairs.
   * The index must not be modified until the promise settles.
   */
  async allCandidatePairsAsync(pool: SearchPool): Promise<PairList> {
    this.checkPool(pool);
    this.searching++;
    try {
      await this.prepareOn(pool);
      const out = new PairBuffer(this.anchors.size);
      const [codes, owners] = this.anchors.liveCodes(this.shared);
      await searchOnPool(pool, this.probes.snapshot(), codes, owners, out);
      return out.toSortedUnique();
    } finally {
      this.searching--;
    }
  }

  /** candidatePairsFor on a search pool: the same pairs; the index must not be modified until it settles. */
  async candidatePairsForAsync(ids: ArrayLike<number>, pool: SearchPool): Promise<PairList> {
    this.checkPool(pool);
    this.searching++;
    try {
      await this.prepareOn(pool);
      const out = new PairBuffer(ids.length * 4);
      const [anchorCodes, anchorOwners] = this.codesOf(this.anchors, ids);
      const [probeCodes, probeOwners] = this.codesOf(this.probes, ids);
      await Promise.all([
        searchOnPool(pool, this.probes.snapshot(), anchorCodes, anchorOwners, out),
        searchOnPool(pool, this.anchors.snapshot(memberOf(ids)), probeCodes, probeOwners, out),
      ]);
      return out.toSortedUnique();
    } finally {
      this.searching--;
    }
  }

  private checkPool(pool: SearchPool): void {
    // Unshared tables would be copied into every task message: correct but far slower than searching here.
    if (pool instanceof WorkerSearchPool && !this.shared) throw new Error('a CandidateIndex searched by worker threads must be created with shared: true');
  }

  private assertIdle(): void {
    if (this.searching > 0) throw new Error('CandidateIndex modified while a parallel search is running');
  }

  private codesOf(table: MultiIndexHashTable, ids: ArrayLike<number>): [Uint32Array, Uint32Array] {
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += table.codeCountOf(ids[i]);
    const codes = allocUint32(total * 2, this.shared);
    const owners = allocUint32(total, this.shared);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const n = table.copyCodesOf(ids[i], codes, at * 2);
      owners.fill(ids[i], at, at + n);
      at += n;
    }
    return [codes, owners];
  }

  /** Builds the search structures now instead of at the next query (e.g. right after a bulk load). */
  prepare(): void {
    this.anchors.prepare();
    this.probes.prepare();
  }

  /** prepare() with every chunk's counting sort a task on the pool (the async searches call it first). */
  async prepareAsync(pool: SearchPool): Promise<void> {
    this.checkPool(pool);
    this.searching++;
    try {
      await this.prepareOn(pool);
    } finally {
      this.searching--;
    }
  }

  private async prepareOn(pool: SearchPool): Promise<void> {
    const pending = [this.anchors.beginPrepare(), this.probes.beginPrepare()].filter((p) => p !== undefined);
    // Largest first, so the last task to start is a short one.
    const builds = pending.flatMap((p) => p.builds).sort((x, y) => y.count - x.count);
    await Promise.all(builds.map((build) => pool.run({ build })));
    for (const p of pending) p.finish();
  }

  /**
   * Compact form: only the codes (about 4 + 2 + 8 × codes bytes per image); the posting tables are rebuilt on
   * load because a counting-sort rebuild is faster than reading them from storage.
   */
  serialize(): Uint8Array {
    const ids = this.ids();
    let anchorTotal = 0;
    let probeTotal = 0;
    for (const id of ids) {
      anchorTotal += this.anchors.codeCountOf(id);
      probeTotal += this.probes.codeCountOf(id);
    }
    const countsBytes = Math.ceil((2 * ids.length) / 4) * 4;
    const bytes = new Uint8Array(HEADER_WORDS * 4 + ids.length * 4 + countsBytes + (anchorTotal + probeTotal) * 8);
    const header = new Uint32Array(bytes.buffer, 0, HEADER_WORDS);
    header.set([SERIAL_MAGIC, this.radius, ids.length, anchorTotal, probeTotal, LITTLE_ENDIAN ? 1 : 0]);
    let at = HEADER_WORDS * 4;
    new Uint32Array(bytes.buffer, at, ids.length).set(ids);
    at += ids.length * 4;
    const counts = new Uint8Array(bytes.buffer, at, 2 * ids.length);
    at += countsBytes;
    const anchorCodes = new Uint32Array(bytes.buffer, at, anchorTotal * 2);
    const probeCodes = new Uint32Array(bytes.buffer, at + anchorTotal * 8, probeTotal * 2);
    let anchorAt = 0;
    let probeAt = 0;
    ids.forEach((id, i) => {
      counts[i] = this.anchors.copyCodesOf(id, anchorCodes, anchorAt * 2);
      counts[ids.length + i] = this.probes.copyCodesOf(id, probeCodes, probeAt * 2);
      anchorAt += counts[i];
      probeAt += counts[ids.length + i];
    });
    return bytes;
  }

  static deserialize(bytes: Uint8Array, options: Omit<CandidateIndexOptions, 'radius'> = {}): CandidateIndex {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    const header = new Uint32Array(aligned.buffer, aligned.byteOffset, HEADER_WORDS);
    const [magic, radius, count, anchorTotal, probeTotal, littleEndian] = header;
    if (magic !== SERIAL_MAGIC) throw new Error('not a serialized CandidateIndex');
    if (littleEndian !== (LITTLE_ENDIAN ? 1 : 0)) throw new Error('CandidateIndex was serialized on a platform of other endianness');
    let at = aligned.byteOffset + HEADER_WORDS * 4;
    const ids = new Uint32Array(aligned.buffer, at, count);
    at += count * 4;
    const counts = new Uint8Array(aligned.buffer, at, 2 * count);
    at += Math.ceil((2 * count) / 4) * 4;
    return CandidateIndex.build(
      { expectedImages: count, expectedProbesPerImage: count ? probeTotal / count : 4, ...options, radius },
      {
        ids,
        anchors: new Uint32Array(aligned.buffer, at, anchorTotal * 2),
        anchorCounts: counts.subarray(0, count),
        probes: new Uint32Array(aligned.buffer, at + anchorTotal * 8, probeTotal * 2),
        probeCounts: counts.subarray(count),
      },
    );
  }
}
