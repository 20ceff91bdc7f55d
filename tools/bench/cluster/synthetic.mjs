// Synthetic descriptors with planted near-duplicate groups, calibrated from DEV (calibration.json).
//
// Model, kept as close to the real descriptor as the DEV data allows:
//  - every code has exactly 32 of 64 bits set, like the features lib's median-thresholded DCT codes;
//  - an image's codes keep the window-to-window distances of a real DEV image (its "template"): the template's bits
//    are relabelled by a random permutation that maps its full-frame code onto the image's base code, so all
//    distances inside the image are the real ones while no DEV hash is reused;
//  - base codes come from `themes` weight-32 centres moved by `themeSwaps` random 1↔0 swaps (themes = 0: uniformly
//    random weight-32 codes), the near-background structure of a photo library; (themes, themeSwaps) is fitted to
//    the DEV false-pair distance distribution (fitBackground);
//  - planted groups are stars: each member is its leader with every window code moved by the same distance d (its
//    own random 1↔0 swaps per window), d drawn from the DEV true-pair histogram; the pair's descriptor distance is
//    ≤ d (another window pair can be closer), printed beside DEV's (syntheticTrueHistogram).

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

const bitOf = (lo, hi, b) => (b < 32 ? (lo >>> b) & 1 : (hi >>> (b - 32)) & 1);

/**
 * The calibration's DEV code sets as (lo, hi) uint32 pairs, `probes` codes per template (the first `anchors` of
 * them are the anchors, as in the features lib's descriptor, whose probes start with its anchors).
 */
export function parseTemplates(calibration, anchors, probes) {
  const templates = calibration.templates;
  if (!templates?.length) throw new Error('calibration.json has no templates: rerun tools/bench/cluster/calibrate.mjs');
  const available = templates[0].codes.length / 16;
  if (anchors > templates[0].anchors || probes > available || anchors > probes || anchors < 1) {
    throw new Error(`layout ${anchors}A/${probes}P is not a prefix of the DEV descriptor (${templates[0].anchors} anchors, ${available} probes)`);
  }
  const codes = new Uint32Array(templates.length * probes * 2);
  templates.forEach((t, i) => {
    for (let k = 0; k < probes; k++) {
      const hex = t.codes.slice(16 * k, 16 * k + 16);
      codes[2 * (i * probes + k)] = Number.parseInt(hex.slice(8), 16) >>> 0;
      codes[2 * (i * probes + k) + 1] = Number.parseInt(hex.slice(0, 8), 16) >>> 0;
    }
  });
  return { count: templates.length, probes, codes };
}

/** Fisher–Yates shuffle of the first `take` places (all by default). */
function shuffle(list, random, take = list.length) {
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (list.length - i));
    const x = list[i];
    list[i] = list[j];
    list[j] = x;
  }
  return list;
}

/** Positions of the set and clear bits of a 64-bit code. */
function splitBits(lo, hi, ones, zeros) {
  let o = 0;
  let z = 0;
  for (let b = 0; b < 64; b++) {
    if (bitOf(lo, hi, b)) ones[o++] = b;
    else zeros[z++] = b;
  }
  return o;
}

/** Writes code `perm`(lo, hi) (bit b moves to perm[b]) into out[at], out[at + 1]. */
function permute(lo, hi, perm, out, at) {
  let rLo = 0;
  let rHi = 0;
  for (let half = 0; half < 2; half++) {
    let x = half ? hi : lo;
    while (x !== 0) {
      const low = x & -x;
      const to = perm[31 - Math.clz32(low) + 32 * half];
      if (to < 32) rLo |= 1 << to;
      else rHi |= 1 << (to - 32);
      x ^= low;
    }
  }
  out[at] = rLo >>> 0;
  out[at + 1] = rHi >>> 0;
}

