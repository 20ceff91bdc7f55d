// tools/scripts/ensure-services.sh and start-all.mjs, run as `npm run up`, `npm test` and `.ci/run` run them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT, run } from './support/run';

const SERVICES_ENV = { DATABASE_URL: undefined, REDIS_URL: undefined, NATS_URL: undefined };

describe('ensure-services.sh', () => {
  test('is a fast no-op when PostgreSQL, Redis and NATS with JetStream already answer', async () => {
    const started = Date.now();
    const result = await run('bash', ['tools/scripts/ensure-services.sh'], { ...SERVICES_ENV, CI: 'true' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/starting|apt-get|docker/);
    expect(result.stdout).toContain('NATS+JetStream (127.0.0.1:4222)');
    // Generous for a loaded CI machine; a wait loop or an install would take far longer.
    expect(Date.now() - started).toBeLessThan(10000);
  });

  test('fails with one clear line for a service on a remote host that does not answer', async () => {
    const result = await run('bash', ['tools/scripts/ensure-services.sh'], { ...SERVICES_ENV, REDIS_URL: 'redis://no-such-host.invalid:6379' });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual(['ensure-services: error: Redis does not answer on no-such-host.invalid:6379 (not a local address, so not starting one)']);
  });

  describe('a NATS without JetStream', () => {
    let nats: ChildProcess;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      nats = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      for (let i = 0; i < 150; i++) {
        if ((await run('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`])).code === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('nats-server did not start');
    });
    afterAll(() => {
      nats.kill('SIGTERM');
    });

    test('is refused, not mistaken for a working one', async () => {
      const result = await run('bash', ['tools/scripts/ensure-services.sh'], { ...SERVICES_ENV, NATS_URL: `nats://127.0.0.1:${port}` });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`NATS answers on 127.0.0.1:${port} but without JetStream`);
    });
  });

  describe('an installed but stopped Redis', () => {
    let port: number;
    beforeAll(async () => {
      port = await freePort();
    });
    afterAll(() => {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
    });

    test('is started with the machine\'s start command and answers before the script returns', async () => {
      expect(spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout.toString()).not.toContain('PONG');
      const result = await run('bash', ['tools/scripts/ensure-services.sh'], { ...SERVICES_ENV, REDIS_URL: `redis://127.0.0.1:${port}` });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('starting Redis');
      expect(result.stdout).toContain(`Redis answers on 127.0.0.1:${port}`);
      expect(spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout.toString()).toContain('PONG');
    });
  });
});

describe('start-all.mjs', () => {
  const APPS = ['gateway', 'indexer', 'clustering-worker', 'notifications'];
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'simclust-start-all-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // Stand-in entrypoints: each says hello, and says goodbye when asked to stop.
  function entrypoints(overrides: Record<string, string> = {}) {
    for (const app of APPS) {
      const body = overrides[app] ?? `trap 'echo "bye from ${app}"; exit 0' TERM INT; echo "hello from ${app}"; while true; do sleep 0.05; done`;
      writeFileSync(join(dir, `${app}.sh`), `#!/usr/bin/env bash\n${body}\n`);
      chmodSync(join(dir, `${app}.sh`), 0o755);
    }
  }

  async function startAll(): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, ['tools/scripts/start-all.mjs'], {
      cwd: REPO_ROOT,
      env: { ...process.env, START_ALL_ENTRYPOINTS: dir, PORT: String(await freePort()), START_ALL_KILL_AFTER_MS: '3000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, output: () => out, exited };
  }

  async function until(check: () => boolean) {
    for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  }

  test('prefixes each line with its app, and on SIGTERM stops every app and exits 0', async () => {
    entrypoints();
    const { child, output, exited } = await startAll();
    await until(() => APPS.every((a) => output().includes(`hello from ${a}`)));
    for (const app of APPS) expect(output()).toMatch(new RegExp(`^${app} +\\| hello from ${app}$`, 'm'));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const app of APPS) expect(output()).toMatch(new RegExp(`^${app} +\\| bye from ${app}$`, 'm'));
  });

  test('when one app dies on its own, stops the others and exits non-zero', async () => {
    entrypoints({ indexer: `until [[ -f ${dir}/die ]]; do sleep 0.05; done; echo boom >&2; exit 3` });
    const { output, exited } = await startAll();
    // The indexer dies only once every other app is up, so each is asked to stop rather than never started.
    await until(() => APPS.filter((a) => a !== 'indexer').every((a) => output().includes(`hello from ${a}`)));
    writeFileSync(join(dir, 'die'), '');
    expect(await exited).toBe(1);
    expect(output()).toContain('start-all: indexer exited unexpectedly (code 3); stopping the others');
    for (const app of APPS.filter((a) => a !== 'indexer')) expect(output()).toContain(`bye from ${app}`);
  });

  test('kills an app that ignores SIGTERM after the grace period', async () => {
    entrypoints({ notifications: `trap '' TERM INT; echo "hello from notifications"; while true; do sleep 0.05; done` });
    const { child, output, exited } = await startAll();
    await until(() => output().includes('hello from notifications'));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output()).toContain('start-all: notifications did not stop within 3000 ms; killing it');
  }, 15000);
});
