// The hot loop of a multi-index hashing search (searchChunk in ../src/multi-index-hash-table.ts), in WebAssembly for
// native popcount and SIMD: the filter-word test of every posting a region scan reaches. Built by `nx build clustering`.

const ONES = i16x8.splat(1);

/** First free byte after the module's own data: the caller lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * Scans one search region: for every group of masks in [maskFrom, maskTo) that shares its high bits, every query of
 * the block those bits send into the region, every mask of the group and every posting of the bucket it reaches.
 * A posting passes when popcount(its filter word ^ the query's) ≤ the mask's slack, unless the code pair is also within
 * the next chunk's radius (the next chunk opens the filter word, in its low `nextMask` bits; nextThreshold -1 = no
 * next chunk): a code pair is reported by the last chunk within its radius only. Writes (sorted query index,
 * posting index) for each pass into `hits` while fewer than `capacity` are written, and returns the number of passes
 * (more than `capacity`: grow the buffer and scan the region again).
 *
 * u32 arrays: masks/slack per mask; blockStart per query block (+1); keys/filters per sorted query; offsets of the
 * region's buckets (absolute posting indices, 2^blockShift + 1 words); postings = the filter words of the region's
 * postings from offsets[0] on, readable stretch + 7 words past their end (at least `stretch` are read per bucket,
 * 8 at a time; `stretch` is a multiple of 8).
 */
export function scanRegion(
  region: u32,
  blockShift: u32,
  masks: usize,
  slack: usize,
  maskFrom: u32,
  maskTo: u32,
  blockStart: usize,
  keys: usize,
  filters: usize,
  offsets: usize,
  postings: usize,
  nextMask: u32,
  nextThreshold: i32,
  stretch: u32,
  hits: usize,
  capacity: u32,
): u32 {
  const low: u32 = (1 << blockShift) - 1;
  const base = load<u32>(offsets);
  let found: u32 = 0;
  let g = maskFrom;
  while (g < maskTo) {
    const high = load<u32>(masks + (<usize>g << 2)) >>> blockShift;
    let gEnd = g + 1;
    while (gEnd < maskTo && load<u32>(masks + (<usize>gEnd << 2)) >>> blockShift == high) gEnd++;
    const block = region ^ high;
    const qTo = load<u32>(blockStart + ((<usize>block + 1) << 2));
    for (let q = load<u32>(blockStart + (<usize>block << 2)); q < qTo; q++) {
      const key = load<u32>(keys + (<usize>q << 2)) & low;
      const word = load<u32>(filters + (<usize>q << 2));
      const filter = i32x4.splat(word);
      for (let m = g; m < gEnd; m++) {
        const bucket = (key ^ load<u32>(masks + (<usize>m << 2))) & low;
        const from = load<u32>(offsets + (<usize>bucket << 2)) - base;
        const to = load<u32>(offsets + ((<usize>bucket + 1) << 2)) - base;
        // Lanes with distance ≤ slack are those below slack + 1.
        const limit = i32x4.splat(load<u32>(slack + (<usize>m << 2)) + 1);
        // At least a fixed stretch (about a bucket's size) is read, so the loop's exit is predictable: postings past
        // the bucket's end (the next bucket's words, or padding) are dropped among the rare passes instead.
        const stop = max(to, from + stretch);
        for (let p = from; p < stop; p += 8) {
          const at = postings + (<usize>p << 2);
          const low4 = i8x16.popcnt(v128.xor(v128.load(at), filter));
          const high4 = i8x16.popcnt(v128.xor(v128.load(at, 16), filter));
          const d0 = i32x4.dot_i16x8_s(i16x8.extadd_pairwise_i8x16_u(low4), ONES);
          const d1 = i32x4.dot_i16x8_s(i16x8.extadd_pairwise_i8x16_u(high4), ONES);
          let pass = i32x4.bitmask(i32x4.lt_s(d0, limit)) | (i32x4.bitmask(i32x4.lt_s(d1, limit)) << 4);
          while (pass != 0) {
            const posting = p + ctz(pass);
            pass &= pass - 1;
            if (posting >= to || <i32>popcnt((load<u32>(postings + (<usize>posting << 2)) ^ word) & nextMask) <= nextThreshold) continue;
            if (found < capacity) {
              const at = hits + (<usize>found << 3);
              store<u32>(at, q);
              store<u32>(at, base + posting, 4);
            }
            found++;
          }
        }
      }
    }
    g = gEnd;
  }
  return found;
}
