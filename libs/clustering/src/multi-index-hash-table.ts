import { PairBuffer } from './pair-list';
import { extractBits, popcount32 } from './hamming';
import { KernelArrays } from './search-kernel';

/**
 * How a 64-bit code is cut into chunks for multi-index hashing, and how far each chunk is searched.
 * Generalised pigeonhole: if d(x, y) ≤ R then some chunk i has d_i ≤ t_i whenever Σ(t_i + 1) > R.
 */
export interface ChunkPlan {
  readonly radius: number;
  readonly starts: readonly number[];
  readonly bits: readonly number[];
  /** Per chunk, the largest chunk distance searched; -1 means the chunk is not searched. */
  readonly thresholds: readonly number[];
}

const CODE_BITS = 64;
/** Direct-address tables above 2^22 buckets cost more in cache misses than they save in scans. */
const MAX_CHUNK_BITS = 22;
/** Relative costs of one bucket lookup and one scanned entry (rough estimate for the batched sweep). */
const LOOKUP_COST = 1.5;
const SCAN_COST = 1;

function ballVolume(bits: number, radius: number): number {
  let volume = 0;
  let term = 1;
  for (let k = 0; k <= radius; k++) {
    volume += term;
    term = (term * (bits - k)) / (k + 1);
  }
  return volume;
}

function planFor(radius: number, chunks: number): ChunkPlan {
  const bits: number[] = [];
  const starts: number[] = [];
  let start = 0;
  for (let i = 0; i < chunks; i++) {
    const b = Math.floor(CODE_BITS / chunks) + (i < CODE_BITS % chunks ? 1 : 0);
    starts.push(start);
    bits.push(b);
    start += b;
  }
  const slack = radius - chunks + 1;
  const thresholds = bits.map((_, i) =>
    slack < 0 ? (i <= radius ? 0 : -1) : Math.floor(slack / chunks) + (i < slack % chunks ? 1 : 0),
  );
  return { radius, starts, bits, thresholds };
}

function estimatedCost(plan: ChunkPlan, expectedEntries: number): number {
  let cost = 0;
  for (let i = 0; i < plan.bits.length; i++) {
    if (plan.thresholds[i] < 0) continue;
    const lookups = ballVolume(plan.bits[i], plan.thresholds[i]);
    cost += lookups * (LOOKUP_COST + (SCAN_COST * expectedEntries) / 2 ** plan.bits[i]);
  }
  return cost;
}

/**
 * Picks the number of chunks m for radius R by a cost model (lookups vs scanned entries) at the expected
 * table size: large tables favour few wide chunks (3 × 21–22 bits, ~1 entry per bucket), small tables or
 * large radii favour more, narrower chunks (fewer neighbour keys to enumerate).
 */
export function chooseChunkPlan(radius: number, expectedEntries: number, chunks?: number): ChunkPlan {
  if (!Number.isInteger(radius) || radius < 0 || radius > 24) throw new RangeError(`radius must be an integer in [0, 24], got ${radius}`);
  if (chunks !== undefined) {
    if (!Number.isInteger(chunks) || chunks < Math.ceil(CODE_BITS / MAX_CHUNK_BITS) || chunks > 16) throw new RangeError(`chunks must be an integer in [3, 16], got ${chunks}`);
    return planFor(radius, chunks);
  }
  let best: ChunkPlan | undefined;
  let bestCost = Infinity;
  for (let chunks = Math.ceil(CODE_BITS / MAX_CHUNK_BITS); chunks <= 8; chunks++) {
    const plan = planFor(radius, chunks);
    const cost = estimatedCost(plan, Math.max(1, expectedEntries));
    if (cost < bestCost) {
      best = plan;
      bestCost = cost;
    }
  }
  return best as ChunkPlan;
}

/** Bytes of table (offsets and filter words) one search region should hold: well inside a core's L1/L2 cache. */
const REGION_BYTES = 32 * 1024;

/** Low bucket bits of a search region for a table of 2^tableBits buckets holding `entries` postings. */
function regionBits(tableBits: number, entries: number): number {
  const bytesPerBucket = 4 + (4 * entries) / 2 ** tableBits;
  return Math.max(0, Math.min(tableBits, Math.floor(Math.log2(REGION_BYTES / bytesPerBucket))));
}

