import { CandidateIndex } from './candidate-index';
import { hamming64, popcount32 } from './hamming';
import { chooseChunkPlan, filterWord } from './multi-index-hash-table';
import { PairList } from './pair-list';
import { clusteredImages, Image } from './__fixtures__/synthetic-images';
import { seededRandom, shuffled } from './__fixtures__/seeded-random';

function minDistance(probes: Uint32Array, anchors: Uint32Array): number {
  let best = 64;
  for (let p = 0; p < probes.length; p += 2) {
    for (let a = 0; a < anchors.length; a += 2) best = Math.min(best, hamming64(probes[p], probes[p + 1], anchors[a], anchors[a + 1]));
  }
  return best;
}

/** Brute force: the descriptor distance of every pair, computed once per image set and filtered per radius. */
const distanceCache = new WeakMap<readonly Image[], { x: number; y: number; distance: number }[]>();
function bruteForcePairs(images: readonly Image[], radius: number, onlyIds?: Set<number>): string[] {
  let all = distanceCache.get(images);
  if (!all) {
    all = [];
    for (let i = 0; i < images.length; i++) {
      for (let j = i + 1; j < images.length; j++) {
        const [x, y] = images[i].id < images[j].id ? [images[i], images[j]] : [images[j], images[i]];
        all.push({ x: x.id, y: y.id, distance: Math.min(minDistance(x.probes, y.anchors), minDistance(y.probes, x.anchors)) });
      }
    }
    distanceCache.set(images, all);
  }
  return all
    .filter(({ x, y, distance }) => distance <= radius && (!onlyIds || onlyIds.has(x) || onlyIds.has(y)))
    .map(({ x, y }) => `${x}-${y}`)
    .sort();
}

function asStrings(pairs: PairList): string[] {
  return Array.from({ length: pairs.length }, (_, i) => `${pairs.a[i]}-${pairs.b[i]}`).sort();
}

function indexOf(images: readonly Image[], radius: number): CandidateIndex {
  const index = new CandidateIndex({ radius, expectedImages: images.length });
  for (const image of images) index.add(image.id, image.anchors, image.probes);
  return index;
}

describe('popcount32', () => {
  it('matches a bit-by-bit count', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 2000; i++) {
      const x = (random() * 2 ** 32) >>> 0;
      let naive = 0;
      for (let bit = 0; bit < 32; bit++) naive += (x >>> bit) & 1;
      expect(popcount32(x)).toBe(naive);
    }
    expect(popcount32(0xffffffff)).toBe(32);
  });
});

describe('filterWord', () => {
  it('takes the 32 bits from any position, wrapping past bit 63', () => {
    const random = seededRandom(5);
    for (let i = 0; i < 200; i++) {
      const lo = (random() * 2 ** 32) >>> 0;
      const hi = (random() * 2 ** 32) >>> 0;
      const code = (BigInt(hi) << 32n) | BigInt(lo);
      for (let from = 0; from < 64; from++) {
        const rotated = ((code >> BigInt(from)) | (code << BigInt(64 - from))) & 0xffffffffn;
        expect(filterWord(lo, hi, from)).toBe(Number(rotated));
      }
    }
  });
});

describe('chooseChunkPlan', () => {
  it.each([0, 1, 2, 5, 8, 10, 12, 16])('covers radius %i by the pigeonhole bound at every table size', (radius) => {
    for (const entries of [100, 40_000, 4_000_000, 16_000_000]) {
      const plan = chooseChunkPlan(radius, entries);
      expect(plan.bits.reduce((s, b) => s + b, 0)).toBe(64);
      expect(plan.thresholds.reduce((s, t) => s + t + 1, 0)).toBeGreaterThan(radius);
      expect(Math.max(...plan.bits)).toBeLessThanOrEqual(22);
    }
  });
});

