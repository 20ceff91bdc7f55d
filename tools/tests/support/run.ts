import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command from the repository root and collects its output. */
export function run(command: string, args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 20000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line no-restricted-properties -- children inherit the test's environment
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Calls an export of tools/migrate/migrate.mjs (an ES module, which jest's CommonJS runtime cannot import). */
export function callMigrate(fn: 'migrate' | 'status', args: unknown[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const script = `import * as m from ${JSON.stringify(join(REPO_ROOT, 'tools/migrate/migrate.mjs'))};
const out = await m[${JSON.stringify(fn)}](...${JSON.stringify(args)});
console.log(JSON.stringify(out));`;
  return run(process.execPath, ['--input-type=module', '-e', script], env);
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
