#!/usr/bin/env node
// Load benchmark (issue 7): the built gateway alone, on a dataset of 10,000 generated files in clusters of 2–5
// (rows written straight into Postgres, no images), its project's ProjectQueriesPerSecond raised through the API and
// the gateway's KEY_QUERIES_PER_SECOND raised; autocannon drives GetTask, then QuerySimilarImageClusters, at a fixed
// rate, and prints req/s, p50, p99 and errors beside the target (p99 ≤ 25 ms at 500 req/s on 2 cores), and where
// the CPU went. Percentiles are of the responses' own latencies; autocannon's coordinated-omission corrected summary
// is printed beside them. Each call is driven twice: with autocannon's own pacing (every connection sends its share
// of a second at that second's start, all connections together: a burst of 20 concurrent calls each second), and
// staggered (one autocannon per connection, their seconds offset evenly, as independent clients arrive).
// Usage: node tools/bench/load/run.mjs [--rate 500] [--duration 20] [--connections 20] [--max-results 100] [--log-level info]
//        [--calls GetTask,QuerySimilarImageClusters] (drive only some of the calls, e.g. to profile one)
//        [--pacing aligned,staggered] (autocannon's own pacing: every connection's calls of a second start together; or
//        one autocannon per connection with their seconds offset evenly, as independent clients arrive)
//        [--pages 1] (QuerySimilarImageClusters cycles through the first N pages: identical calls arriving together share
//        one read in the gateway, so N > 1 shows the cost of distinct queries)
// Needs the built gateway (npm run build) and the usual services; it uses a database of its own (simclust_bench_load).
import { randomBytes, createHash, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { migrate } from '../../migrate/migrate.mjs';
import { ImmClient, startStack } from '@simclust/testing';
import { machineBusyMs, processCpuMs } from '../cpu.mjs';

const TARGET = { rate: 500, p99Ms: 25 };
const FILES = 10_000;
const TASKS = 200;

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: String(TARGET.rate) },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '20' },
    'max-results': { type: 'string', default: '100' },
    'log-level': { type: 'string', default: 'info' },
    calls: { type: 'string', default: 'GetTask,QuerySimilarImageClusters' },
    pages: { type: 'string', default: '1' },
    pacing: { type: 'string', default: 'aligned,staggered' },
    database: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/simclust_bench_load' },
  },
});
const rate = Number(args.rate);
const duration = Number(args.duration);
const CALLS = ['GetTask', 'QuerySimilarImageClusters'];
const PACINGS = ['aligned', 'staggered'];
const calls = new Set(args.calls.split(',').map((c) => c.trim()));
for (const call of calls) if (!CALLS.includes(call)) throw new Error(`--calls: ${call} is not one of ${CALLS.join(', ')}`);

async function ensureDatabase(url) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).href });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  await migrate(url, { log: () => undefined });
}

/** 10,000 Indexed files in clusters of 2–5 (every file in one), and TASKS finished index tasks. */
async function seed(db, projectId, datasetId) {
  const started = performance.now();
  const ids = [];
  const uris = [];
  const scores = [];
  for (let i = 0; i < FILES; i++) {
    const uri = `file:///bench/load/img_${String(i).padStart(5, '0')}.jpg`;
    uris.push(uri);
    ids.push(createHash('sha256').update(`${datasetId}\n${uri}`).digest('hex'));
    scores.push(Math.round(Math.random() * 1000) / 1000);
  }
  await db.query('BEGIN');
  await db.query(
    `INSERT INTO "File" (id, "datasetId", uri, status, filename, size, "imageWidth", "imageHeight", "imageScore", "scoreDetails", "contentVersion", "clusteredVersion", "updatedAt")
     SELECT x.id, $1, x.uri, 'Indexed', regexp_replace(x.uri, '^.*/', ''), 123456, 1024, 768, x.score,
            jsonb_build_object('Sharpness', x.score, 'Exposure', 0.5, 'Resolution', 0.8), 1, 1, now()
     FROM unnest($2::text[], $3::text[], $4::float8[]) AS x(id, uri, score)`,
    [datasetId, ids, uris, scores],
  );
  const clusterIds = [];
  const memberFiles = [];
  const memberClusters = [];
  for (let at = 0, n = 0; at < FILES; n++) {
    const size = Math.min(2 + (n % 4), FILES - at);
    const clusterId = `SimilarImageCluster-${randomUUID()}`;
    clusterIds.push(clusterId);
    for (let k = 0; k < size; k++) {
      memberFiles.push(ids[at + k]);
      memberClusters.push(clusterId);
    }
    at += size;
  }
  await db.query(
    `INSERT INTO "SimilarImageCluster" (id, "datasetId", "createdAt", "updatedAt")
     SELECT x.id, $1, now() - (x.n || ' seconds')::interval, now() - (x.n || ' seconds')::interval FROM unnest($2::text[]) WITH ORDINALITY AS x(id, n)`,
    [datasetId, clusterIds],
  );
  await db.query(`INSERT INTO "SimilarImageClusterMember" ("fileId", "clusterId") SELECT * FROM unnest($1::text[], $2::text[])`, [memberFiles, memberClusters]);
  const taskIds = Array.from({ length: TASKS }, () => `IndexFileMeta-${randomUUID()}`);
  await db.query(
    `INSERT INTO "Task" (id, "projectId", "datasetName", "taskType", status, progress, "requestId", "eventId", "requestDefinition", result, "startTime", "endTime", "expiresAt", "eventPublishedAt")
     SELECT x.id, $1, $2, 'IndexFileMeta', 'Succeeded', 100, 'BENCH-REQUEST', 'bench-' || md5(x.id), '{}'::jsonb,
            jsonb_build_object('Files', jsonb_build_array(jsonb_build_object('URI', 'file:///bench/load/img_00000.jpg', 'Error', ''))),
            now() - interval '1 minute', now(), now() + interval '7 days', now()
     FROM unnest($3::text[]) AS x(id)`,
    [projectId, (await db.query('SELECT name FROM "Dataset" WHERE id = $1', [datasetId])).rows[0].name, taskIds],
  );
  await db.query('COMMIT');
  await db.query('ANALYZE "File", "SimilarImageCluster", "SimilarImageClusterMember", "Task"');
  return { taskIds, clusters: clusterIds.length, ms: performance.now() - started };
}

