// Shared by the index, quality and pipeline benchmarks: starts the built apps (gateway + indexer + clustering worker by
// default, or the `apps` given) or uses a running gateway given --endpoint/--key, and drives them through the IMM API.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';
import { connect } from 'nats';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const APPS = ['gateway', 'indexer', 'clustering-worker'];
const PORT_VARIABLE = { gateway: 'PORT', indexer: 'INDEXER_PORT', 'clustering-worker': 'CLUSTERING_WORKER_PORT' };

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become ready`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * Starts the built apps (`apps`, the gateway first) on free ports with `allowedRoots` readable, or connects to `endpoint`.
 * Returns {api, stop, env, pids}; the apps' stderr goes to `log`, their JSON log lines (stdout) to `onLogLine(app, line)`.
 */
export async function startStack({ endpoint, key, apps = APPS, allowedRoots = [], log = () => undefined, onLogLine = () => undefined, logLevel } = {}) {
  const fileEnv = existsSync(join(ROOT, '.env.local')) ? parse(readFileSync(join(ROOT, '.env.local'))) : {};
  if (endpoint) return { api: new ImmApi(endpoint, key ?? process.env.ADMIN_API_KEY ?? fileEnv.ADMIN_API_KEY), stop: async () => undefined, env: { ...fileEnv, ...process.env }, pids: {} };

  for (const app of apps) {
    if (!existsSync(join(ROOT, 'apps', app, 'dist', 'main.js'))) throw new Error(`apps/${app}/dist/main.js is missing: run \`npm run build\` first`);
  }
  const migrated = spawnSync(process.execPath, [join(ROOT, 'tools/migrate/migrate.mjs')], { cwd: ROOT, encoding: 'utf8', env: { ...fileEnv, ...process.env } });
  if (migrated.status !== 0) throw new Error(`migrations failed: ${migrated.stderr}`);

  const ports = {};
  for (const app of apps) ports[PORT_VARIABLE[app]] = await freePort();
  const roots = [...new Set([...(process.env.ALLOWED_FILE_ROOTS ?? fileEnv.ALLOWED_FILE_ROOTS ?? join(ROOT, 'data')).split(','), ...allowedRoots])].filter(Boolean);
  // An account of its own: durable consumers are per region and account, so nothing else on this NATS takes its commands.
  const account = `bench-${process.pid}`;
  const env = {
    ...fileEnv,
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    SIMCLUST_ACCOUNT: account,
    ALLOWED_FILE_ROOTS: roots.join(','),
    LOG_LEVEL: logLevel ?? process.env.LOG_LEVEL ?? 'warn',
  };
  const children = apps.map((app) => {
    const child = spawn(process.execPath, [join(ROOT, 'apps', app, 'dist', 'main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.on('data', (chunk) => log(`${app}: ${chunk}`));
    createInterface({ input: child.stdout }).on('line', (line) => onLogLine(app, line));
    return child;
  });
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
          }),
      ),
    );
    await deleteConsumers(env.NATS_URL ?? 'nats://127.0.0.1:4222', `_${env.SIMCLUST_REGION ?? 'local'}_${account}`);
  };
  try {
    for (const app of apps) await waitHealthy(`http://127.0.0.1:${ports[PORT_VARIABLE[app]]}`);
  } catch (err) {
    await stop();
    throw err;
  }
  const pids = Object.fromEntries(apps.map((app, i) => [app, children[i].pid]));
  return { api: new ImmApi(`http://127.0.0.1:${ports.PORT}`, env.ADMIN_API_KEY), stop, env, pids };
}

/** Removes the stack's durable consumers, which would otherwise stay in the shared NATS. */
async function deleteConsumers(natsUrl, suffix) {
  const nc = await connect({ servers: natsUrl, timeout: 2_000 }).catch(() => undefined);
  if (!nc) return;
  try {
    const jsm = await nc.jetstreamManager();
    for (const stream of ['SIMCLUST_COMMANDS', 'SIMCLUST_EVENTS']) {
      for await (const consumer of jsm.consumers.list(stream)) {
        if (consumer.name.endsWith(suffix)) await jsm.consumers.delete(stream, consumer.name).catch(() => undefined);
      }
    }
  } finally {
    await nc.close();
  }
}

/** A minimal IMM client (JSON body, Bearer key). */
export class ImmApi {
  constructor(baseUrl, key) {
    this.baseUrl = baseUrl;
    this.key = key;
  }

  async call(Action, params = {}) {
    const res = await fetch(`${this.baseUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}` },
      body: JSON.stringify({ Action, ...params }),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`${Action} answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  }

  async waitTask(ProjectName, TaskType, TaskId, timeoutMs = 3_600_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = await this.call('GetTask', { ProjectName, TaskType, TaskId });
      if (task.Status !== 'Running') return task;
      if (Date.now() > deadline) throw new Error(`${TaskType} ${TaskId} still running after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Indexes file:// URIs in batches of 100 with up to `inFlight` batches at once (each file's outcome is on the file). */
  async indexAll(key, paths, { inFlight = 4, onProgress = () => undefined } = {}) {
    const batches = [];
    for (let i = 0; i < paths.length; i += 100) batches.push(paths.slice(i, i + 100));
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        const { TaskId } = await this.call('BatchIndexFileMeta', { ...key, Files: batch.map((p) => ({ URI: `file://${p}` })) });
        // A batch takes seconds; one still running after 10 minutes lost its command (e.g. to another consumer).
        await this.waitTask(key.ProjectName, 'IndexFileMeta', TaskId, 600_000);
        done += batch.length;
        onProgress(done);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  }

  async cluster(key) {
    const { TaskId } = await this.call('CreateSimilarImageClusteringTask', key);
    return this.waitTask(key.ProjectName, 'SimilarImageClustering', TaskId);
  }

  async allClusters(key) {
    const all = [];
    let NextToken;
    do {
      const page = await this.call('QuerySimilarImageClusters', { ...key, NextToken });
      all.push(...page.SimilarImageClusters);
      NextToken = page.NextToken;
    } while (NextToken);
    return all;
  }
}