export function generateDataset({ images, anchors, probes, groupFraction, maxGroupSize, trueHistogram, templates, themes, themeSwaps, seed }) {
  const random = seededRandom(seed);
  const sampleTrue = groupFraction > 0 ? histogramSampler(trueHistogram, random) : () => 0;
  const positions = Uint8Array.from({ length: 64 }, (_, i) => i);
  const randomWeight32 = (out, at) => {
    shuffle(positions, random, 32);
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < 32; k++) {
      if (positions[k] < 32) lo |= 1 << positions[k];
      else hi |= 1 << (positions[k] - 32);
    }
    out[at] = lo >>> 0;
    out[at + 1] = hi >>> 0;
  };
  const centres = new Uint32Array(Math.max(1, themes) * 2);
  for (let t = 0; t < themes; t++) randomWeight32(centres, 2 * t);

  const probeCodes = new Uint32Array(images * probes * 2);
  const base = new Uint32Array(2);
  const tOnes = new Uint8Array(32);
  const tZeros = new Uint8Array(32);
  const bOnes = new Uint8Array(32);
  const bZeros = new Uint8Array(32);
  const perm = new Uint8Array(64);
  for (let i = 0; i < images; i++) {
    if (themes > 0) {
      const t = Math.floor(random() * themes);
      splitBits(centres[2 * t], centres[2 * t + 1], bOnes, bZeros);
      shuffle(bOnes, random, themeSwaps);
      shuffle(bZeros, random, themeSwaps);
      let lo = centres[2 * t];
      let hi = centres[2 * t + 1];
      for (let k = 0; k < themeSwaps; k++) {
        for (const b of [bOnes[k], bZeros[k]]) {
          if (b < 32) lo ^= 1 << b;
          else hi ^= 1 << (b - 32);
        }
      }
      base[0] = lo >>> 0;
      base[1] = hi >>> 0;
    } else {
      randomWeight32(base, 0);
    }
    // A random relabelling of bit positions taking the template's full frame onto the base code.
    const tpl = Math.floor(random() * templates.count) * probes * 2;
    splitBits(templates.codes[tpl], templates.codes[tpl + 1], tOnes, tZeros);
    splitBits(base[0], base[1], bOnes, bZeros);
    shuffle(bOnes, random);
    shuffle(bZeros, random);
    for (let k = 0; k < 32; k++) {
      perm[tOnes[k]] = bOnes[k];
      perm[tZeros[k]] = bZeros[k];
    }
    for (let k = 0; k < probes; k++) permute(templates.codes[tpl + 2 * k], templates.codes[tpl + 2 * k + 1], perm, probeCodes, 2 * (i * probes + k));
  }

  // Planted groups over a random permutation, so groups straddle the full/incremental split.
  const group = new Int32Array(images).fill(-1);
  const order = new Uint32Array(images).map((_, i) => i);
  shuffle(order, random);
  const grouped = Math.floor(images * groupFraction);
  let groups = 0;
  const leader = [];
  for (let at = 0; at < grouped; ) {
    const size = Math.min(grouped - at, 2 + Math.floor(random() * (maxGroupSize - 1)));
    if (size < 2) break;
    const first = order[at];
    group[first] = groups;
    leader.push(first);
    for (let k = 1; k < size; k++) {
      const member = order[at + k];
      group[member] = groups;
      // The member's window codes each move by 2·swaps (independent 1↔0 swaps per window, as each window of a
      // re-encoded or slightly cropped copy changes on its own); the pair's distance is then at most that.
      const swaps = Math.min(32, Math.floor(sampleTrue() / 2));
      for (let c = 0; c < probes; c++) {
        const from = 2 * (first * probes + c);
        let lo = probeCodes[from];
        let hi = probeCodes[from + 1];
        if (swaps > 0) {
          splitBits(lo, hi, bOnes, bZeros);
          shuffle(bOnes, random, swaps);
          shuffle(bZeros, random, swaps);
          for (let s = 0; s < swaps; s++) {
            for (const b of [bOnes[s], bZeros[s]]) {
              if (b < 32) lo ^= 1 << b;
              else hi ^= 1 << (b - 32);
            }
          }
        }
        probeCodes[2 * (member * probes + c)] = lo >>> 0;
        probeCodes[2 * (member * probes + c) + 1] = hi >>> 0;
      }
    }
    groups++;
    at += size;
  }

  const anchorCodes = new Uint32Array(images * anchors * 2);
  for (let i = 0; i < images; i++) anchorCodes.set(probeCodes.subarray(2 * i * probes, 2 * (i * probes + anchors)), 2 * i * anchors);
  return { anchorCodes, probeCodes, group, groups, leader };
}

/** Descriptor distance of a pair: min over probe(x)–anchor(y) and probe(y)–anchor(x). */
export function pairDistance(data, anchors, probes, x, y) {
  let best = 64;
  const { anchorCodes: A, probeCodes: P } = data;
  for (const [p, a] of [
    [x, y],
    [y, x],
  ]) {
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

/** Histogram of planted leader–member distances on a small synthetic sample (every image in a group). */
export function syntheticTrueHistogram(params, sampleImages = 4000) {
  const data = generateDataset({ ...params, images: sampleImages, groupFraction: 1 });
  const histogram = new Array(65).fill(0);
  for (let i = 0; i < sampleImages; i++) {
    const g = data.group[i];
    if (g >= 0 && data.leader[g] !== i) histogram[pairDistance(data, params.anchors, params.probes, data.leader[g], i)]++;
  }
  return histogram;
}

export function cumulative(histogram) {
  const total = histogram.reduce((s, c) => s + c, 0);
  let run = 0;
  return histogram.map((c) => (run += c) / total);
}

/**
 * Fits (themes, themeSwaps) so synthetic false pairs have DEV's false-pair distance distribution: the bulk
 * (CDF gap over all distances) and, on a log scale, the left tail where DEV still has pairs, which is what
 * extrapolates to false candidates within the radius and to the search's chunk collisions. The fit uses the
 * full DEV layout (all template codes): the bench's own layout may be a cheaper prefix of it.
 */
export function fitBackground(falseHistogram, params, sampleImages = 400) {
  const target = cumulative(falseHistogram);
  const total = falseHistogram.reduce((s, c) => s + c, 0);
  const tailEnd = target.findIndex((p) => p >= 0.05);
  const floor = 1 / total;
  let best;
  const candidates = [{ themes: 0, themeSwaps: 0 }];
  for (const themes of [16, 64, 256, 1024]) for (const themeSwaps of [2, 3, 4, 5, 6, 8, 10]) candidates.push({ themes, themeSwaps });
  for (const c of candidates) {
    const histogram = syntheticFalseHistogram({ ...params, ...c }, sampleImages);
    const fitted = cumulative(histogram);
    let gap = 0;
    for (let d = 0; d <= 64; d++) gap += Math.abs(fitted[d] - target[d]);
    for (let d = 0; d <= tailEnd; d++) if (target[d] > 0 || fitted[d] > 0) gap += Math.abs(Math.log((fitted[d] + floor) / (target[d] + floor)));
    if (!best || gap < best.gap) best = { ...c, gap, histogram };
  }
  return best;
}