/**
 * The 32 bits of a code starting at bit `from` (wrapping past bit 63). Taken right after a chunk of at most 32
 * bits, they never overlap it, so chunk distance + their distance is a lower bound of the code distance.
 */
export function filterWord(lo: number, hi: number, from: number): number {
  if (from === 0) return lo >>> 0;
  if (from === 32) return hi >>> 0;
  if (from < 32) return ((lo >>> from) | (hi << (32 - from))) >>> 0;
  return ((hi >>> (from - 32)) | (lo << (64 - from))) >>> 0;
}

/** All XOR masks of `bits` bits with at most `radius` bits set. */
function neighbourMasks(bits: number, radius: number): Uint32Array {
  const masks: number[] = [];
  const visit = (mask: number, from: number, left: number): void => {
    masks.push(mask >>> 0);
    if (left === 0) return;
    for (let bit = from; bit < bits; bit++) visit(mask | (1 << bit), bit + 1, left - 1);
  };
  if (radius >= 0) visit(0, 0, radius);
  return Uint32Array.from(masks).sort();
}

/** One compressed (CSR) posting structure per searched chunk, over the entries [from, to). */
export interface Layer {
  readonly from: number;
  readonly to: number;
  /** Bucket bits per chunk: fewer than the chunk bits for small layers (keys are folded onto buckets). */
  readonly tableBits: number[];
  /**
   * Per chunk, the low bucket bits of one search block: buckets sharing the higher bits form a region small
   * enough to stay in the CPU cache while every query of a block is tried against it (see searchChunk).
   */
  readonly blockBits: number[];
  readonly offsets: Uint32Array[];
  /**
   * Per posting, bucket by bucket, the 32 code bits that follow the chunk (see filterWord): with the bucket's
   * mask weight, a lower bound of the distance that rejects almost every posting after one 4-byte read.
   */
  readonly filters: Uint32Array[];
  /** Entry index per posting: the full code is read from the table's codes only for postings passing the filter. */
  readonly entries: Uint32Array[];
  /** Distinct folded neighbour masks per chunk, ascending (masks sharing high bits visit the same region). */
  readonly masks: Uint32Array[];
}

const EMPTY_LAYER: Layer = { from: 0, to: 0, tableBits: [], blockBits: [], offsets: [], filters: [], entries: [], masks: [] };

/**
 * Everything a search reads, as typed arrays (SharedArrayBuffer-backed when the table was made `shared`, so a
 * worker thread can search it without a copy). Valid until the table is next modified or prepared.
 */
export interface TableSnapshot {
  readonly plan: ChunkPlan;
  /** (lo, hi) code per entry. */
  readonly codes: Uint32Array;
  /** Runs of entries, one per set() call, ascending: run r starts at runStarts[r] and belongs to runOwners[r]. */
  readonly runStarts: Uint32Array;
  readonly runOwners: Uint32Array;
  readonly firstEntry: Uint32Array;
  readonly entriesOf: Uint8Array;
  readonly layers: readonly Layer[];
}

/** Typed-array allocation on an ArrayBuffer, or on a SharedArrayBuffer for tables searched by worker threads. */
export function allocUint32(length: number, shared: boolean): Uint32Array {
  return shared ? new Uint32Array(new SharedArrayBuffer(length * 4)) : new Uint32Array(length);
}

function allocUint8(length: number, shared: boolean): Uint8Array {
  return shared ? new Uint8Array(new SharedArrayBuffer(length)) : new Uint8Array(length);
}

/** Owner of an entry: the run holding it, by binary search (runs ascend and none is empty). */
function ownerIn(t: TableSnapshot, entry: number): number {
  let lo = 0;
  let hi = t.runStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (t.runStarts[mid] <= entry) lo = mid;
    else hi = mid - 1;
  }
  return t.runOwners[lo];
}

/** Whether `entry` is one of the current codes of image `owner` (false for an id the table never held). */
function isLiveIn(t: TableSnapshot, entry: number, owner: number): boolean {
  return owner < t.entriesOf.length && (entry - t.firstEntry[owner]) >>> 0 < t.entriesOf[owner];
}

/** Initial room for filter passes of one region scan (pairs); grown when a region has more. */
const INITIAL_HITS = 1 << 14;

