// The gateway as an operator meets it: the BUILT app refuses a bad configuration with one line, serves health,
// metrics and docs without a key, and finishes an in-flight request before exiting 0 on SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ImmClient } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';

// Real services on a shared 2-core machine: starting the gateway alone can take seconds under load.
jest.setTimeout(30_000);

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'gateway', 'dist', 'main.js');

interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function startBuilt(env: Record<string, string>): Child {
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() }))),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const running: Child[] = [];

beforeAll(() => {
  // `npm test` builds first; a direct jest run on a fresh clone builds here.
  if (!existsSync(MAIN)) {
    const built = spawnSync('npx', ['tsc', '-b', 'apps/gateway/tsconfig.app.json'], { cwd: ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`the gateway does not build:\n${built.stdout}${built.stderr}`);
  }
}, 120_000);

afterAll(async () => {
  for (const child of running) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await Promise.all(running.map((c) => c.exited));
});

describe('the built gateway', () => {
  it('exits non-zero with exactly one line on stderr naming PORT when PORT=abc', async () => {
    const child = startBuilt({ PORT: 'abc' });
    running.push(child);
    const { code } = await child.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const lines = child.stderr().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PORT must be a port number/);
    expect(child.stdout()).toBe('');
  }, 20_000);

  it('finishes a request in flight when SIGTERM arrives, refuses new ones, and exits 0 within the grace period', async () => {
    const port = await freePort();
    const graceMs = 10_000;
    const child = startBuilt({ PORT: String(port), SHUTDOWN_GRACE_MS: String(graceMs) });
    running.push(child);
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const live = await fetch(`${base}/health/live`).then((r) => r.status, () => 0);
      if (live === 200) break;
      if (i > 100 || child.process.exitCode !== null) throw new Error(`the gateway did not start:\n${child.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Half a request body is on the wire when the signal comes, so the request is certainly in flight.
    const body = JSON.stringify({ Action: 'ListProjects', MaxResults: 1 });
    const req = request(`${base}/`, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${process.env.ADMIN_API_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 200));
    const signalledAt = Date.now();
    child.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const refused = await fetch(`${base}/health/live`).then(() => false, () => true);
    req.end(body.slice(10));

    const reply = await answer;
    expect(refused).toBe(true);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toHaveProperty('Projects');
    const { code, at } = await child.exited;
    expect(code).toBe(0);
    expect(at - signalledAt).toBeLessThan(graceMs);
    expect(child.stderr()).toContain('SIGTERM received');
  }, 30_000);
});

describe('ops endpoints', () => {
  let gateway: RunningGateway;
  let client: ImmClient;

  beforeAll(async () => {
    ({ gateway, client } = await startTestGateway());
  });
  afterAll(() => gateway.close());

  it('/health/live and /health/ready answer 200 without a key, with postgres, redis and nats up', async () => {
    const live = await fetch(`${gateway.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' }, nats: { status: 'up' } } });
  });

  it('/metrics is Prometheus text without a key and counts API calls by action and code', async () => {
    await client.ok('ListProjects', { MaxResults: 1 });
    await client.call('GetProject', {});
    const res = await fetch(`${gateway.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE simclust_api_requests_total counter');
    expect(text).toMatch(/simclust_api_requests_total\{[^}]*action="ListProjects"[^}]*code="OK"[^}]*\} [1-9]/);
    expect(text).toMatch(/simclust_api_requests_total\{[^}]*action="GetProject"[^}]*code="MissingProjectName"[^}]*\} [1-9]/);
    expect(text).toContain('simclust_api_request_seconds_bucket');
  });

  it('/docs is open too, while the API is not', async () => {
    expect((await fetch(`${gateway.url}/docs`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/docs/json`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/?Action=ListProjects`)).status).toBe(401);
  });
});