/** Drives the calls and measures where the CPU went meanwhile: the gateway, this load generator, everything else. */
async function drive(url, key, title, bodies, seconds = duration, gatewayPid, pacing = 'aligned') {
  const before = { gateway: processCpuMs(gatewayPid), self: process.cpuUsage(), machine: machineBusyMs() };
  const result = await autocannonRun(url, key, title, bodies, seconds, pacing);
  const self = process.cpuUsage(before.self);
  const selfMs = (self.user + self.system) / 1000;
  const gatewayMs = processCpuMs(gatewayPid) - before.gateway;
  const machineMs = machineBusyMs() - before.machine;
  const perRequest = (ms) => (Number.isFinite(ms) ? `${(ms / Math.max(1, result.requests.total)).toFixed(2)} ms` : 'n/a');
  result.cpu = `CPU per request: gateway ${perRequest(gatewayMs)}, load generator ${perRequest(selfMs)}, rest of the machine (PostgreSQL, Redis, others) ${perRequest(machineMs - gatewayMs - selfMs)}; machine ${((machineMs / (seconds * 1000)) * 50).toFixed(0)} % busy`;
  return result;
}

/** The q-quantile (0..1) of ascending `sorted`, nearest rank. */
function quantile(sorted, q) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
}

/**
 * One autocannon run at `rate` over `connections` connections. autocannon paces each connection per second: at every
 * second's start each sends its share back to back, then waits, so with `aligned` pacing all connections fire
 * together — a burst of `connections` concurrent calls each second. `staggered` runs one single-connection autocannon
 * per connection, their seconds offset evenly, as independent clients would arrive: the same rate and connections.
 */
async function autocannonRun(url, key, title, bodies, seconds, pacing) {
  const connections = Number(args.connections);
  // Every response's own latency (autocannon's summary adds coordinated-omission samples with an expected interval of
  // ceil(1 / per-connection rate) ms, 1 ms here, so it is not the responses' distribution).
  const responseMs = [];
  let next = 0;
  const one = (options, delayMs) =>
    new Promise((resolve, reject) =>
      setTimeout(() => {
        const instance = autocannon(
          {
            url,
            title,
            method: 'POST',
            duration: seconds,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
            ...options,
          },
          (err, result) => (err ? reject(err) : resolve(result)),
        );
        instance.on('response', (_client, _status, _bytes, ms) => responseMs.push(ms));
      }, delayMs),
    );
  const runs =
    pacing === 'aligned'
      ? [await one({ connections, overallRate: rate }, 0)]
      : await Promise.all(
          Array.from({ length: connections }, (_, i) => {
            const share = Math.floor(rate / connections) + (i < rate % connections ? 1 : 0);
            return one({ connections: 1, overallRate: share }, (i * 1000) / connections);
          }),
        );
  responseMs.sort((a, b) => a - b);
  const sum = (pick) => runs.reduce((a, r) => a + pick(r), 0);
  return {
    requests: { total: sum((r) => r.requests.total), average: sum((r) => r.requests.total) / seconds },
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    latency: pacing === 'aligned' ? runs[0].latency : undefined,
    responses: { p50: quantile(responseMs, 0.5), p99: quantile(responseMs, 0.99), max: responseMs.at(-1) ?? NaN },
  };
}

