#!/usr/bin/env node
// Whole-pipeline benchmark: indexes and clusters N images made from DEV photos (random crops, scales, re-encodes)
// through the API, prints the wall time of each stage, the stored feature bytes per image and the extrapolation to
// 100,000 images (targets: ≤ 15 min, ≤ 16 KB of features per image).
// Usage: node tools/bench/pipeline/run.mjs [--images 10000] [--seed 1] [--endpoint URL --key KEY] [--keep]
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { syntheticImages } from './images.mjs';
import { startStack } from './stack.mjs';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    endpoint: { type: 'string' },
    key: { type: 'string' },
    bench: { type: 'string', default: '/work/shared/bench' },
    keep: { type: 'boolean', default: false },
  },
});
const count = Number(args.images);
const TARGET = 100_000;
const now = () => performance.now();
const fmt = (ms) => `${(ms / 1000).toFixed(1)} s`;

let mark = now();
const { dir, files, generated } = await syntheticImages({
  sourceDir: join(realpathSync(args.bench), 'dev', 'images'),
  count,
  seed: Number(args.seed),
  log: (line) => console.log(line),
});
console.log(`images: ${files.length} in ${dir} (${generated ? `generated in ${fmt(now() - mark)}` : 'cached'})`);

let runReport;
const { api, stop, env } = await startStack({
  endpoint: args.endpoint,
  key: args.key,
  allowedRoots: [realpathSync(dir)],
  logLevel: 'info',
  log: (line) => process.stderr.write(line),
  onLogLine: (app, line) => {
    if (app !== 'clustering-worker' || !line.includes('clustering run finished')) return;
    try {
      runReport = JSON.parse(line);
    } catch {
      /* not a JSON log line */
    }
  },
});
const key = { ProjectName: `bench_pipeline_${Date.now().toString(36)}`, DatasetName: `n${count}` };
try {
  await api.call('CreateProject', { ProjectName: key.ProjectName });
  await api.call('CreateDataset', key);

  mark = now();
  let lastPrint = 0;
  await api.indexAll(key, files, {
    inFlight: 4,
    onProgress: (done) => {
      if (done - lastPrint >= 1000 || done === files.length) {
        lastPrint = done;
        console.log(`  indexed ${done}/${files.length} (${((done * 1000) / (now() - mark)).toFixed(0)} images/s)`);
      }
    },
  });
  const indexMs = now() - mark;

  mark = now();
  const task = await api.cluster(key);
  const clusterMs = now() - mark;
  if (task.Status !== 'Succeeded') throw new Error(`clustering ended ${task.Status}: ${task.Code} ${task.Message}`);
  const clusters = await api.allClusters(key);

  const db = new pg.Client({ connectionString: env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/simclust' });
  await db.connect();
  const {
    rows: [bytes],
  } = await db.query(
    `SELECT count(*)::int AS files, avg(octet_length(ff.descriptor))::float AS descriptor, avg(octet_length(ff.verifier))::float AS verifier,
            count(*) FILTER (WHERE f.status = 'Indexed')::int AS indexed
     FROM "File" f JOIN "Dataset" d ON d.id = f."datasetId" JOIN "Project" p ON p.id = d."projectId"
     LEFT JOIN "FileFeature" ff ON ff."fileId" = f.id WHERE p.name = $1`,
    [key.ProjectName],
  );
  await db.end();

  const scale = TARGET / count;
  const perImage = bytes.descriptor + bytes.verifier;
  console.log('');
  console.log(`stage               wall time   per image   extrapolated to ${TARGET.toLocaleString('en')}`);
  console.log(`index (API→indexer) ${fmt(indexMs).padStart(9)}   ${(indexMs / count).toFixed(2).padStart(6)} ms   ${fmt(indexMs * scale)}`);
  console.log(`cluster (one run)   ${fmt(clusterMs).padStart(9)}   ${(clusterMs / count).toFixed(2).padStart(6)} ms   ${fmt(clusterMs * scale)}`);
  if (runReport) {
    const t = runReport.timings ?? {};
    console.log(
      `  worker stages: load ${t.load} ms, candidates ${t.candidates} ms, verify ${t.verify} ms (${runReport.candidatePairs} pairs, ${(runReport.candidatePairs / count).toFixed(2)}/image, ${((t.verify ?? 0) / Math.max(1, runReport.candidatePairs)).toFixed(3)} ms/pair wall), plan ${t.plan} ms, apply ${t.apply} ms; ${runReport.verifiedEdges} edges`,
    );
  }
  const total = indexMs + clusterMs;
  console.log(`total               ${fmt(total).padStart(9)}                ${fmt(total * scale)} = ${((total * scale) / 60000).toFixed(1)} min (target ≤ 15 min)`);
  console.log(`indexed ${bytes.indexed}/${bytes.files} files; ${clusters.length} clusters holding ${clusters.reduce((n, c) => n + c.Files.length, 0)} files`);
  console.log(`stored features per image: descriptor ${bytes.descriptor.toFixed(0)} B + verifier ${bytes.verifier.toFixed(0)} B = ${(perImage / 1024).toFixed(2)} KB (target ≤ 16 KB)`);
  console.log('(extrapolation is linear: indexing is per image; clustering is dominated by verification, ~constant pairs per image)');
  console.log(JSON.stringify({ images: count, indexSeconds: indexMs / 1000, clusterSeconds: clusterMs / 1000, extrapolatedMinutes: (total * scale) / 60000, featureKbPerImage: perImage / 1024 }));
} finally {
  if (!args.keep) {
    await api
      .call('DeleteDataset', key)
      .then(() => api.call('DeleteProject', { ProjectName: key.ProjectName }))
      .catch((err) => console.error(`cleanup: ${err.message}`));
  }
  await stop();
}
