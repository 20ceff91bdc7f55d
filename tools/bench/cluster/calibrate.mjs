#!/usr/bin/env node
// Measures the descriptor distances of true and false DEV pairs with the built features lib and writes
// calibration.json for run.mjs: histograms over 0..64 of true and false pairs, and every DEV image's codes as a
// template of real window-to-window structure (synthetic.mjs relabels their bits, so no DEV hash itself is reused).
// Needs libs/features/dist (npx tsc -b libs/features/tsconfig.lib.json), or --features <built index.js>.
// Usage: node tools/bench/cluster/calibrate.mjs [--dev /work/shared/bench/dev] [--out tools/bench/cluster/calibration.json] [--features path]
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    dev: { type: 'string', default: '/work/shared/bench/dev' },
    out: { type: 'string', default: fileURLToPath(new URL('./calibration.json', import.meta.url)) },
    features: { type: 'string', default: fileURLToPath(new URL('../../../libs/features/dist/index.js', import.meta.url)) },
  },
});

const featuresPath = pathToFileURL(resolve(args.features));
let features;
try {
  features = (await import(featuresPath)).default;
} catch (error) {
  console.error(`libs/features is not built (${error.message}); build it first: npx tsc -b libs/features/tsconfig.lib.json`);
  process.exit(2);
}
const { extractFeatures, descriptorCodes, CANDIDATE_RADIUS } = features;
if (typeof extractFeatures !== 'function' || typeof descriptorCodes !== 'function' || typeof CANDIDATE_RADIUS !== 'number') {
  console.error('libs/features must export extractFeatures(), descriptorCodes() and CANDIDATE_RADIUS');
  process.exit(2);
}

const truth = JSON.parse(readFileSync(join(args.dev, 'truth.json'), 'utf8'));
const hardFiles = new Set(truth.hard.flat());
const familyOf = new Map();
truth.clusters.forEach((files, k) => files.forEach((file) => familyOf.set(file, k)));
const files = [...truth.clusters.flat(), ...truth.singletons].sort();

const toPairs = (codes) => (codes instanceof BigUint64Array ? new Uint32Array(codes.buffer, codes.byteOffset, codes.length * 2) : Uint32Array.from(codes));
const popcount32 = (x) => {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
};
const nearest = (probes, anchors) => {
  let best = 64;
  for (let p = 0; p < probes.length; p += 2) {
    for (let a = 0; a < anchors.length; a += 2) best = Math.min(best, popcount32((probes[p] ^ anchors[a]) >>> 0) + popcount32((probes[p + 1] ^ anchors[a + 1]) >>> 0));
  }
  return best;
};

const descriptors = new Map();
for (const file of files) {
  const extracted = await extractFeatures(readFileSync(join(args.dev, 'images', file)));
  const codes = descriptorCodes(extracted.descriptor ?? extracted);
  descriptors.set(file, { anchors: toPairs(codes.anchors), probes: toPairs(codes.probes) });
}

// True pairs: same (non-hard) family. False pairs: different families or singletons; hard families are scored apart.
const trueHistogram = new Array(65).fill(0);
const falseHistogram = new Array(65).fill(0);
for (let i = 0; i < files.length; i++) {
  for (let j = i + 1; j < files.length; j++) {
    const [x, y] = [files[i], files[j]];
    const same = familyOf.has(x) && familyOf.get(x) === familyOf.get(y);
    if (same && (hardFiles.has(x) || hardFiles.has(y))) continue;
    const dx = descriptors.get(x);
    const dy = descriptors.get(y);
    const distance = Math.min(nearest(dx.probes, dy.anchors), nearest(dy.probes, dx.anchors));
    (same ? trueHistogram : falseHistogram)[distance]++;
  }
}

const mean = (key) => [...descriptors.values()].reduce((s, d) => s + d[key].length / 2, 0) / descriptors.size;
const calibration = {
  source: `libs/features extractFeatures/descriptorCodes on ${args.dev} (${files.length} files), ${new Date().toISOString()}`,
  radius: CANDIDATE_RADIUS,
  anchorsPerImage: +mean('anchors').toFixed(2),
  probesPerImage: +mean('probes').toFixed(2),
  truePairs: { count: trueHistogram.reduce((s, c) => s + c, 0), histogram: trueHistogram },
  falsePairs: { count: falseHistogram.reduce((s, c) => s + c, 0), histogram: falseHistogram },
  // Per image: its probes (anchors first) as 16-hex-digit codes, hi half then lo half.
  templates: files.map((file) => {
    const { anchors, probes } = descriptors.get(file);
    const hex = (w) => w.toString(16).padStart(8, '0');
    const codes = [];
    for (let p = 0; p < probes.length; p += 2) codes.push(hex(probes[p + 1]) + hex(probes[p]));
    return { anchors: anchors.length / 2, codes: codes.join('') };
  }),
};
writeFileSync(args.out, `${JSON.stringify(calibration)}\n`);
const within = (h) => h.slice(0, CANDIDATE_RADIUS + 1).reduce((s, c) => s + c, 0) / Math.max(1, h.reduce((s, c) => s + c, 0));
console.log(`wrote ${args.out}: radius ${CANDIDATE_RADIUS}, true pairs within radius ${within(trueHistogram).toFixed(4)}, false ${within(falseHistogram).toFixed(5)}`);