describe('CandidateIndex', () => {
  const images = clusteredImages(500, 42);

  it.each([0, 3, 6, 8, 10, 13])('finds exactly the brute-force candidate set at radius %i', (radius) => {
    const expected = bruteForcePairs(images, radius);
    expect(expected.length).toBeGreaterThan(radius >= 6 ? 200 : 0);
    expect(asStrings(indexOf(images, radius).allCandidatePairs())).toEqual(expected);
  });

  it('finds exactly the candidates of newly added images, against the main and tail layers', () => {
    const radius = 8;
    const index = indexOf(images.slice(0, 420), radius);
    index.allCandidatePairs(); // builds the main layer over the first 420
    const added = images.slice(420);
    for (const image of added) index.add(image.id, image.anchors, image.probes);
    const addedIds = new Set(added.map((image) => image.id));
    expect(asStrings(index.candidatePairsFor([...addedIds]))).toEqual(bruteForcePairs(images, radius, addedIds));
    expect(asStrings(index.allCandidatePairs())).toEqual(bruteForcePairs(images, radius));
  });

  it('queries the tail layer when it also holds images other than the queried ones', () => {
    const radius = 8;
    const index = indexOf(images.slice(0, 400), radius);
    index.allCandidatePairs();
    const added = images.slice(400);
    for (const image of added) index.add(image.id, image.anchors, image.probes);
    // Only half of the tail is queried: its pairs with the other half are found through the tail's anchors.
    const queried = new Set(added.filter((_, i) => i % 2 === 0).map((image) => image.id));
    const pairs = asStrings(index.candidatePairsFor([...queried]));
    expect(pairs).toEqual(bruteForcePairs(images, radius, queried));
    const tailPairs = pairs.filter((pair) => pair.split('-').every((id) => added.some((image) => image.id === Number(id))));
    expect(tailPairs.length).toBeGreaterThan(0);
  });

  it('does not depend on arrival order', () => {
    const shuffledImages = shuffled(images, seededRandom(7));
    expect(asStrings(indexOf(shuffledImages, 8).allCandidatePairs())).toEqual(asStrings(indexOf(images, 8).allCandidatePairs()));
  });

  it('forgets removed images and replaces the codes of changed ones', () => {
    const radius = 8;
    const index = indexOf(images, radius);
    index.allCandidatePairs();
    const random = seededRandom(3);
    const removed = images.filter(() => random() < 0.35);
    for (const image of removed) expect(index.remove(image.id)).toBe(true);
    expect(index.remove(removed[0].id)).toBe(false);
    const remaining = images.filter((image) => !removed.includes(image));
    expect(index.size).toBe(remaining.length);
    expect(asStrings(index.allCandidatePairs())).toEqual(bruteForcePairs(remaining, radius));

    // Changed files: same ids, codes of other images.
    const replacements = clusteredImages(40, 99).map((image, i) => ({ ...image, id: remaining[i].id }));
    for (const image of replacements) index.add(image.id, image.anchors, image.probes);
    const current = remaining.map((image) => replacements.find((r) => r.id === image.id) ?? image);
    expect(asStrings(index.allCandidatePairs())).toEqual(bruteForcePairs(current, radius));
    const changedIds = new Set(replacements.map((image) => image.id));
    expect(asStrings(index.candidatePairsFor([...changedIds]))).toEqual(bruteForcePairs(current, radius, changedIds));
  });

  it('round-trips through serialize and deserialize, and builds from a batch', () => {
    const index = indexOf(images, 8);
    index.remove(images[5].id);
    const restored = CandidateIndex.deserialize(index.serialize());
    expect(restored.radius).toBe(8);
    expect(Array.from(restored.ids())).toEqual(Array.from(index.ids()));
    expect(asStrings(restored.allCandidatePairs())).toEqual(asStrings(index.allCandidatePairs()));
    expect(index.serialize().byteLength).toBeLessThan(images.length * (4 + 2 + 8 * 9) + 64);

    const batch = {
      ids: images.map((image) => image.id),
      anchors: Uint32Array.from(images.flatMap((image) => Array.from(image.anchors))),
      anchorCounts: images.map((image) => image.anchors.length / 2),
      probes: Uint32Array.from(images.flatMap((image) => Array.from(image.probes))),
      probeCounts: images.map((image) => image.probes.length / 2),
    };
    expect(asStrings(CandidateIndex.build({ radius: 8 }, batch).allCandidatePairs())).toEqual(bruteForcePairs(images, 8));
  });

  it('finds every pair when one region of the table holds far more passes than the kernel first has room for', () => {
    const index = new CandidateIndex({ radius: 8 });
    // 400 images with one and the same code: 160,000 code pairs in one bucket (the kernel starts with room for 16,384).
    const code = new Uint32Array([0x0f0f_1234, 0x89ab_f0f0]);
    for (let id = 0; id < 400; id++) index.add(id, code, code);
    expect(index.allCandidatePairs().length).toBe((400 * 399) / 2);
  });

  it('accepts BigUint64Array codes', () => {
    const index = new CandidateIndex({ radius: 2 });
    index.add(1, new BigUint64Array([0xffff_0000_0000_0001n]), new BigUint64Array([0xffff_0000_0000_0001n]));
    index.add(2, new BigUint64Array([0x0000_0000_0000_0000n]), new BigUint64Array([0xffff_0000_0000_0003n]));
    index.add(3, new BigUint64Array([0x7fff_0000_0000_0001n]), new BigUint64Array([0x7fff_0000_0000_0001n]));
    // 2's probe is 1 bit from 1's anchor and 2 bits from 3's anchor; 1 and 3 differ by 1 bit.
    expect(asStrings(index.allCandidatePairs())).toEqual(['1-2', '1-3', '2-3']);
  });
});
