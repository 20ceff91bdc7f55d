import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'dotenv';

/** The repository root: the nearest directory above this file (or `from`) that holds nx.json. */
export function findRepoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** `.env.local` values under the real environment: real variables win (contract.md, "Running it"). */
export function readEnvironment(root: string = findRepoRoot()): Record<string, string | undefined> {
  const file = join(root, '.env.local');
  const fromFile = existsSync(file) ? parse(readFileSync(file)) : {};
  return { ...fromFile, ...process.env };
}
