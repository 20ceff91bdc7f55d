#!/usr/bin/env node
// How the clustering worker loads a dataset's state for an incremental run, measured on a dataset of 100,000
// generated rows in a throwaway PostgreSQL database: descriptors streamed in keyset chunks into the candidate
// index (what the worker does), next to the alternative it was chosen over (a persisted, serialised index).
// Usage: node tools/bench/state/run.mjs [--rows 100000] [--new 1000] [--keep-db]
// Needs the built apps/clustering-worker (npm run build); DATABASE_URL names the server (its database is not used).
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ensureDatabase, migrate } from '../../migrate/migrate.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(import.meta.url);
const { ClusteringStateRepository } = require(join(ROOT, 'apps/clustering-worker/dist/clustering/clustering-state.repository.js'));
const { ClusteringRunService } = require(join(ROOT, 'apps/clustering-worker/dist/clustering/clustering-run.service.js'));
const { CandidateIndex } = require('@simclust/clustering');
const { CANDIDATE_RADIUS, FEATURE_VERSION, descriptorCodes } = require('@simclust/features');
const { createDatabase } = require('@simclust/db');

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    new: { type: 'string', default: '1000' },
    'keep-db': { type: 'boolean', default: false },
  },
});
const rows = Number(args.rows);
const fresh = Number(args.new);
const server = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/simclust');
const dbName = `simclust_bench_state_${process.pid}`;
server.pathname = `/${dbName}`;
const url = server.toString();
const ms = (t0) => performance.now() - t0;
const mb = (bytes) => (bytes / 1048576).toFixed(1);
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

// Descriptor layout of libs/features: [version, anchors, probes, 0] + 8-byte codes (68 B for 1 anchor, 8 probes).
const ANCHORS = 1;
const PROBES = 8;
function randomDescriptor() {
  const out = randomBytes(4 + 8 * PROBES);
  out[0] = FEATURE_VERSION;
  out[1] = ANCHORS;
  out[2] = PROBES;
  out[3] = 0;
  return out;
}
// Verifier blobs are stored at their real size (~4 KB) so the table is as large as a real one; loads never read them.
const VERIFIER_BYTES = 4039;

