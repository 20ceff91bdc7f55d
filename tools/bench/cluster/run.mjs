#!/usr/bin/env node
// Grouping-stage benchmark: candidate search + verification (synthetic, exact planted pairs) + grouping,
// N images from scratch then M incrementally, through the built libs/clustering.
// Candidate search runs on a worker_threads pool over SharedArrayBuffer tables (--threads, default 2; 1 = in-process).
// Descriptor layout: by default the real one, as calibrate.mjs measured it on DEV with libs/features (6 anchors and
// 40 probes that include them, radius 8); --anchors/--probes take a cheaper prefix of it (e.g. 1 and 4).
// The synthetic background is fitted to DEV's false pairs at start (--themes/--theme-swaps give it instead; the sweep
// passes the fitted values to its per-size children).
// Usage: npm run bench:cluster -- --images 1000000 --incremental 10000 [--anchors 1 --probes 4] [--threads 2] [--no-sweep]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import clustering from '../../../libs/clustering/dist/index.js';
import { cumulative, fitBackground, generateDataset, pairDistance, parseTemplates, syntheticFalseHistogram, syntheticTrueHistogram } from './synthetic.mjs';

const { CandidateIndex, createSearchPool, verifyCandidates, planFromEdges, planIncrementalRun } = clustering;

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '100000' },
    incremental: { type: 'string', default: '10000' },
    anchors: { type: 'string' },
    probes: { type: 'string' },
    radius: { type: 'string' },
    'group-fraction': { type: 'string', default: '0.2' },
    'max-group-size': { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    calibration: { type: 'string', default: fileURLToPath(new URL('./calibration.json', import.meta.url)) },
    'no-sweep': { type: 'boolean', default: false },
    themes: { type: 'string' },
    'theme-swaps': { type: 'string' },
    threads: { type: 'string', default: '2' },
    chunks: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const calibration = JSON.parse(readFileSync(args.calibration, 'utf8'));
const images = Number(args.images);
const incremental = Number(args.incremental);
const anchors = Number(args.anchors ?? calibration.templates?.[0]?.anchors ?? 6);
const probes = Number(args.probes ?? (calibration.templates?.[0]?.codes.length ?? 640) / 16);
const radius = Number(args.radius ?? calibration.radius);
const threads = Number(args.threads);
const templates = parseTemplates(calibration, anchors, probes);
const fullLayout = { anchors: calibration.templates[0].anchors, probes: calibration.templates[0].codes.length / 16 };

/** Background parameters fitted to DEV's false pairs on the full DEV layout (or given, as the sweep passes them). */
function background() {
  const params = { ...fullLayout, templates: parseTemplates(calibration, fullLayout.anchors, fullLayout.probes), seed: Number(args.seed) };
  if (args.themes !== undefined) return { themes: Number(args.themes), themeSwaps: Number(args['theme-swaps'] ?? 0) };
  return fitBackground(calibration.falsePairs.histogram, params);
}

/** DEV true/false pair distances and the fitted synthetic false pairs, side by side (counts and CDF per even d). */
function printDistributions(fit) {
  const params = { ...fullLayout, templates: parseTemplates(calibration, fullLayout.anchors, fullLayout.probes), seed: Number(args.seed), ...fit };
  const fitted = fit.histogram ?? syntheticFalseHistogram(params, 400);
  const plantedTrue = syntheticTrueHistogram({ ...params, maxGroupSize: Number(args['max-group-size']), trueHistogram: calibration.truePairs.histogram });
  console.log(`calibration: ${calibration.source}`);
  console.log(`  descriptor distance = min Hamming over probe(x)–anchor(y) and probe(y)–anchor(x), ${fullLayout.anchors}A/${fullLayout.probes}P; radius ${radius}`);
  console.log(`  synthetic background fitted to DEV false pairs: ${fit.themes} themes × ${fit.themeSwaps} swaps (0 themes = independent codes)`);
  const columns = [
    ['DEV true', calibration.truePairs.histogram],
    ['synthetic true', plantedTrue],
    ['DEV false', calibration.falsePairs.histogram],
    ['synthetic false', fitted],
  ];
  const cdfs = columns.map(([, h]) => cumulative(h));
  const totals = columns.map(([, h]) => h.reduce((s, c) => s + c, 0));
  console.log(`     d  ${columns.map(([label, h], k) => `${label} (${totals[k]} pairs)`.padStart(31)).join('')}`);
  const last = Math.max(...columns.map(([, h]) => h.findLastIndex((c) => c > 0)));
  for (let d = 0; d <= last; d += 2) {
    const cells = columns.map(([, h], k) => `${String(h[d] + (h[d + 1] ?? 0)).padStart(8)}  CDF ${cdfs[k][d + 1].toExponential(2)}`.padStart(31));
    console.log(`  ${String(d).padStart(2)}-${String(d + 1).padEnd(2)}${cells.join('')}${d <= radius && d + 1 >= radius ? '  ← radius' : ''}`);
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

function batchOf(data, from, to, firstId = 0) {
  const n = to - from;
  return {
    ids: Uint32Array.from({ length: n }, (_, i) => firstId + from + i),
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

/** Best F1 any exact candidate search can reach: planted pairs within the radius, joined transitively. */
function reachableF1(data, total) {
  const members = new Map();
  for (let i = 0; i < total; i++) if (data.group[i] >= 0) (members.get(data.group[i]) ?? members.set(data.group[i], []).get(data.group[i])).push(i);
  const reachable = new Int32Array(total).fill(-1);
  for (const list of members.values()) {
    const parent = list.map((_, i) => i);
    const find = (i) => (parent[i] === i ? i : (parent[i] = find(parent[i])));
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) if (pairDistance(data, anchors, probes, list[i], list[j]) <= radius) parent[find(i)] = find(j);
    list.forEach((id, i) => (reachable[id] = list[find(i)]));
  }
  return pairwiseF1(reachable, data.group, total);
}

/** In a frame of its own, so no interpreter register keeps the batch (and the descriptors) alive after it. */
function buildIndex(options, data) {
  return CandidateIndex.build(options, batchOf(data, 0, images));
}

async function runOnce(fit) {
  const total = images + incremental;
  const data = generateDataset({
    anchors,
    probes,
    templates,
    maxGroupSize: Number(args['max-group-size']),
    seed: Number(args.seed),
    images: total,
    groupFraction: Number(args['group-fraction']),
    trueHistogram: calibration.truePairs.histogram,
    themes: fit.themes,
    themeSwaps: fit.themeSwaps,
  });
  const ceiling = reachableF1(data, total);
  // The worker streams descriptors into the index and keeps no other copy: neither does the bench once the
  // index is built (only the incremental batch is kept).
  const added = batchOf({ anchorCodes: data.anchorCodes.slice(2 * images * anchors), probeCodes: data.probeCodes.slice(2 * images * probes) }, 0, incremental, images);
  const verify = (a, b) => ({ match: data.group[a] >= 0 && data.group[a] === data.group[b], score: 1 });
  let issued = 0;
  const context = (now) => ({ now, newId: () => `SimilarImageCluster-${issued++}` });

  const pool = createSearchPool(threads);
  const load0 = loadavg()[0];
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const options = { radius, expectedImages: total, expectedProbesPerImage: probes, shared: true, chunks: args.chunks ? Number(args.chunks) : undefined };
  const index = buildIndex(options, data);
  data.anchorCodes = data.probeCodes = undefined;
  // Returns that copy's memory now rather than at some later collection (children run with --expose-gc).
  globalThis.gc?.();
  // The chunks' counting sorts run on the pool's threads, as the worker's async search does.
  await index.prepareAsync(pool);
  const tBuild = performance.now();
  const rssBuilt = process.memoryUsage.rss();
  const candidates = await index.allCandidatePairsAsync(pool);
  const tSearch = performance.now();
  const rssSearched = process.memoryUsage.rss();
  const edges = verifyCandidates(candidates, verify);
  const full = planFromEdges([], edges, context(new Date(0)));
  const fullSeconds = (performance.now() - t0) / 1000;
  const fullCpu = cpuSeconds(c0);

  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const newIds = Uint32Array.from({ length: incremental }, (_, i) => images + i);
  index.addBatch(added);
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


  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const info = {
    images,
    incremental,
    anchors,
    probes,
    radius,
    chunking: index.describe(),
    background: `${fit.themes} themes × ${fit.themeSwaps} swaps`,
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
    rss: `${Math.round(rssBuilt / 2 ** 20)} MB after build, ${Math.round(rssSearched / 2 ** 20)} MB after the full search`,
  };
  return { info, result: { images, fullSeconds: +fullSeconds.toFixed(2), incrementalSeconds: +incrementalSeconds.toFixed(3), peakRssMb, pairwiseF1: +f1.toFixed(4) } };
}

const sweepSizes = [10_000, 100_000, 1_000_000].filter((n) => n < images);
const fit = background();
if (!args['no-sweep'] && sweepSizes.length > 0) {
  printDistributions(fit);
  const given = { ...args, anchors, probes, radius, themes: fit.themes, 'theme-swaps': fit.themeSwaps };
  const passThrough = ['incremental', 'anchors', 'probes', 'radius', 'group-fraction', 'max-group-size', 'seed', 'calibration', 'threads', 'themes', 'theme-swaps', ...(args.chunks ? ['chunks'] : [])].flatMap((k) => [`--${k}`, String(given[k])]);
  let last;
  for (const n of [...sweepSizes, images]) {
    // One process per size so each peak RSS is its own.
    const child = spawnSync(process.execPath, ['--expose-gc', '--no-concurrent-array-buffer-sweeping', fileURLToPath(import.meta.url), '--images', String(n), '--no-sweep', '--quiet', ...passThrough], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) process.exit(child.status ?? 1);
    const lines = child.stdout.trim().split('\n');
    console.log(lines.slice(0, -1).join('\n'));
    last = lines.at(-1);
  }
  console.log(last);
} else {
  if (!args.quiet) printDistributions(fit);
  const { info, result } = await runOnce(fit);
  console.log(
    `${String(images).padStart(8)} images: full ${result.fullSeconds}s wall / ${info.fullCpu}s CPU (build ${info.buildSeconds}s, search ${info.searchSeconds}s on ${info.threads} thread(s), ${info.candidates} candidates, ${info.edges} edges, ${info.clusters} clusters); ` +
      `+${incremental} incremental ${result.incrementalSeconds}s wall / ${info.incrementalCpu}s CPU (search ${info.incrementalSearchSeconds}s, ${info.incrementalCandidates} candidates); peak RSS ${result.peakRssMb} MB (${info.rss}); load ${info.load}; ` +
      `F1 ${result.pairwiseF1} (ceiling ${info.f1Ceiling} at R=${radius}); ${anchors}A/${probes}P; chunks [${info.chunking}]; background ${info.background}`,
  );
  console.log(JSON.stringify(result));
}
