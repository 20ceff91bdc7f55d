#!/usr/bin/env node
// Grouping-stage benchmark: candidate search + verification (synthetic, exact planted pairs) + grouping,
// N images from scratch then M incrementally, through the built libs/clustering.
// Candidate search runs on a worker_threads pool over SharedArrayBuffer tables (--threads, default 2; 1 = in-process).
// Usage: npm run bench:cluster -- --images 1000000 --incremental 10000 [--anchors 1 --probes 4 --radius 8 | --real] [--threads 2] [--no-sweep]
//   --real: the descriptor layout of the built libs/features (CANDIDATE_RADIUS, anchor/probe counts of one DEV image).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import clustering from '../../../libs/clustering/dist/index.js';
import { cumulative, fitBackground, generateDataset, pairDistance } from './synthetic.mjs';

const { CandidateIndex, createSearchPool, verifyCandidates, planFromEdges, planIncrementalRun } = clustering;

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '100000' },
    incremental: { type: 'string', default: '10000' },
    anchors: { type: 'string', default: '1' },
    probes: { type: 'string', default: '4' },
    radius: { type: 'string', default: '8' },
    'group-fraction': { type: 'string', default: '0.2' },
    'max-group-size': { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    calibration: { type: 'string', default: fileURLToPath(new URL('./calibration.json', import.meta.url)) },
    'no-sweep': { type: 'boolean', default: false },
    real: { type: 'boolean', default: false },
    dev: { type: 'string', default: '/work/shared/bench/dev' },
    threads: { type: 'string', default: '2' },
    chunks: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

/** The real descriptor layout: CANDIDATE_RADIUS and the code counts of one DEV image through the built features lib. */
async function realParams() {
  const dist = new URL('../../../libs/features/dist/index.js', import.meta.url);
  if (!existsSync(fileURLToPath(dist))) throw new Error('libs/features is not built: npx tsc -b libs/features/tsconfig.lib.json');
  const { CANDIDATE_RADIUS, descriptorCodes, extractFeatures } = (await import(dist)).default;
  const dir = join(args.dev, 'images');
  const file = readdirSync(dir).sort()[0];
  const codes = descriptorCodes((await extractFeatures(readFileSync(join(dir, file)))).descriptor);
  return { anchors: codes.anchors.length, probes: codes.probes.length, radius: CANDIDATE_RADIUS, file };
}

if (args.real) {
  const real = await realParams();
  if (!args.quiet) console.log(`real features params (libs/features/dist, ${real.file}): ${real.anchors} anchors, ${real.probes} probes, radius ${real.radius}`);
  Object.assign(args, { anchors: String(real.anchors), probes: String(real.probes), radius: String(real.radius), real: false });
}
const images = Number(args.images);
const incremental = Number(args.incremental);
const anchors = Number(args.anchors);
const probes = Number(args.probes);
const radius = Number(args.radius);
const threads = Number(args.threads);
const calibration = JSON.parse(readFileSync(args.calibration, 'utf8'));

function printDistributions() {
  const rows = [
    ['true pairs', calibration.truePairs],
    ['false pairs', calibration.falsePairs],
  ];
  console.log(`calibration: ${calibration.source}`);
  if (calibration.assumption) console.log(`  ASSUMPTION: ${calibration.assumption}`);
  console.log(`  descriptor distance = min Hamming over probe(x)–anchor(y) and probe(y)–anchor(x); radius ${radius}`);
  for (const [label, { count, histogram }] of rows) {
    const cdf = cumulative(histogram);
    const peak = Math.max(...histogram);
    console.log(`  ${label} (${count} pairs): P(d ≤ ${radius}) = ${cdf[radius].toFixed(4)}`);
    const last = histogram.findLastIndex((c) => c > 0);
    for (let d = 0; d <= last; d += 2) {
      const c = histogram[d] + (histogram[d + 1] ?? 0);
      const bar = '#'.repeat(Math.round((40 * c) / Math.max(1, 2 * peak)));
      console.log(`    d ${String(d).padStart(2)}-${String(d + 1).padEnd(2)} ${String(c).padStart(7)} ${bar}`);
    }
  }
}

function pairwiseF1(predictedOf, truthOf, n) {
  // Pairwise F1 via contingency counts: pairs in the same cluster and the same planted group.
  const pairs = (k) => (k * (k - 1)) / 2;
  const predicted = new Map();
  const truth = new Map();
  const both = new Map();
  for (let i = 0; i < n; i++) {
    const p = predictedOf[i];
    const t = truthOf[i];
    if (p >= 0) predicted.set(p, (predicted.get(p) ?? 0) + 1);
    if (t >= 0) truth.set(t, (truth.get(t) ?? 0) + 1);
    if (p >= 0 && t >= 0) {
      const key = p * 4294967296 + t;
      both.set(key, (both.get(key) ?? 0) + 1);
    }
  }
  let tp = 0;
  let pp = 0;
  let tt = 0;
  for (const k of both.values()) tp += pairs(k);
  for (const k of predicted.values()) pp += pairs(k);
  for (const k of truth.values()) tt += pairs(k);
  const precision = pp ? tp / pp : 1;
  const recall = tt ? tp / tt : 1;
  return precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
}

function batchOf(data, from, to) {
  const n = to - from;
  return {
    ids: Uint32Array.from({ length: n }, (_, i) => from + i),
    anchors: data.anchorCodes.subarray(2 * from * anchors, 2 * to * anchors),
    anchorCounts: new Uint8Array(n).fill(anchors),
    probes: data.probeCodes.subarray(2 * from * probes, 2 * to * probes),
    probeCounts: new Uint8Array(n).fill(probes),
  };
}

const cpuSeconds = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

async function runOnce() {
  const total = images + incremental;
  const params = { anchors, probes, radius, probeSpread: [8, 20], maxGroupSize: Number(args['max-group-size']), seed: Number(args.seed) };
  const background = fitBackground(calibration.falsePairs.histogram, params);
  const data = generateDataset({
    ...params,
    images: total,
    groupFraction: Number(args['group-fraction']),
    trueHistogram: calibration.truePairs.histogram,
    themes: background.themes,
    themeNoise: background.themeNoise,
  });
  const verify = (a, b) => ({ match: data.group[a] >= 0 && data.group[a] === data.group[b], score: 1 });
  let issued = 0;
  const context = (now) => ({ now, newId: () => `SimilarImageCluster-${issued++}` });

  const pool = createSearchPool(threads);
  const load0 = loadavg()[0];
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const options = { radius, expectedImages: total, expectedProbesPerImage: probes, shared: true, chunks: args.chunks ? Number(args.chunks) : undefined };
  const index = CandidateIndex.build(options, batchOf(data, 0, images));
  index.prepare();
  const tBuild = performance.now();
  const candidates = await index.allCandidatePairsAsync(pool);
  const tSearch = performance.now();
  const edges = verifyCandidates(candidates, verify);
  const full = planFromEdges([], edges, context(new Date(0)));
  const fullSeconds = (performance.now() - t0) / 1000;
  const fullCpu = cpuSeconds(c0);

  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const newIds = Uint32Array.from({ length: incremental }, (_, i) => images + i);
  index.addBatch(batchOf(data, images, total));
  const newCandidates = await index.candidatePairsForAsync(newIds, pool);
  const tIncSearch = performance.now();
  const addedEdges = verifyCandidates(newCandidates, verify);
  const plan = planIncrementalRun({ previous: full.create, addedEdges }, context(new Date(1)));
  const incrementalSeconds = (performance.now() - t1) / 1000;
  const incrementalCpu = cpuSeconds(c1);
  const load1 = loadavg()[0];
  await pool.close();

  const replaced = new Set([...plan.delete, ...plan.update.map((c) => c.id)]);
  const clusters = [...full.create.filter((c) => !replaced.has(c.id)), ...plan.update, ...plan.create];
  const predicted = new Int32Array(total).fill(-1);
  clusters.forEach((c, k) => c.members.forEach((id) => (predicted[id] = k)));
  const f1 = pairwiseF1(predicted, data.group, total);

  // Best F1 any exact candidate search can reach: planted pairs within the radius, joined transitively.
  const members = new Map();
  for (let i = 0; i < total; i++) if (data.group[i] >= 0) (members.get(data.group[i]) ?? members.set(data.group[i], []).get(data.group[i])).push(i);
  const reachable = new Int32Array(total).fill(-1);
  for (const list of members.values()) {
    const parent = list.map((_, i) => i);
    const find = (i) => (parent[i] === i ? i : (parent[i] = find(parent[i])));
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) if (pairDistance(data, anchors, probes, list[i], list[j]) <= radius) parent[find(i)] = find(j);
    list.forEach((id, i) => (reachable[id] = list[find(i)]));
  }
  const ceiling = pairwiseF1(reachable, data.group, total);

  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const info = {
    images,
    incremental,
    anchors,
    probes,
    radius,
    chunking: index.describe(),
    background: `${background.themes} themes, noise ${background.themeNoise}`,
    buildSeconds: +((tBuild - t0) / 1000).toFixed(2),
    searchSeconds: +((tSearch - tBuild) / 1000).toFixed(2),
    fullCpu: +fullCpu.toFixed(1),
    incrementalSearchSeconds: +((tIncSearch - t1) / 1000).toFixed(3),
    incrementalCpu: +incrementalCpu.toFixed(2),
    load: `${load0.toFixed(1)}→${load1.toFixed(1)}`,
    threads: pool.size,
    candidates: candidates.length,
    edges: edges.length,
    clusters: clusters.length,
    incrementalCandidates: newCandidates.length,
    f1Ceiling: +ceiling.toFixed(4),
  };
  return { info, result: { images, fullSeconds: +fullSeconds.toFixed(2), incrementalSeconds: +incrementalSeconds.toFixed(3), peakRssMb, pairwiseF1: +f1.toFixed(4) } };
}