/**
 * Searches one chunk of one layer with the neighbour masks [maskFrom, maskTo). The queries are sorted by key into
 * blocks sharing their high bucket bits, and the scan goes region by region (buckets sharing their high bits):
 * masks ascend, so the masks sharing their high bits form a group that sends exactly one query block into the
 * region, and a region is read into the cache once for every block and mask that reaches it instead of once per
 * lookup (the table is far larger than the cache). Each (query, entry) pair meets exactly one mask of a chunk, so
 * disjoint mask ranges partition the work (how the parallel search splits it) and every code pair is reported once.
 * The region scan itself (filter words of every reached posting) runs in the WebAssembly kernel on copies of the
 * sorted queries and of the region; the rare postings passing the filter get their full code checked here.
 */
export function searchChunk(
  t: TableSnapshot,
  layerIndex: number,
  c: number,
  maskFrom: number,
  maskTo: number,
  queryCodes: Uint32Array,
  queryOwners: Uint32Array,
  out: PairBuffer,
): void {
  const layer = t.layers[layerIndex];
  const { starts, bits, radius } = t.plan;
  const count = queryOwners.length;
  const masks = layer.masks[c];
  const maskEnd = Math.min(maskTo, masks?.length ?? 0);
  if (layer.to <= layer.from || count === 0 || t.plan.thresholds[c] < 0 || maskFrom >= maskEnd) return;
  const fold = (1 << layer.tableBits[c]) - 1;
  const blockShift = layer.blockBits[c];
  const blocks = (fold >>> blockShift) + 1;
  const regionBuckets = 1 << blockShift;
  const offsets = layer.offsets[c];
  const filters = layer.filters[c];
  const entries = layer.entries[c];
  // Postings every bucket scan reads (see the kernel): about 1.5 mean bucket sizes, in whole 8-word steps (measured best).
  const stretch = 8 * Math.max(1, Math.round((1.5 * offsets[offsets.length - 1]) / (fold + 1) / 8));
  let regionPostings = 0;
  for (let region = 0; region < blocks; region++) {
    regionPostings = Math.max(regionPostings, offsets[(region + 1) << blockShift] - offsets[region << blockShift]);
  }
  // masks, slack, block starts, sorted keys, filter words, query indices and codes, region offsets and postings, hits.
  const arrays = new KernelArrays([masks.length, masks.length, blocks + 1, count, count, count, 2 * count, regionBuckets + 1, regionPostings + stretch + 7, 2 * INITIAL_HITS]);
  let [kMasks, kSlack, blockStart, sortedKeys, sortedFilters, sortedQueries, sortedCodes, kOffsets, kPostings, hits] = arrays.views();
  const [masksAt, slackAt, blockStartAt, keysAt, filtersAt, , , offsetsAt, postingsAt, hitsAt] = arrays.at;
  const filterFrom = (starts[c] + bits[c]) % CODE_BITS;
  // Counting sort of the queries by folded chunk key into blocks, copied into sorted order with their filter words.
  const start = starts[c];
  const width = bits[c];
  blockStart.fill(0);
  for (let q = 0; q < count; q++) blockStart[((extractBits(queryCodes[2 * q], queryCodes[2 * q + 1], start, width) & fold) >>> blockShift) + 1]++;
  for (let k = 1; k <= blocks; k++) blockStart[k] += blockStart[k - 1];
  const cursor = blockStart.slice(0, blocks);
  for (let q = 0; q < count; q++) {
    const key = extractBits(queryCodes[2 * q], queryCodes[2 * q + 1], start, width) & fold;
    const at = cursor[key >>> blockShift]++;
    sortedKeys[at] = key;
    sortedFilters[at] = filterWord(queryCodes[2 * q], queryCodes[2 * q + 1], filterFrom);
    sortedQueries[at] = q;
    // Beside its sorted neighbours, the code of a query that hits is read from cache (queryCodes[q] would miss).
    sortedCodes[2 * at] = queryCodes[2 * q];
    sortedCodes[2 * at + 1] = queryCodes[2 * q + 1];
  }
  kMasks.set(masks);
  // The chunk distance of a posting reached through a mask is at least the mask's weight (exactly it when unfolded).
  for (let m = 0; m < masks.length; m++) kSlack[m] = radius - popcount32(masks[m]);
  // The chunk after this one opens the filter word: the kernel drops pairs it also finds (see acceptHit).
  const next = c + 1 < bits.length ? c + 1 : -1;
  const nextMask = next < 0 ? 0 : (2 ** bits[next] - 1) >>> 0;
  const nextThreshold = next < 0 ? -1 : t.plan.thresholds[next];
  const codes = t.codes;
  for (let region = 0; region < blocks; region++) {
    const first = region << blockShift;
    const from = offsets[first];
    const to = offsets[first + regionBuckets];
    if (from === to) continue;
    kOffsets.set(offsets.subarray(first, first + regionBuckets + 1));
    kPostings.set(filters.subarray(from, to));
    const scan = () => arrays.scan(region, blockShift, masksAt, slackAt, maskFrom, maskEnd, blockStartAt, keysAt, filtersAt, offsetsAt, postingsAt, nextMask, nextThreshold, stretch, hitsAt, hits.length / 2);
    let found = scan();
    if (found > hits.length / 2) {
      arrays.growLast(2 * found);
      [kMasks, kSlack, blockStart, sortedKeys, sortedFilters, sortedQueries, sortedCodes, kOffsets, kPostings, hits] = arrays.views();
      found = scan();
    }
    for (let h = 0; h < found; h++) {
      const q = hits[2 * h];
      const e = entries[hits[2 * h + 1]];
      const xLo = codes[2 * e] ^ sortedCodes[2 * q];
      const xHi = codes[2 * e + 1] ^ sortedCodes[2 * q + 1];
      if (popcount32(xLo) + popcount32(xHi) > radius) continue;
      const queryImage = queryOwners[sortedQueries[q]];
      // The query's own image (an anchor among its own probes) is the commonest pair: skipped before the owner search.
      if (isLiveIn(t, e, queryImage)) continue;
      acceptHit(t, c, xLo, xHi, e, queryImage, out);
    }
  }
}

