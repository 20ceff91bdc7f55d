// The apps' container entrypoints, run outside Docker exactly as `npm run start:<app>` runs them (contract.md):
// each built app starts against the real services, answers /health/live and /health/ready on its port, and
// stops cleanly on SIGTERM. Needs the apps built (`npm test` builds before testing).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrl, dropDatabase, throwawayName } from './support/pg';
import { freePort, REPO_ROOT, run } from './support/run';

const APPS = { gateway: 'PORT', indexer: 'INDEXER_PORT', 'clustering-worker': 'CLUSTERING_WORKER_PORT', notifications: 'NOTIFICATIONS_PORT' } as const;
type App = keyof typeof APPS;

const db = throwawayName('simclust_entrypoints');
const dataDir = mkdtempSync(join(tmpdir(), 'simclust-entrypoints-'));
const ports: Record<string, string> = {};
const env: Record<string, string> = {
  DATABASE_URL: databaseUrl(db),
  SECRETS_KEY: 'entrypoints-test-secrets-key-0123456789abcdef',
  ADMIN_API_KEY: 'entrypoints-test-admin-key-0123456789',
  ALLOWED_FILE_ROOTS: dataDir,
  THUMBNAIL_DIR: join(dataDir, 'thumbnails'),
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
};
const started = new Map<App, { child: ChildProcess; output: () => string; exited: Promise<number | null> }>();

beforeAll(async () => {
  for (const portVar of Object.values(APPS)) ports[portVar] = String(await freePort());
  Object.assign(env, ports);
  const migrated = await run('bash', ['docker/entrypoints/migrate.sh'], { DATABASE_URL: env.DATABASE_URL });
  if (migrated.code !== 0) throw new Error(`migrate.sh failed: ${migrated.stderr}`);
  for (const app of Object.keys(APPS) as App[]) {
    const child = spawn('bash', [`docker/entrypoints/${app}.sh`], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    started.set(app, { child, output: () => out, exited: new Promise((resolve) => child.on('close', (code) => resolve(code))) });
  }
});

afterAll(async () => {
  for (const { child } of started.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([...started.values()].map((s) => s.exited));
  await dropDatabase(db);
  rmSync(dataDir, { recursive: true, force: true });
});

async function healthy(app: App, path: string): Promise<number> {
  const url = `http://127.0.0.1:${ports[APPS[app]]}${path}`;
  const { child } = started.get(app)!;
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return res.status;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return -1;
}

describe.each(Object.keys(APPS) as App[])('%s.sh', (app) => {
  test('starts the built app, which answers /health/live and /health/ready on its port', async () => {
    const live = await healthy(app, '/health/live');
    if (live !== 200) throw new Error(`${app} did not become live; its output:\n${started.get(app)!.output()}`);
    expect(await healthy(app, '/health/ready')).toBe(200);
  }, 30000);

  test('stops cleanly on SIGTERM', async () => {
    const { child, exited, output } = started.get(app)!;
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20000).unref())]);
    if (code !== 0) throw new Error(`${app} exited with ${String(code)} after SIGTERM; its output:\n${output()}`);
  }, 25000);
});