function line(title, r) {
  const errors = r.errors + r.timeouts + r.non2xx;
  const verdict = r.responses.p99 <= TARGET.p99Ms && Math.abs(r.requests.average - rate) / rate < 0.05 && errors === 0 ? 'meets' : 'MISSES';
  const ms = (v) => `${v.toFixed(1).padStart(5)} ms`;
  return [
    `${title.padEnd(44)} ${r.requests.average.toFixed(0).padStart(5)} req/s  p50 ${ms(r.responses.p50)}  p99 ${ms(r.responses.p99)}  max ${ms(r.responses.max)}  errors ${errors} (non-2xx ${r.non2xx}, timeouts ${r.timeouts})  ${r.requests.total} requests — ${verdict} the target`,
    ...(r.latency ? [`    autocannon's summary (coordinated-omission corrected, see above): p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms`] : []),
    `    ${r.cpu}`,
  ].join('\n');
}

const adminKey = `bench-${randomBytes(16).toString('hex')}`;
await ensureDatabase(args.database);
const stack = await startStack({
  apps: ['gateway'],
  env: {
    DATABASE_URL: args.database,
    SECRETS_KEY: randomBytes(24).toString('hex'),
    ADMIN_API_KEY: adminKey,
    SIMCLUST_REGION: `load${randomBytes(3).toString('hex')}`,
    KEY_QUERIES_PER_SECOND: '1000000',
    LOG_LEVEL: args['log-level'],
    NODE_ENV: 'production',
  },
});
const db = new pg.Client({ connectionString: args.database });
await db.connect();
try {
  const client = new ImmClient(stack.url, adminKey);
  const ProjectName = `load_${randomBytes(4).toString('hex')}`;
  const DatasetName = 'photos';
  await client.ok('CreateProject', { ProjectName, ProjectQueriesPerSecond: 100_000 });
  await client.ok('CreateDataset', { ProjectName, DatasetName });
  const { rows } = await db.query('SELECT d.id, d."projectId" FROM "Dataset" d JOIN "Project" p ON p.id = d."projectId" WHERE p.name = $1', [ProjectName]);
  const seeded = await seed(db, rows[0].projectId, rows[0].id);
  console.log(`seeded ${FILES} files in ${seeded.clusters} clusters and ${TASKS} tasks in ${(seeded.ms / 1000).toFixed(1)} s; gateway LOG_LEVEL=${args['log-level']}`);

  const getTask = seeded.taskIds.map((TaskId) => JSON.stringify({ Action: 'GetTask', ProjectName, TaskType: 'IndexFileMeta', TaskId }));
  const check = await client.ok('GetTask', { ProjectName, TaskType: 'IndexFileMeta', TaskId: seeded.taskIds[0] });
  if (check.Status !== 'Succeeded') throw new Error(`GetTask answered ${JSON.stringify(check)}`);
  const maxResults = Number(args['max-results']);
  const query = [];
  for (let NextToken, page; query.length < Number(args.pages) && (query.length === 0 || NextToken); NextToken = page.NextToken) {
    const params = { ProjectName, DatasetName, MaxResults: maxResults, ...(NextToken ? { NextToken } : {}) };
    page = await client.ok('QuerySimilarImageClusters', params);
    query.push(JSON.stringify({ Action: 'QuerySimilarImageClusters', ...params }));
    if (query.length === 1) console.log(`QuerySimilarImageClusters answers ${page.SimilarImageClusters.length} clusters (${Buffer.byteLength(JSON.stringify(page))} bytes) per call`);
  }

  // A short warm-up: JIT, connection pool, the project-limit cache.
  await drive(stack.url, adminKey, 'warm-up', [...getTask.slice(0, 10), ...query], 3);
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores shared)`);
  const pacings = args.pacing.split(',').map((p) => p.trim());
  for (const pacing of pacings) if (!PACINGS.includes(pacing)) throw new Error(`--pacing: ${pacing} is not one of ${PACINGS.join(', ')}`);
  const gatewayPid = stack.app('gateway').pid;
  const title = `QuerySimilarImageClusters${query.length > 1 ? ` ×${query.length} pages` : ''}`;
  for (const pacing of pacings) {
    if (calls.has('GetTask')) console.log(line(`GetTask @ ${rate}/s, ${pacing}`, await drive(stack.url, adminKey, 'GetTask', getTask, duration, gatewayPid, pacing)));
    if (calls.has('QuerySimilarImageClusters')) console.log(line(`${title}, ${pacing}`, await drive(stack.url, adminKey, 'QuerySimilarImageClusters', query, duration, gatewayPid, pacing)));
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await db.query('DELETE FROM "Project" WHERE name = $1', [ProjectName]);
} finally {
  await db.end();
  await stack.stop();
}