/** Keeps a hit only in the last chunk within its chunk radius, so each code pair is reported once. */
function acceptHit(t: TableSnapshot, chunk: number, xLo: number, xHi: number, entry: number, queryImage: number, out: PairBuffer): void {
  const { starts, bits, thresholds } = t.plan;
  if (popcount32(extractBits(xLo, xHi, starts[chunk], bits[chunk])) > thresholds[chunk]) return;
  for (let c = chunk + 1; c < bits.length; c++) {
    if (thresholds[c] >= 0 && popcount32(extractBits(xLo, xHi, starts[c], bits[c])) <= thresholds[c]) return;
  }
  const owner = ownerIn(t, entry);
  if (owner === queryImage || !isLiveIn(t, entry, owner)) return;
  out.push(queryImage, owner);
}

/** Searches every chunk of every layer of a snapshot (the sequential search). */
export function searchSnapshot(t: TableSnapshot, queryCodes: Uint32Array, queryOwners: Uint32Array, out: PairBuffer): void {
  for (let l = 0; l < t.layers.length; l++) {
    for (let c = 0; c < t.plan.bits.length; c++) searchChunk(t, l, c, 0, t.layers[l].masks[c]?.length ?? 0, queryCodes, queryOwners, out);
  }
}

/**
 * The postings of one chunk of one layer to fill (fillChunk): the live entries [from, from + count) of `codes`, or
 * `live` when some are dead, sorted by their chunk bits [start, start + width) folded onto offsets.length - 1 buckets.
 */
export interface ChunkBuild {
  readonly codes: Uint32Array;
  readonly from: number;
  readonly live: Uint32Array | undefined;
  readonly count: number;
  readonly start: number;
  readonly width: number;
  readonly filterFrom: number;
  /** Zeroed on entry; bucket b's postings are [offsets[b], offsets[b + 1]) on return. */
  readonly offsets: Uint32Array;
  readonly filters: Uint32Array;
  readonly entries: Uint32Array;
}

/** Counting sort of a chunk's entries by key; keys are recomputed rather than stored (4 bytes per entry less at the peak). */
export function fillChunk(b: ChunkBuild): void {
  const { codes, from, live, count, start, width, filterFrom, offsets, filters, entries } = b;
  const fold = offsets.length - 2;
  for (let i = 0; i < count; i++) {
    const e = live === undefined ? from + i : live[i];
    offsets[(extractBits(codes[2 * e], codes[2 * e + 1], start, width) & fold) + 1]++;
  }
  for (let k = 1; k < offsets.length; k++) offsets[k] += offsets[k - 1];
  const cursor = offsets.slice(0, offsets.length - 1);
  for (let i = 0; i < count; i++) {
    const e = live === undefined ? from + i : live[i];
    const lo = codes[2 * e];
    const hi = codes[2 * e + 1];
    const at = cursor[extractBits(lo, hi, start, width) & fold]++;
    filters[at] = filterWord(lo, hi, filterFrom);
    entries[at] = e;
  }
}

