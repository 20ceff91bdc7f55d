#!/usr/bin/env node
// Indexing benchmark (issue 3): indexes the DEV images, then 100 twelve-megapixel JPEGs made from them, through the
// API (BatchIndexFileMeta, 100 files per call) and prints images/s beside the floor — the same files decoded by
// sharp to a 64×64 greyscale thumbnail, two in flight — and the ratio of wall times (target ≤ 1.5).
// Beside them, the WebP thumbnail of issue 8 alone (decoded at 320 px and encoded, two in flight): a lower bound of
// the pipeline, which writes that thumbnail for every image. All are measured warm (an untimed pass over a few files first). Beside wall times it prints CPU milliseconds per
// image — of the indexer and gateway processes (from /proc, only when this script started them) and of the floor — and the load average, as the machine is shared.
// Usage: node tools/bench/index/run.mjs [--endpoint URL --key KEY] [--bench /work/shared/bench] [--large 100]
// Without --endpoint it starts the built gateway and indexer (npm run build first) on free ports.
import { existsSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import thumbnails from '../../../libs/thumbnails/dist/index.js';
import { machineBusyMs, processCpuMs } from '../cpu.mjs';
import { startStack } from '../pipeline/stack.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TARGET_RATIO = 1.5;
const BATCH = 100;
// Each GetTask costs the gateway a few ms of CPU that the indexer then lacks: 50 ms bounds both that and the lag.
const POLL_MS = 50;

const { values: args } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    key: { type: 'string' },
    bench: { type: 'string', default: '/work/shared/bench' },
    // 12 MP photos: one full BatchIndexFileMeta batch (100), so a task's fixed start and finish weigh as in the DEV run's batches.
    large: { type: 'string', default: '100' },
  },
});

const now = () => performance.now();
/** CPU milliseconds this process (its libvips threads included) spends in `work`, with the wall time. */
async function measured(work) {
  const cpu = process.cpuUsage();
  const machineBefore = machineBusyMs();
  const started = now();
  await work();
  const used = process.cpuUsage(cpu);
  return { wallMs: now() - started, cpuMs: (used.user + used.system) / 1000, machineMs: machineBusyMs() - machineBefore };
}

