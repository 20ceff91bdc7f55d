// The real stack for end-to-end tests: the BUILT apps (`node apps/<app>/dist/main.js`) as child processes.
//
//   const stack = await startStack({ env: { SIMCLUST_REGION: `t${randomBytes(4).toString('hex')}`, ALLOWED_FILE_ROOTS: dir } });
//   const client = new ImmClient(stack.url);          // the gateway
//   await stack.kill('indexer', 'SIGKILL');           // resolves once the process has exited
//   await stack.restart('indexer');                   // same port and env; resolves once /health/ready answers 200
//   await stack.stop();                               // SIGTERM to all, SIGKILL after the grace period
//
// Every app gets fresh free ports (PORT, INDEXER_PORT, CLUSTERING_WORKER_PORT, NOTIFICATIONS_PORT), the test's
// environment (DATABASE_URL, SECRETS_KEY, ADMIN_API_KEY…) plus `env`; its stdout and stderr go to `<logDir>/<app>.log`
// (appended across restarts). A unique SIMCLUST_REGION keeps the stack's NATS subjects and consumers to itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'nats';
import { Streams } from '@simclust/contracts';

export const STACK_APPS = ['gateway', 'indexer', 'clustering-worker', 'notifications'] as const;
export type StackAppName = (typeof STACK_APPS)[number];

const PORT_VARIABLE: Record<StackAppName, string> = {
  gateway: 'PORT',
  indexer: 'INDEXER_PORT',
  'clustering-worker': 'CLUSTERING_WORKER_PORT',
  notifications: 'NOTIFICATIONS_PORT',
};

/** The repository root (this file is libs/testing/src or libs/testing/dist). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export interface StackOptions {
  /** Which apps to run [all four]. */
  apps?: readonly StackAppName[];
  /** Variables for every app, over the test's own environment (undefined removes one). */
  env?: Record<string, string | undefined>;
  /** Variables for one app only, over `env`. */
  appEnv?: Partial<Record<StackAppName, Record<string, string | undefined>>>;
  /** How long an app may take to answer /health/ready [60 s]. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL [15 s]. */
  stopTimeoutMs?: number;
  /** Where the logs go [a new directory under the OS temp dir]. */
  logDir?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StackApp {
  readonly name: StackAppName;
  readonly port: number;
  /** http://127.0.0.1:<port>: the API for the gateway, /health and /metrics for every app. */
  readonly url: string;
  readonly logFile: string;
  /** The current process id (changes on restart); undefined while the app is not running. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Sends `signal` [SIGKILL] and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<ExitStatus>;
  /** Stops the app if it runs (SIGTERM, then SIGKILL), starts it again on the same port, waits until it is ready. */
  restart(): Promise<void>;
  /** Resolves when the current process exits (for an app that is expected to die on its own). */
  exited(): Promise<ExitStatus>;
  /** Everything the app has written so far, across restarts. */
  logs(): string;
}

export interface Stack {
  /** The gateway's URL ('' when the stack runs without a gateway). */
  readonly url: string;
  readonly apps: Readonly<Partial<Record<StackAppName, StackApp>>>;
  /** The environment every app was started with (before appEnv). */
  readonly env: Readonly<Record<string, string>>;
  readonly logDir: string;
  app(name: StackAppName): StackApp;
  kill(name: StackAppName, signal?: NodeJS.Signals): Promise<ExitStatus>;
  restart(name: StackAppName): Promise<void>;
  /** SIGTERM to every running app, SIGKILL to those still running after stopTimeoutMs; resolves when all are gone. */
  stop(): Promise<void>;
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AppProcess {
  child: ChildProcess;
  exit: Promise<ExitStatus>;
}

const isRunning = (p: AppProcess): boolean => p.child.exitCode === null && p.child.signalCode === null;

class ManagedApp implements StackApp {
  private current: AppProcess | undefined;
  readonly url: string;
  readonly logFile: string;

  constructor(
    readonly name: StackAppName,
    readonly port: number,
    private readonly env: Record<string, string>,
    logDir: string,
    private readonly readyTimeoutMs: number,
    private readonly stopTimeoutMs: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.logFile = join(logDir, `${name}.log`);
  }

  get pid(): number | undefined {
    return this.current && isRunning(this.current) ? this.current.child.pid : undefined;
  }

  get running(): boolean {
    return !!this.current && isRunning(this.current);
  }

