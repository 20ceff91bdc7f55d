#!/usr/bin/env node
// `npm start`: runs the four built apps through their entrypoint scripts, each output line prefixed with the
// app's name. SIGINT/SIGTERM go to every app; when one dies on its own the others are stopped and we exit non-zero.
// START_ALL_ENTRYPOINTS (a directory of <app>.sh scripts) exists for tools/tests/scripts.spec.ts.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const APPS = ['gateway', 'indexer', 'clustering-worker', 'notifications'];
const entrypoints = process.env.START_ALL_ENTRYPOINTS || join(root, 'docker', 'entrypoints');
const KILL_AFTER_MS = Number(process.env.START_ALL_KILL_AFTER_MS || 20000);
const width = Math.max(...APPS.map((a) => a.length));

const children = new Map();
let stopping = false;
let exitCode = 0;

function prefix(app, stream, target) {
  const rl = createInterface({ input: stream });
  rl.on('line', (line) => target.write(`${app.padEnd(width)} | ${line}\n`));
}

function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) {
    // Each app leads its own process group (detached), so a terminal's Ctrl-C reaches it once, from us.
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  }
  setTimeout(() => {
    for (const [app, child] of children) {
      console.error(`start-all: ${app} did not stop within ${KILL_AFTER_MS} ms; killing it`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }, KILL_AFTER_MS).unref();
}

for (const app of APPS) {
  const child = spawn('bash', [join(entrypoints, `${app}.sh`)], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(app, child);
  prefix(app, child.stdout, process.stdout);
  prefix(app, child.stderr, process.stderr);
  child.on('close', (code, signal) => {
    children.delete(app);
    if (!stopping) {
      console.error(`start-all: ${app} exited unexpectedly (${signal ?? `code ${code}`}); stopping the others`);
      exitCode = 1;
      stopAll('SIGTERM');
    } else {
      console.log(`start-all: ${app} stopped`);
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(signal));

// Announce the gateway's URL once it answers.
const fileEnv = existsSync(join(root, '.env.local')) ? parse(readFileSync(join(root, '.env.local'))) : {};
const port = process.env.PORT || fileEnv.PORT || '8080';
const url = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 120_000;
(async function announce() {
  while (!stopping && Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        console.log(`start-all: simclust is up: ${url}  (API: POST ${url}/ with Action=..., docs: ${url}/docs; Ctrl-C stops)`);
        return;
      }
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 500).unref());
  }
})();