/**
 * Exact Hamming-radius search over 64-bit codes, each owned by an image id (several codes per image).
 * Storage is typed arrays only. New codes go to a small tail layer rebuilt lazily before the next search;
 * removed codes are tombstoned; both are folded into the main layer when they grow past a fraction of it.
 */
export class MultiIndexHashTable {
  readonly plan: ChunkPlan;
  private codes: Uint32Array;
  /**
   * An image's codes are contiguous entries, appended by set() as one run: owners are kept per run (8 bytes an
   * image) rather than per entry (4 bytes a code), and looked up only for the rare hits.
   */
  private runStarts: Uint32Array;
  private runOwners: Uint32Array;
  private runCount = 0;
  private entryCount = 0;
  private deadCount = 0;
  private imageCount = 0;
  /** Per image id: first entry and number of current entries (0 = absent). */
  private firstEntry: Uint32Array = new Uint32Array(0);
  private entriesOf: Uint8Array = new Uint8Array(0);
  private base: Layer = EMPTY_LAYER;
  private tail: Layer = EMPTY_LAYER;
  private dirty = false;
  /** Typed arrays on SharedArrayBuffers, so worker threads can search snapshots without copies. */
  readonly shared: boolean;

  constructor(plan: ChunkPlan, initialEntries = 1024, shared = false) {
    this.plan = plan;
    this.shared = shared;
    this.codes = allocUint32(Math.max(2, initialEntries * 2), shared);
    this.runStarts = allocUint32(1024, shared);
    this.runOwners = allocUint32(1024, shared);
  }

