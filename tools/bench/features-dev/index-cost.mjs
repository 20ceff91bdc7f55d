#!/usr/bin/env node
// Relative cost of descriptor layouts in libs/clustering's CandidateIndex: N images of random 64-bit codes
// (anchors, probes), full candidate sweep timed per layout. Random codes are the optimistic case (real codes
// cluster), so read the ratios, not the absolute times.
// Usage: npx tsc -b libs/clustering/tsconfig.lib.json && node tools/bench/features-dev/index-cost.mjs [N] [nA,nP,R ...]
import { randomFillSync } from 'node:crypto';
import { CandidateIndex } from '../../../libs/clustering/dist/index.js';

const N = Number(process.argv[2] ?? 100000);
const layouts = (process.argv.length > 3 ? process.argv.slice(3) : ['1,4,8', '2,8,10', '10,10,8', '10,14,8', '10,10,6']).map((s) => s.split(',').map(Number));
for (const [nA, nP, R] of layouts) {
  const anchors = randomFillSync(new Uint32Array(N * nA * 2));
  const probes = randomFillSync(new Uint32Array(N * (nA + nP) * 2));
  // Probes include the anchors, as in libs/features' descriptors.
  for (let i = 0; i < N; i++) probes.set(anchors.subarray(i * nA * 2, (i + 1) * nA * 2), i * (nA + nP) * 2);
  const ids = Uint32Array.from({ length: N }, (_, i) => i);
  const t0 = performance.now();
  const index = CandidateIndex.build(
    { radius: R, expectedImages: N, expectedProbesPerImage: nA + nP },
    { ids, anchors, anchorCounts: new Uint8Array(N).fill(nA), probes, probeCounts: new Uint8Array(N).fill(nA + nP) },
  );
  index.prepare();
  const t1 = performance.now();
  const pairs = index.allCandidatePairs();
  const t2 = performance.now();
  console.log(`${nA} anchors + ${nP} probes (${nA + nP} codes), R=${R}: build ${((t1 - t0) / 1000).toFixed(2)} s, sweep ${((t2 - t1) / 1000).toFixed(2)} s for ${N} images  [${index.describe()}]`);
}
