// Synthetic 64-bit descriptors with planted near-duplicate groups, calibrated from DEV pair-distance histograms.

/** mulberry32: fast, seedable, good enough for synthetic data. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function popcount32(x) {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Sampler of a distance from a histogram (counts per distance 0..64). */
export function histogramSampler(histogram, random) {
  const total = histogram.reduce((s, c) => s + c, 0);
  const cdf = [];
  let run = 0;
  for (const count of histogram) cdf.push((run += count) / total);
  return () => {
    const u = random();
    let d = 0;
    while (d < cdf.length - 1 && cdf[d] < u) d++;
    return d;
  };
}

/** XORs `bits` distinct random bit positions into codes[at], codes[at + 1]. */
function flipBits(codes, at, bits, random) {
  let lo = 0;
  let hi = 0;
  let set = 0;
  while (set < bits) {
    const bit = Math.floor(random() * 64);
    if (bit < 32) {
      if (lo & (1 << bit)) continue;
      lo |= 1 << bit;
    } else {
      if (hi & (1 << (bit - 32))) continue;
      hi |= 1 << (bit - 32);
    }
    set++;
  }
  codes[at] ^= lo;
  codes[at + 1] ^= hi;
}

/**
 * Per image: a base code; anchors and probes are derived from it (probe 0 = anchor 0 = base; the others are
 * the base with `probeSpread` bits flipped, like crops of the frame). Background bases are drawn from
 * `themes` centres with per-bit flip probability `themeNoise` (0.5 = uniform random), which reproduces the
 * left tail of false-pair distances that real hashes show. Planted groups are stars: each member's base is
 * the first member's base with a distance drawn from the true-pair histogram.
 */
export function generateDataset({ images, anchors, probes, groupFraction, maxGroupSize, trueHistogram, themes, themeNoise, probeSpread, seed }) {
  const random = seededRandom(seed);
  const sampleTrue = groupFraction > 0 ? histogramSampler(trueHistogram, random) : () => 0;
  const base = new Uint32Array(images * 2);
  const centres = new Uint32Array(themes * 2).map(() => (random() * 2 ** 32) >>> 0);
  for (let i = 0; i < images; i++) {
    const t = Math.floor(random() * themes);
    let lo = centres[2 * t];
    let hi = centres[2 * t + 1];
    for (let bit = 0; bit < 32; bit++) {
      if (random() < themeNoise) lo ^= 1 << bit;
      if (random() < themeNoise) hi ^= 1 << bit;
    }
    base[2 * i] = lo >>> 0;
    base[2 * i + 1] = hi >>> 0;
  }

  // Planted groups over a random permutation, so groups straddle the full/incremental split.
  const group = new Int32Array(images).fill(-1);
  const order = new Uint32Array(images).map((_, i) => i);
  for (let i = images - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const grouped = Math.floor(images * groupFraction);
  let groups = 0;
  for (let at = 0; at < grouped; ) {
    const size = Math.min(grouped - at, 2 + Math.floor(random() * (maxGroupSize - 1)));
    if (size < 2) break;
    const first = order[at];
    group[first] = groups;
    for (let k = 1; k < size; k++) {
      const member = order[at + k];
      group[member] = groups;
      base[2 * member] = base[2 * first];
      base[2 * member + 1] = base[2 * first + 1];
      flipBits(base, 2 * member, sampleTrue(), random);
    }
    groups++;
    at += size;
  }

  const anchorCodes = new Uint32Array(images * anchors * 2);
  const probeCodes = new Uint32Array(images * probes * 2);
  for (let i = 0; i < images; i++) {
    for (let k = 0; k < probes; k++) {
      const at = 2 * (i * probes + k);
      probeCodes[at] = base[2 * i];
      probeCodes[at + 1] = base[2 * i + 1];
      if (k > 0) flipBits(probeCodes, at, probeSpread[0] + Math.floor(random() * (probeSpread[1] - probeSpread[0] + 1)), random);
    }
    anchorCodes.set(probeCodes.subarray(2 * i * probes, 2 * (i * probes + anchors)), 2 * i * anchors);
  }
  return { anchorCodes, probeCodes, group, groups };
}

/** Descriptor distance of a pair: min over probe(x)–anchor(y) and probe(y)–anchor(x). */
export function pairDistance(data, anchors, probes, x, y) {
  let best = 64;
  const { anchorCodes: A, probeCodes: P } = data;
  for (const [p, a] of [[x, y], [y, x]]) {
    for (let i = 0; i < probes; i++) {
      const pi = 2 * (p * probes + i);
      for (let j = 0; j < anchors; j++) {
        const aj = 2 * (a * anchors + j);
        const d = popcount32((P[pi] ^ A[aj]) >>> 0) + popcount32((P[pi + 1] ^ A[aj + 1]) >>> 0);
        if (d < best) best = d;
      }
    }
  }
  return best;
}

/** Histogram of false-pair distances (distinct, ungrouped images) on a small synthetic sample. */
export function syntheticFalseHistogram(params, sampleImages = 400) {
  const data = generateDataset({ ...params, images: sampleImages, groupFraction: 0 });
  const histogram = new Array(65).fill(0);
  for (let x = 0; x < sampleImages; x++) for (let y = x + 1; y < sampleImages; y++) histogram[pairDistance(data, params.anchors, params.probes, x, y)]++;
  return histogram;
}

export function cumulative(histogram) {
  const total = histogram.reduce((s, c) => s + c, 0);
  let run = 0;
  return histogram.map((c) => (run += c) / total);
}

/**
 * Fits the background (themes, themeNoise) so synthetic false pairs have DEV's false-pair distance CDF:
 * the bulk (mean CDF gap) and the left tail near the radius, which drives false candidates and scan cost.
 */
export function fitBackground(falseHistogram, params) {
  const target = cumulative(falseHistogram);
  let best;
  for (const themes of [1, 4, 16, 64]) {
    for (const themeNoise of themes === 1 ? [0.5] : [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45]) {
      const fitted = cumulative(syntheticFalseHistogram({ ...params, themes, themeNoise }, 250));
      let gap = 0;
      for (let d = 0; d <= 40; d++) gap += Math.abs(fitted[d] - target[d]);
      for (let d = params.radius; d <= params.radius + 6; d++) gap += 20 * Math.abs(fitted[d] - target[d]);
      if (!best || gap < best.gap) best = { themes, themeNoise, gap };
    }
  }
  return best;
}