  async start(): Promise<void> {
    if (this.current && isRunning(this.current)) throw new Error(`${this.name} is already running (pid ${this.current.child.pid})`);
    const main = join(REPO_ROOT, 'apps', this.name, 'dist', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: build the app first (npx tsc -b apps/${this.name}/tsconfig.app.json)`);
    // The child writes straight into the file: its log survives this process being busy or gone.
    const fd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      writeSync(fd, `--- ${new Date().toISOString()} starting ${this.name} on port ${this.port}\n`);
      child = spawn(process.execPath, [main], { cwd: REPO_ROOT, env: this.env, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const exit = new Promise<ExitStatus>((resolveExit) => {
      child.once('exit', (code, signal) => resolveExit({ code, signal }));
      // A spawn that fails (ENOENT…) emits 'error' and possibly no 'exit'.
      child.once('error', () => resolveExit({ code: child.exitCode ?? -1, signal: null }));
    });
    const started = { child, exit };
    this.current = started;
    await this.waitReady(started);
  }

  private async waitReady(started: AppProcess): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    let exited: ExitStatus | undefined;
    void started.exit.then((status) => (exited = status));
    for (;;) {
      if (exited) throw new Error(`${this.name} exited before it was ready (${describe(exited)}); its log ends:\n${this.tail()}`);
      try {
        const res = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        started.child.kill('SIGKILL');
        await started.exit;
        throw new Error(`${this.name} did not answer /health/ready with 200 within ${this.readyTimeoutMs} ms; its log ends:\n${this.tail()}`);
      }
      await sleep(150);
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus> {
    const current = this.current;
    if (!current) throw new Error(`${this.name} was never started`);
    if (isRunning(current)) current.child.kill(signal);
    return current.exit;
  }

  /** SIGTERM, then SIGKILL if it has not exited within stopTimeoutMs. */
  async stop(): Promise<ExitStatus | undefined> {
    const current = this.current;
    if (!current || !isRunning(current)) return current?.exit;
    current.child.kill('SIGTERM');
    const timer = setTimeout(() => current.child.kill('SIGKILL'), this.stopTimeoutMs);
    try {
      return await current.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  exited(): Promise<ExitStatus> {
    if (!this.current) throw new Error(`${this.name} was never started`);
    return this.current.exit;
  }

  /** Synchronous, for process 'exit': a test run that ends without stop() leaves no app behind. */
  killNow(): void {
    if (this.current && isRunning(this.current)) this.current.child.kill('SIGKILL');
  }

  logs(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  private tail(lines = 30): string {
    return this.logs().trimEnd().split('\n').slice(-lines).join('\n');
  }
}

function describe(status: ExitStatus | undefined): string {
  if (!status) return 'still running';
  return status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
}

/** Starts the built apps with fresh ports and waits until every one is ready; see the comment at the top. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const names = options.apps ?? STACK_APPS;
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'simclust-stack-'));
  const ports = Object.fromEntries(await Promise.all(STACK_APPS.map(async (name) => [name, await freePort()] as const))) as Record<StackAppName, number>;
  const env: Record<string, string> = {};
  const merged: Record<string, string | undefined> = {
    ...process.env,
    ...Object.fromEntries(STACK_APPS.map((name) => [PORT_VARIABLE[name], String(ports[name])])),
    ...options.env,
  };
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = value;

  const apps = new Map<StackAppName, ManagedApp>();
  for (const name of names) {
    const appEnv = { ...env };
    for (const [key, value] of Object.entries(options.appEnv?.[name] ?? {})) {
      if (value === undefined) delete appEnv[key];
      else appEnv[key] = value;
    }
    apps.set(name, new ManagedApp(name, ports[name], appEnv, logDir, options.readyTimeoutMs ?? 60_000, options.stopTimeoutMs ?? 15_000));
  }

  // A test run that ends without stop() (a crash, a timeout) must not leave apps consuming the shared NATS.
  const onExit = () => {
    for (const app of apps.values()) app.killNow();
  };
  process.on('exit', onExit);

  const stop = async () => {
    await Promise.all([...apps.values()].map((app) => app.stop()));
    process.off('exit', onExit);
    await deleteRegionConsumers(env);
  };

  const started = await Promise.allSettled([...apps.values()].map((app) => app.start()));
  const failures = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length) {
    await stop();
    throw new Error(`the stack did not start (logs in ${logDir}):\n${failures.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason))).join('\n')}`);
  }

  const app = (name: StackAppName): StackApp => {
    const found = apps.get(name);
    if (!found) throw new Error(`${name} is not part of this stack (apps: ${[...apps.keys()].join(', ')})`);
    return found;
  };
  return {
    url: apps.get('gateway')?.url ?? '',
    apps: Object.fromEntries(apps),
    env,
    logDir,
    app,
    kill: (name, signal) => app(name).kill(signal),
    restart: (name) => app(name).restart(),
    stop,
  };
}

/** A stack with its own SIMCLUST_REGION leaves its durable consumers behind in the shared NATS: remove them. */
async function deleteRegionConsumers(env: Record<string, string>): Promise<void> {
  const region = env.SIMCLUST_REGION;
  if (!region || region === 'local') return;
  await deleteInstallationConsumers(region, env.SIMCLUST_ACCOUNT ?? '0', env.NATS_URL);
}

/** Removes the durable consumers of one installation (region, account) from a shared NATS. */
export async function deleteInstallationConsumers(region: string, account: string, natsUrl = 'nats://127.0.0.1:4222'): Promise<void> {
  const suffix = `_${region}_${account}`;
  const nc = await connect({ servers: natsUrl, timeout: 2_000 }).catch(() => undefined);
  if (!nc) return;
  try {
    const jsm = await nc.jetstreamManager();
    for (const stream of Object.values(Streams)) {
      for await (const consumer of jsm.consumers.list(stream.name)) {
        if (consumer.name.endsWith(suffix)) await jsm.consumers.delete(stream.name, consumer.name).catch(() => undefined);
      }
    }
  } finally {
    await nc.close();
  }
}
