// tools/scripts/env-local.mjs: generated secrets in .env.local (mode 600), kept across runs.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { run } from './support/run';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'simclust-env-'));
  dirs.push(dir);
  return dir;
}
const envLocal = (root: string) => run('node', ['tools/scripts/env-local.mjs', '--root', root], { SECRETS_KEY: '', ADMIN_API_KEY: '' });
const read = (root: string) => parse(readFileSync(join(root, '.env.local')));
const mode = (root: string) => statSync(join(root, '.env.local')).mode & 0o777;

test('the first run writes both secrets with mode 600 and prints the admin key once; the second keeps them', async () => {
  const root = tempRoot();
  const first = await envLocal(root);
  expect(first.code).toBe(0);
  expect(mode(root)).toBe(0o600);
  const env = read(root);
  expect(env.SECRETS_KEY.length).toBeGreaterThanOrEqual(32);
  expect(env.ADMIN_API_KEY.length).toBeGreaterThanOrEqual(32);
  expect(env.ADMIN_ACCESS_KEY_ID).toBe('admin');
  expect(first.stdout).toContain(env.ADMIN_API_KEY);

  const second = await envLocal(root);
  expect(second.code).toBe(0);
  expect(read(root)).toEqual(env);
  expect(second.stdout).not.toContain(env.ADMIN_API_KEY);
  expect(second.stdout).toContain(join(root, '.env.local'));
  expect(mode(root)).toBe(0o600);
});

test('secrets are random per checkout', async () => {
  const [a, b] = [tempRoot(), tempRoot()];
  await Promise.all([envLocal(a), envLocal(b)]);
  expect(read(a).SECRETS_KEY).not.toBe(read(b).SECRETS_KEY);
  expect(read(a).ADMIN_API_KEY).not.toBe(read(b).ADMIN_API_KEY);
});

test('an existing file keeps its settings, gains the missing secrets and is tightened to 600', async () => {
  const root = tempRoot();
  writeFileSync(join(root, '.env.local'), 'DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mine\nADMIN_API_KEY=kept-admin-key-0123456789');
  chmodSync(join(root, '.env.local'), 0o644);
  const result = await envLocal(root);
  expect(result.code).toBe(0);
  const env = read(root);
  expect(env.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/mine');
  expect(env.ADMIN_API_KEY).toBe('kept-admin-key-0123456789');
  expect(env.SECRETS_KEY.length).toBeGreaterThanOrEqual(32);
  expect(mode(root)).toBe(0o600);
});

test('the shell scripts load .env.local under the real environment (real variables win)', async () => {
  const root = tempRoot();
  writeFileSync(join(root, '.env.local'), 'ADMIN_API_KEY=from-file\nSECRETS_KEY="quoted-from-file"\n# comment\nLOG_LEVEL=debug\n');
  const script = `source tools/scripts/lib.sh; REPO_ROOT=${JSON.stringify(root)}; load_env_local; echo "$ADMIN_API_KEY|$SECRETS_KEY|$LOG_LEVEL"`;
  const result = await run('bash', ['-c', script], { ADMIN_API_KEY: 'from-env', SECRETS_KEY: undefined, LOG_LEVEL: undefined });
  expect(result.stdout.trim()).toBe('from-env|quoted-from-file|debug');
});