function client(endpoint, key) {
  return async (Action, params = {}) => {
    const res = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ Action, ...params }),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`${Action} answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  };
}

/**
 * Indexes `paths` into a fresh dataset, all batches submitted at once; wall time until the last task has ended and
 * the CPU time each started app (`pids`) spent meanwhile.
 */
async function indexThroughApi(call, paths, label, pids) {
  const key = { ProjectName: `bench_index_${Date.now().toString(36)}`, DatasetName: label };
  await call('CreateProject', { ProjectName: key.ProjectName });
  await call('CreateDataset', key);
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([app, pid]) => [app, processCpuMs(pid)]));
  const machineBefore = machineBusyMs();
  const started = now();
  const startedAt = Date.now();
  let endedAt = startedAt;
  const batches = [];
  for (let i = 0; i < paths.length; i += BATCH) batches.push(paths.slice(i, i + BATCH));
  const tasks = await Promise.all(batches.map((batch) => call('BatchIndexFileMeta', { ...key, Files: batch.map((p) => ({ URI: pathToFileURL(p).href })) })));
  const failures = [];
  for (const { TaskId } of tasks) {
    for (;;) {
      const task = await call('GetTask', { ProjectName: key.ProjectName, TaskType: 'IndexFileMeta', TaskId });
      if (task.Status !== 'Running') {
        if (task.Status !== 'Succeeded') throw new Error(`task ${TaskId} ended ${task.Status}: ${task.Code} ${task.Message}`);
        endedAt = Math.max(endedAt, Date.parse(task.EndTime));
        break;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  // The pipeline is done when its last task ended (EndTime, written with the last file): the poll's lag is the client's.
  const wallMs = endedAt - startedAt;
  const polledMs = now() - started;
  const cpuMs = Object.fromEntries(Object.entries(pids).map(([app, pid]) => [app, processCpuMs(pid) - cpuBefore[app]]));
  // This script's own polling included; on a shared machine so is everybody else's work.
  cpuMs['whole machine'] = machineBusyMs() - machineBefore;
  for (let i = 0; i < paths.length; i += BATCH) {
    const { Files } = await call('BatchGetFileMeta', { ...key, URIs: paths.slice(i, i + BATCH).map((p) => pathToFileURL(p).href), WithFields: ['ObjectStatus', 'Reason'] });
    for (const f of Files) if (f.ObjectStatus !== 'Indexed') failures.push(`${f.URI}: ${f.Reason}`);
  }
  await call('DeleteProject', { ProjectName: key.ProjectName }).catch(() => undefined);
  return { wallMs, polledMs, cpuMs, failures };
}

/** The floor: each file decoded by sharp straight to a 64×64 greyscale thumbnail, two in flight. */
async function floor(paths) {
  let next = 0;
  const lane = async () => {
    while (next < paths.length) {
      const path = paths[next++];
      await sharp(path, { failOn: 'none' }).resize(64, 64, { fit: 'fill' }).greyscale().raw().toBuffer();
    }
  };
  return measured(() => Promise.all([lane(), lane()]));
}

/**
 * Issue 8's thumbnail alone, the way the floor is measured: each file decoded to the ≤ 320 px preview and encoded as
 * the WebP thumbnail (no features, no storage), two in flight. Its ratio to the floor is a lower bound of the pipeline's.
 */
async function thumbnailOnly(paths) {
  let next = 0;
  const lane = async () => {
    while (next < paths.length) await thumbnails.renderThumbnail(await readFile(paths[next++]));
  };
  return measured(() => Promise.all([lane(), lane()]));
}

/** DEV JPEG photos re-encoded at 4000×3000 (what cameras produce), cached in the temp dir between runs. */
async function twelveMegapixelSet(devDir, count) {
  const dir = join(tmpdir(), 'simclust-bench-index-12mp');
  mkdirSync(dir, { recursive: true });
  const sources = readdirSync(devDir).filter((f) => f.endsWith('.jpg')).sort().slice(0, count);
  const paths = [];
  for (const name of sources) {
    const out = join(dir, name);
    if (!existsSync(out)) await sharp(join(devDir, name)).rotate().resize(4000, 3000, { fit: 'cover' }).jpeg({ quality: 90 }).toFile(out);
    paths.push(out);
  }
  return { dir, paths };
}

function report(label, paths, floor, pipeline, thumbnail, load) {
  const rate = (ms) => ((paths.length * 1000) / ms).toFixed(1);
  const perImage = (ms) => (Number.isFinite(ms) ? `${(ms / paths.length).toFixed(1)} ms` : 'n/a');
  const ratio = pipeline.wallMs / floor.wallMs;
  console.log(`\n${label}: ${paths.length} images (load average ${load.map((l) => l.toFixed(1)).join(', ')})`);
  console.log(`  pipeline (API → JetStream → indexer → Postgres): ${(pipeline.wallMs / 1000).toFixed(2)} s to the last task's EndTime, ${rate(pipeline.wallMs)} images/s (seen by ${POLL_MS} ms polling: ${(pipeline.polledMs / 1000).toFixed(2)} s)`);
  for (const [app, ms] of Object.entries(pipeline.cpuMs)) console.log(`    ${app} CPU per image: ${perImage(ms)}`);
  console.log(`  floor (sharp → 64×64 grey, 2 in flight):          ${(floor.wallMs / 1000).toFixed(2)} s, ${rate(floor.wallMs)} images/s`);
  console.log(`    floor CPU per image: ${perImage(floor.cpuMs)} (whole machine: ${perImage(floor.machineMs)})`);
  console.log(`  ratio pipeline/floor: ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}) ${ratio <= TARGET_RATIO ? 'OK' : 'OVER TARGET'}`);
  console.log(`  lower bound: the WebP thumbnail alone (decode ≤ 320 px → WebP, 2 in flight): ${(thumbnail.wallMs / 1000).toFixed(2)} s, ${(thumbnail.wallMs / floor.wallMs).toFixed(2)} × the floor`);
  if (pipeline.failures.length) console.log(`  ${pipeline.failures.length} file(s) not indexed:\n    ${pipeline.failures.slice(0, 10).join('\n    ')}`);
  return ratio <= TARGET_RATIO;
}

const benchDir = realpathSync(args.bench);
const devDir = join(benchDir, 'dev', 'images');
const devPaths = readdirSync(devDir).sort().map((f) => join(devDir, f));
const large = await twelveMegapixelSet(devDir, Number(args.large));
// Both measurements read from the page cache: read everything once first.
for (const p of [...devPaths, ...large.paths]) await readFile(p);
sharp.cache(false);

const stack = await startStack({
  endpoint: args.endpoint,
  key: args.key,
  apps: ['gateway', 'indexer'],
  allowedRoots: [benchDir, large.dir],
  log: (line) => process.stderr.write(line),
});
const apps = { stop: stack.stop, pids: stack.pids };
const call = client(stack.api.baseUrl, stack.api.key);
let allOk = true;
// A service measured in steady state: one untimed pass over a few files first (worker threads started, JIT warm), and
// the same for the floor.
const WARM_UP_FILES = 40;
try {
  await indexThroughApi(call, devPaths.slice(0, WARM_UP_FILES), 'warm-up', apps.pids);
  await floor(devPaths.slice(0, WARM_UP_FILES));
  await thumbnailOnly(devPaths.slice(0, WARM_UP_FILES));
  for (const [label, paths] of [['DEV set', devPaths], ['12-megapixel JPEGs (4000×3000)', large.paths]]) {
    const load = loadavg();
    const floorRun = await floor(paths);
    const thumbnail = await thumbnailOnly(paths);
    const pipeline = await indexThroughApi(call, paths, label.startsWith('DEV') ? 'dev' : 'mp12', apps.pids);
    allOk = report(label, paths, floorRun, pipeline, thumbnail, load) && allOk && pipeline.failures.length === 0;
  }
} finally {
  await apps.stop();
}
process.exitCode = allOk ? 0 : 1;
