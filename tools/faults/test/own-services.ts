// Redis, NATS (JetStream) and PostgreSQL of the fault suite's own, on spare loopback ports, started from the installed
// binaries so the suite can kill and restart each one without disturbing the shared services colleagues use.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, freePort } from '@simclust/testing';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const NATS_SERVER = '/usr/sbin/nats-server';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** Resolves once something accepts TCP connections on the port, or throws after timeoutMs. */
async function waitForPort(port: number, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Runs a command to completion (bounded), throwing with its output when it fails. */
function run(command: string, args: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** A server child process whose output goes to a log file; kill() resolves once it has exited. */
class ServerProcess {
  private child?: ChildProcess;
  private exit?: Promise<void>;

  constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly logFile: string,
  ) {}

  start(): void {
    const fd = openSync(this.logFile, 'a');
    try {
      this.child = spawn(this.command, this.args, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    await Promise.race([this.exit, sleep(10_000)]);
  }

  killNow(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export interface OwnServices {
  redisUrl: string;
  natsUrl: string;
  databaseUrl: string;
  redisPort: number;
  /** SIGKILL and start again; Redis runs without persistence, so it comes back empty. */
  restartRedis(downMs?: number): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  /** SIGKILL and start again on the same JetStream store. */
  stopNats(): Promise<void>;
  startNats(): Promise<void>;
  /** Immediate shutdown (as a crash: no checkpoint) and start again. */
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** Stops all three and removes their files; safe to call twice and after a failed start. */
  stop(): Promise<void>;
}

/** Starts the three services, migrates the database, and makes sure they die with this process. */
export async function startOwnServices(): Promise<OwnServices> {
  const dir = mkdtempSync(join(tmpdir(), 'simclust-faults-'));
  // mktemp's 0700 would keep the postgres user out.
  chmodSync(dir, 0o755);
  const [redisPort, natsPort, pgPort] = [await freePort(), await freePort(), await freePort()];

  const redis = new ServerProcess('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], join(dir, 'redis.log'));
  const nats = new ServerProcess(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(dir, 'nats-js')], join(dir, 'nats.log'));
  const pgDir = join(dir, 'pg');
  const pgData = join(pgDir, 'data');
  const pgCtl = (...args: string[]) => run('su', ['postgres', '-c', `${PG_BIN}/pg_ctl -D ${pgData} -l ${pgDir}/pg.log ${args.join(' ')}`]);
  let pgStarted = false;

  const startRedis = async () => {
    redis.start();
    await waitForPort(redisPort, 'redis');
  };
  const startNats = async () => {
    nats.start();
    await waitForPort(natsPort, 'nats');
  };
  const startPostgres = async () => {
    pgCtl('-w', '-t', '30', '-o', `"-p ${pgPort} -k ${pgDir}/sock -c listen_addresses=127.0.0.1 -c fsync=off"`, 'start');
    pgStarted = true;
  };
  const stopPostgres = async () => {
    if (!pgStarted) return;
    pgCtl('-w', '-t', '30', '-m', 'immediate', 'stop');
    pgStarted = false;
  };

  const killNow = () => {
    redis.killNow();
    nats.killNow();
    if (pgStarted) spawnSync('su', ['postgres', '-c', `${PG_BIN}/pg_ctl -D ${pgData} -m immediate stop`], { timeout: 20_000 });
  };
  process.on('exit', killNow);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await redis.kill('SIGKILL');
    await nats.kill('SIGKILL');
    await stopPostgres().catch(() => undefined);
    process.off('exit', killNow);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    mkdirSync(join(pgDir, 'sock'), { recursive: true });
    run('chown', ['-R', 'postgres:postgres', pgDir]);
    run('su', ['postgres', '-c', `${PG_BIN}/initdb -D ${pgData} -U postgres --auth=trust -E UTF8 --locale=C.UTF-8`]);
    await Promise.all([startRedis(), startNats(), startPostgres()]);
    const databaseUrl = `postgresql://postgres@127.0.0.1:${pgPort}/postgres`;
    run(process.execPath, [join(REPO_ROOT, 'tools', 'migrate', 'migrate.mjs')], 60_000, { DATABASE_URL: databaseUrl });
    return {
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      natsUrl: `nats://127.0.0.1:${natsPort}`,
      databaseUrl,
      redisPort,
      restartRedis: async (downMs = 0) => {
        await redis.kill('SIGKILL');
        await sleep(downMs);
        await startRedis();
      },
      stopRedis: () => redis.kill('SIGKILL'),
      startRedis,
      stopNats: () => nats.kill('SIGKILL'),
      startNats,
      stopPostgres,
      startPostgres,
      stop,
    };
  } catch (err) {
    const logs = ['redis.log', 'nats.log', 'pg/pg.log'].map((f) => {
      try {
        return `${f}:\n${readFileSync(join(dir, f), 'utf8').slice(-2000)}`;
      } catch {
        return `${f}: (none)`;
      }
    });
    await stop();
    throw new Error(`the fault suite's services did not start: ${(err as Error).message}\n${logs.join('\n')}`);
  }
}