const sweepSizes = [10_000, 100_000, 1_000_000].filter((n) => n < images);
if (!args['no-sweep'] && sweepSizes.length > 0) {
  printDistributions();
  const passThrough = ['incremental', 'anchors', 'probes', 'radius', 'group-fraction', 'max-group-size', 'seed', 'calibration', 'threads', ...(args.chunks ? ['chunks'] : [])].flatMap((k) => [`--${k}`, String(args[k])]);
  let last;
  for (const n of [...sweepSizes, images]) {
    // One process per size so each peak RSS is its own.
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--images', String(n), '--no-sweep', '--quiet', ...passThrough], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) process.exit(child.status ?? 1);
    const lines = child.stdout.trim().split('\n');
    console.log(lines.slice(0, -1).join('\n'));
    last = lines.at(-1);
  }
  console.log(last);
} else {
  if (!args.quiet) printDistributions();
  const { info, result } = await runOnce();
  console.log(
    `${String(images).padStart(8)} images: full ${result.fullSeconds}s wall / ${info.fullCpu}s CPU (build ${info.buildSeconds}s, search ${info.searchSeconds}s on ${info.threads} thread(s), ${info.candidates} candidates, ${info.edges} edges, ${info.clusters} clusters); ` +
      `+${incremental} incremental ${result.incrementalSeconds}s wall / ${info.incrementalCpu}s CPU (search ${info.incrementalSearchSeconds}s, ${info.incrementalCandidates} candidates); peak RSS ${result.peakRssMb} MB; load ${info.load}; ` +
      `F1 ${result.pairwiseF1} (ceiling ${info.f1Ceiling} at R=${radius}); ${anchors}A/${probes}P; chunks [${info.chunking}]; background ${info.background}`,
  );
  console.log(JSON.stringify(result));
}