  /** Calls fn(start, count, owner) for each live run (an image's current codes) starting in [from, to). */
  private forEachLiveRun(from: number, to: number, fn: (start: number, count: number, owner: number) => void): void {
    let lo = 0;
    let hi = this.runCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.runStarts[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    for (let r = lo; r < this.runCount && this.runStarts[r] < to; r++) {
      const owner = this.runOwners[r];
      const start = this.runStarts[r];
      if (this.entriesOf[owner] > 0 && this.firstEntry[owner] === start) fn(start, this.entriesOf[owner], owner);
    }
  }

  /**
   * The arrays a search reads (prepares first); see TableSnapshot. `skipLayersOwnedBy` (a predicate on image ids)
   * leaves out every layer whose live codes all belong to such images.
   */
  snapshot(skipLayersOwnedBy?: (imageId: number) => boolean): TableSnapshot {
    this.prepare();
    const layers = [this.base, this.tail].filter((layer) => !skipLayersOwnedBy || !this.ownedOnlyBy(layer, skipLayersOwnedBy));
    const runs = this.runCount;
    return { plan: this.plan, codes: this.codes, runStarts: this.runStarts.subarray(0, runs), runOwners: this.runOwners.subarray(0, runs), firstEntry: this.firstEntry, entriesOf: this.entriesOf, layers };
  }

  private ownedOnlyBy(layer: Layer, owned: (imageId: number) => boolean): boolean {
    let only = true;
    this.forEachLiveRun(layer.from, layer.to, (_start, _count, owner) => (only &&= owned(owner)));
    return only;
  }

  /** Number of entries in each layer (base, tail), for splitting work. */
  layerEntries(): [number, number] {
    return [this.base.to - this.base.from, this.tail.to - this.tail.from];
  }

  /**
   * Live codes and their owners, in entry order (the full-scan queries): the codes are a view of the table's own
   * array when nothing is dead (valid until the table is modified), else a copy (on shared memory if `shared`).
   */
  liveCodes(shared = false): [Uint32Array, Uint32Array] {
    this.prepare();
    const live = this.size;
    const asView = this.deadCount === 0 && (this.shared || !shared);
    const codes = asView ? this.codes.subarray(0, this.entryCount * 2) : allocUint32(live * 2, shared);
    const owners = allocUint32(live, shared);
    let n = 0;
    this.forEachLiveRun(0, this.entryCount, (start, count, owner) => {
      if (!asView) codes.set(this.codes.subarray(2 * start, 2 * (start + count)), 2 * n);
      owners.fill(owner, n, n + count);
      n += count;
    });
    return [codes, owners];
  }

  /** Number of live codes. */
  get size(): number {
    return this.entryCount - this.deadCount;
  }

  /** Number of images with codes. */
  get images(): number {
    return this.imageCount;
  }

  codeCountOf(imageId: number): number {
    return imageId < this.entriesOf.length ? this.entriesOf[imageId] : 0;
  }

  /** Copies the live codes of an image as (lo, hi) pairs into `out` at `at`; returns the number of codes. */
  copyCodesOf(imageId: number, out: Uint32Array, at: number): number {
    const n = this.codeCountOf(imageId);
    const first = this.firstEntry[imageId];
    out.set(this.codes.subarray(first * 2, (first + n) * 2), at);
    return n;
  }

  /** Replaces the codes of an image; `pairs` holds (lo, hi) halves for codes [from, from + count). */
  set(imageId: number, pairs: Uint32Array, from: number, count: number): void {
    if (!Number.isInteger(imageId) || imageId < 0 || imageId > 0xfffffffe) throw new RangeError(`image id must be a uint32, got ${imageId}`);
    if (count < 1 || count > 255) throw new RangeError(`an image needs 1..255 codes, got ${count}`);
    this.delete(imageId);
    this.ensureImageCapacity(imageId + 1);
    this.ensureEntryCapacity(this.entryCount + count);
    this.codes.set(pairs.subarray(from * 2, (from + count) * 2), this.entryCount * 2);
    this.ensureRunCapacity(this.runCount + 1);
    this.runStarts[this.runCount] = this.entryCount;
    this.runOwners[this.runCount++] = imageId;
    this.firstEntry[imageId] = this.entryCount;
    this.entriesOf[imageId] = count;
    this.entryCount += count;
    this.imageCount++;
    this.dirty = true;
  }

  delete(imageId: number): boolean {
    const n = this.codeCountOf(imageId);
    if (n === 0) return false;
    this.entriesOf[imageId] = 0;
    this.deadCount += n;
    this.imageCount--;
    this.dirty = true;
    return true;
  }

  /** Ids of images with codes, ascending. */
  imageIds(): Uint32Array {
    let n = 0;
    for (let id = 0; id < this.entriesOf.length; id++) if (this.entriesOf[id] > 0) n++;
    const ids = new Uint32Array(n);
    n = 0;
    for (let id = 0; id < this.entriesOf.length; id++) if (this.entriesOf[id] > 0) ids[n++] = id;
    return ids;
  }

  /** Brings the layers up to date; searches call it, callers may call it to control when the cost is paid. */
  prepare(): void {
    const pending = this.beginPrepare();
    if (!pending) return;
    for (const build of pending.builds) fillChunk(build);
    pending.finish();
  }

  /**
   * prepare() in two halves, so the chunks' counting sorts (the costly part) can run elsewhere, e.g. on worker
   * threads over a shared table: fill every build (fillChunk), then call finish(). Undefined when up to date.
   * Until finish() the table must not be searched or modified.
   */
  beginPrepare(): { readonly builds: readonly ChunkBuild[]; finish(): void } | undefined {
    if (!this.dirty) return undefined;
    const tailEntries = this.entryCount - this.base.to;
    const rebuild = this.deadCount * 4 > this.entryCount || tailEntries * 8 > this.base.to + 4096;
    if (rebuild) {
      this.compact();
      // Entries moved: if the builds never finish, the next prepare starts over from an empty base.
      this.base = EMPTY_LAYER;
    }
    const [layer, builds] = this.layerFor(rebuild ? 0 : this.base.to, this.entryCount);
    this.tail = EMPTY_LAYER;
    return {
      builds,
      finish: () => {
        if (rebuild) this.base = layer;
        else this.tail = layer;
        this.dirty = false;
      },
    };
  }

  /** Searches this table with every live code of `other` (the full-scan path). */
  searchWithCodesOf(other: MultiIndexHashTable, out: PairBuffer): void {
    const [codes, owners] = other.liveCodes();
    this.searchBatch(codes, owners, out);
  }

  /** Searches many codes at once (see searchChunk). */
  searchBatch(queryCodes: Uint32Array, queryOwners: Uint32Array, out: PairBuffer): void {
    searchSnapshot(this.snapshot(), queryCodes, queryOwners, out);
  }

  /** A layer over the live entries in [from, to), with the chunk builds that fill its postings. */
  private layerFor(from: number, to: number): [Layer, ChunkBuild[]] {
    const { starts, bits, thresholds } = this.plan;
    let liveCount = 0;
    this.forEachLiveRun(from, to, (_start, count) => (liveCount += count));
    // Entries are listed only when some are dead: a fresh bulk load would spend 4 bytes per entry on [from, to).
    let live: Uint32Array | undefined;
    if (liveCount < to - from) {
      const list = allocUint32(liveCount, this.shared);
      let n = 0;
      this.forEachLiveRun(from, to, (start, count) => {
        for (let k = 0; k < count; k++) list[n++] = start + k;
      });
      live = list;
    }
    // One bucket per live entry or so: bigger tables only add cache misses, smaller ones add scans.
    const wanted = Math.max(10, Math.ceil(Math.log2(liveCount + 1)) + 1);
    const layer: Layer = { from, to, tableBits: [], blockBits: [], offsets: [], filters: [], entries: [], masks: [] };
    const builds: ChunkBuild[] = [];
    for (let c = 0; c < bits.length; c++) {
      if (thresholds[c] < 0) {
        layer.tableBits.push(0);
        layer.blockBits.push(0);
        layer.offsets.push(new Uint32Array(2));
        layer.filters.push(new Uint32Array(0));
        layer.entries.push(new Uint32Array(0));
        layer.masks.push(new Uint32Array(0));
        continue;
      }
      const tableBits = Math.min(bits[c], wanted);
      const build: ChunkBuild = {
        codes: this.codes,
        from,
        live,
        count: liveCount,
        start: starts[c],
        width: bits[c],
        filterFrom: (starts[c] + bits[c]) % CODE_BITS,
        offsets: allocUint32((1 << tableBits) + 1, this.shared),
        filters: allocUint32(liveCount, this.shared),
        entries: allocUint32(liveCount, this.shared),
      };
      builds.push(build);
      layer.tableBits.push(tableBits);
      layer.blockBits.push(regionBits(tableBits, liveCount));
      layer.offsets.push(build.offsets);
      layer.filters.push(build.filters);
      layer.entries.push(build.entries);
      // Masks confined to the table's bits: flips above them land in the same (folded) bucket.
      layer.masks.push(neighbourMasks(tableBits, thresholds[c]));
    }
    return [layer, builds];
  }

  /** Drops tombstoned entries, keeping live ones in order (an image's codes are always contiguous). */
  private compact(): void {
    if (this.deadCount === 0) return;
    let write = 0;
    let runs = 0;
    // Runs only move down, and each is read before anything is written over it.
    this.forEachLiveRun(0, this.entryCount, (start, count, owner) => {
      this.codes.copyWithin(2 * write, 2 * start, 2 * (start + count));
      this.firstEntry[owner] = write;
      this.runStarts[runs] = write;
      this.runOwners[runs++] = owner;
      write += count;
    });
    this.entryCount = write;
    this.runCount = runs;
    this.deadCount = 0;
  }

  private ensureEntryCapacity(entries: number): void {
    if (entries * 2 <= this.codes.length) return;
    const capacity = Math.max(entries, Math.ceil(this.codes.length * 0.75));
    const codes = allocUint32(capacity * 2, this.shared);
    codes.set(this.codes.subarray(0, this.entryCount * 2));
    this.codes = codes;
  }

  private ensureRunCapacity(runs: number): void {
    if (runs <= this.runStarts.length) return;
    const capacity = Math.max(runs, Math.ceil(this.runStarts.length * 1.5));
    const starts = allocUint32(capacity, this.shared);
    starts.set(this.runStarts.subarray(0, this.runCount));
    const owners = allocUint32(capacity, this.shared);
    owners.set(this.runOwners.subarray(0, this.runCount));
    this.runStarts = starts;
    this.runOwners = owners;
  }

  private ensureImageCapacity(ids: number): void {
    if (ids <= this.entriesOf.length) return;
    const capacity = Math.max(ids, Math.ceil(this.entriesOf.length * 1.5), 1024);
    const first = allocUint32(capacity, this.shared);
    first.set(this.firstEntry);
    const counts = allocUint8(capacity, this.shared);
    counts.set(this.entriesOf);
    this.firstEntry = first;
    this.entriesOf = counts;
  }
}
