import { seededRandom } from './seeded-random';

export interface Image {
  id: number;
  /** Index of the shared centre the codes were drawn around: the planted group. */
  centre: number;
  anchors: Uint32Array;
  probes: Uint32Array;
}

/** Images whose codes are noisy copies of a few shared centres, so every radius has both hits and misses. */
export function clusteredImages(count: number, seed: number, firstId = 0): Image[] {
  const random = seededRandom(seed);
  const word = () => (random() * 2 ** 32) >>> 0;
  const centres = Array.from({ length: Math.max(1, count >> 3) }, () => [word(), word()]);
  const flip = (lo: number, hi: number, bits: number): [number, number] => {
    for (let k = 0; k < bits; k++) {
      const bit = Math.floor(random() * 64);
      if (bit < 32) lo = (lo ^ (1 << bit)) >>> 0;
      else hi = (hi ^ (1 << (bit - 32))) >>> 0;
    }
    return [lo, hi];
  };
  return Array.from({ length: count }, (_, i) => {
    const centre = Math.floor(random() * centres.length);
    const [cLo, cHi] = centres[centre];
    const anchorCount = 1 + Math.floor(random() * 2);
    const probeCount = anchorCount + Math.floor(random() * 6);
    const codes = Array.from({ length: probeCount }, () => flip(cLo, cHi, Math.floor(random() * 14)));
    return {
      id: firstId + i * 3 + 1,
      centre,
      anchors: Uint32Array.from(codes.slice(0, anchorCount).flat()),
      probes: Uint32Array.from(codes.flat()),
    };
  });
}