console.log(`database ${dbName}: ${rows.toLocaleString('en')} indexed files, then ${fresh.toLocaleString('en')} new ones`);
await ensureDatabase(url);
await migrate(url, { log: () => undefined });
const client = new pg.Client({ connectionString: url });
await client.connect();
const db = createDatabase(url);
let runner;
try {
  await client.query(`INSERT INTO "Project" (id, name, "webhookSecretEnc", "updatedAt") VALUES ('p', 'bench_state', 'x', now())`);
  await client.query(`INSERT INTO "Dataset" (id, "projectId", name, "updatedAt") VALUES ('d', 'p', 'd', now())`);
  let t0 = performance.now();
  const insert = async (from, to, clustered) => {
    for (let i = from; i < to; i += 2000) {
      const n = Math.min(2000, to - i);
      const ids = Array.from({ length: n }, (_, k) => `f${String(i + k).padStart(8, '0')}`);
      await client.query(
        `INSERT INTO "File" (id, "datasetId", uri, status, "contentVersion", "clusteredVersion", "imageScore", "updatedAt")
         SELECT id, 'd', 'file:///bench/' || id || '.jpg', 'Indexed', 1, $2, 0.5, now() FROM unnest($1::text[]) AS id`,
        [ids, clustered ? 1 : 0],
      );
      await client.query(
        `INSERT INTO "FileFeature" ("fileId", "datasetId", version, descriptor, verifier, "updatedAt")
         SELECT x.id, 'd', $3, x.descriptor, x.verifier, now() FROM unnest($1::text[], $2::bytea[], $4::bytea[]) AS x(id, descriptor, verifier)`,
        [ids, ids.map(() => randomDescriptor()), FEATURE_VERSION, ids.map(() => randomBytes(VERIFIER_BYTES))],
      );
    }
  };
  await insert(0, rows, true);
  await client.query('ANALYZE');
  console.log(`  inserted ${rows.toLocaleString('en')} clustered rows in ${(ms(t0) / 1000).toFixed(1)} s`);

  const state = new ClusteringStateRepository(db);
  const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quietLog };
  runner = new ClusteringRunService(state, { CLUSTERING_VERIFY_THREADS: 2 }, quietLog);
  const target = { datasetId: 'd', datasetName: 'd' };
  const noProgress = async () => undefined;

  // 1. What the worker does: stream (seq, descriptor) in keyset chunks of 5,000 and build the index.
  const rssBefore = process.memoryUsage().rss;
  t0 = performance.now();
  const index = new CandidateIndex({ radius: CANDIDATE_RADIUS, expectedImages: rows });
  let streamed = 0;
  let bytes = 0;
  let queryMs = 0;
  let q0 = performance.now();
  for await (const chunk of state.streamDescriptors('d', FEATURE_VERSION)) {
    queryMs += ms(q0);
    for (const r of chunk) {
      const codes = descriptorCodes(r.descriptor);
      index.add(r.seq, codes.anchors, codes.probes);
      bytes += r.descriptor.length + 12;
    }
    streamed += chunk.length;
    q0 = performance.now();
  }
  index.prepare();
  const loadMs = ms(t0);
  console.log(`\nstreamed load (the worker's way): ${streamed.toLocaleString('en')} rows, ${mb(bytes)} MB in ${loadMs.toFixed(0)} ms (${queryMs.toFixed(0)} ms in queries) = ${((streamed / loadMs) * 1000).toFixed(0)} rows/s; index RSS +${mb(process.memoryUsage().rss - rssBefore)} MB`);

  // 2. The alternative: a serialised index kept in storage (bytes to read, time to rebuild on load).
  t0 = performance.now();
  const serialized = index.serialize();
  const serializeMs = ms(t0);
  t0 = performance.now();
  CandidateIndex.deserialize(serialized).prepare();
  console.log(`persisted index (alternative): ${mb(serialized.length)} MB to store and read back; serialise ${serializeMs.toFixed(0)} ms, rebuild ${ms(t0).toFixed(0)} ms — plus keeping it in step with every index/delete, which streaming avoids`);

  // 3. Whole incremental runs through the worker's own service.
  t0 = performance.now();
  const noop = await runner.run(target, noProgress);
  const noopMs = ms(t0);
  console.log(`\nno-op run (nothing new): ${noopMs.toFixed(0)} ms, processed ${noop.processed}`);
  await insert(rows, rows + fresh, false);
  t0 = performance.now();
  const incremental = await runner.run(target, noProgress);
  const incrementalMs = ms(t0);
  console.log(`incremental run, ${fresh.toLocaleString('en')} new files against ${rows.toLocaleString('en')}: ${incrementalMs.toFixed(0)} ms — stages ${JSON.stringify(incremental.timings)} ms, ${incremental.candidatePairs} candidate pairs`);
  const { rows: pendingLeft } = await client.query(`SELECT count(*)::int AS n FROM "File" WHERE "contentVersion" <> "clusteredVersion"`);
  console.log(`files still pending after the run: ${pendingLeft[0].n}; peak RSS of this process ${mb(peakRss)} MB`);
  console.log(JSON.stringify({ rows, loadMs: Math.round(loadMs), rowsPerSecond: Math.round((streamed / loadMs) * 1000), serializedMb: Number(mb(serialized.length)), noopRunMs: Math.round(noopMs), incrementalRunMs: Math.round(incrementalMs), peakRssMb: Number(mb(peakRss)) }));
} finally {
  clearInterval(sampler);
  await runner?.onModuleDestroy();
  await db.$disconnect();
  await client.end();
  if (!args['keep-db']) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}
