import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnvironment } from './env-file';
import { ConfigError, parseConfig, type AppName } from './load';

const ROOT = '/srv/simclust';
const SECRETS = { SECRETS_KEY: 'k'.repeat(32), ADMIN_API_KEY: 'a'.repeat(16) };

function reasonFor(app: AppName, env: Record<string, string>): string {
  try {
    parseConfig(app, { ...SECRETS, ...env }, ROOT);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`${JSON.stringify(env)} was accepted`);
}

describe('defaults (contract.md, "Configuration")', () => {
  it('gives the gateway the contract defaults', () => {
    const config = parseConfig('gateway', SECRETS, ROOT);
    expect(config).toMatchObject({
      PORT: 8080,
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/simclust',
      REDIS_URL: 'redis://127.0.0.1:6379',
      NATS_URL: 'nats://127.0.0.1:4222',
      ALLOWED_FILE_ROOTS: [join(ROOT, 'data')],
      ALLOW_PRIVATE_NETWORK: false,
      THUMBNAIL_DIR: join(ROOT, 'data', 'thumbnails'),
      ADMIN_ACCESS_KEY_ID: 'admin',
      SIMCLUST_REGION: 'local',
      SIMCLUST_ACCOUNT: '0',
      LOG_LEVEL: 'info',
    });
  });

  it('gives each worker its port and the indexer its fetch limits', () => {
    expect(parseConfig('indexer', SECRETS, ROOT)).toMatchObject({ INDEXER_PORT: 8081, FETCH_MAX_BYTES: 52428800, FETCH_TIMEOUT_MS: 15000 });
    expect(parseConfig('clustering-worker', SECRETS, ROOT).CLUSTERING_WORKER_PORT).toBe(8082);
    expect(parseConfig('notifications', SECRETS, ROOT).NOTIFICATIONS_PORT).toBe(8083);
  });

  it('reads given values, treating empty strings as unset', () => {
    const config = parseConfig('gateway', { ...SECRETS, PORT: '9000', ALLOWED_FILE_ROOTS: '/a, /b ,,', ALLOW_PRIVATE_NETWORK: 'true', LOG_LEVEL: '', REDIS_URL: '' }, ROOT);
    expect(config).toMatchObject({ PORT: 9000, ALLOWED_FILE_ROOTS: ['/a', '/b'], ALLOW_PRIVATE_NETWORK: true, LOG_LEVEL: 'info', REDIS_URL: 'redis://127.0.0.1:6379' });
  });
});

describe('bad values: one line naming the variable', () => {
  it.each([
    ['gateway', 'PORT', 'abc'],
    ['gateway', 'PORT', '0'],
    ['gateway', 'PORT', '65536'],
    ['gateway', 'PORT', '80.5'],
    ['indexer', 'INDEXER_PORT', 'x'],
    ['clustering-worker', 'CLUSTERING_WORKER_PORT', '-1'],
    ['notifications', 'NOTIFICATIONS_PORT', '99999'],
    ['gateway', 'DATABASE_URL', 'mysql://localhost/simclust'],
    ['gateway', 'REDIS_URL', 'localhost:6379'],
    ['gateway', 'NATS_URL', 'http://127.0.0.1:4222'],
    ['gateway', 'ALLOW_PRIVATE_NETWORK', 'maybe'],
    ['gateway', 'SIMCLUST_REGION', 'EU West'],
    ['gateway', 'SIMCLUST_ACCOUNT', 'a/b'],
    ['gateway', 'ADMIN_ACCESS_KEY_ID', 'x'],
    ['gateway', 'ADMIN_API_KEY', 'short'],
    ['gateway', 'SECRETS_KEY', 'short'],
    ['gateway', 'NODE_ENV', 'prod'],
    ['gateway', 'LOG_LEVEL', 'loud'],
    ['indexer', 'FETCH_MAX_BYTES', '0'],
    ['indexer', 'FETCH_TIMEOUT_MS', 'soon'],
  ] as Array<[AppName, string, string]>)('%s: %s=%s', (app, name, value) => {
    const reason = reasonFor(app, { [name]: value });
    expect(reason).not.toContain('\n');
    expect(reason).toMatch(new RegExp(`^invalid configuration: ${name} (must|is) `));
    expect(reason.split(';')).toHaveLength(1);
  });

  it('names a missing secret and says how to get one', () => {
    const reason = reasonFor('gateway', { SECRETS_KEY: '', ADMIN_API_KEY: '' });
    expect(reason).toMatch(/SECRETS_KEY is required .*npm run up/);
    expect(reason).toMatch(/ADMIN_API_KEY is required/);
    expect(reason).not.toContain('\n');
  });

  it('names every bad variable on the same line', () => {
    const reason = reasonFor('gateway', { PORT: 'abc', REDIS_URL: 'nope' });
    expect(reason).not.toContain('\n');
    expect(reason).toMatch(/PORT must/);
    expect(reason).toMatch(/REDIS_URL must/);
    expect(reason.split('; ')).toHaveLength(2);
  });

  it("ignores another app's variables", () => {
    expect(parseConfig('gateway', { ...SECRETS, INDEXER_PORT: 'not-a-port' }, ROOT).PORT).toBe(8080);
  });
});

describe('readEnvironment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simclust-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads .env.local under the real environment, which wins', () => {
    writeFileSync(join(dir, '.env.local'), 'SIMCLUST_TEST_FROM_FILE=file\nSIMCLUST_TEST_BOTH=file\n');
    process.env.SIMCLUST_TEST_BOTH = 'real';
    try {
      const env = readEnvironment(dir);
      expect(env.SIMCLUST_TEST_FROM_FILE).toBe('file');
      expect(env.SIMCLUST_TEST_BOTH).toBe('real');
    } finally {
      delete process.env.SIMCLUST_TEST_BOTH;
    }
  });

  it('works without .env.local', () => {
    const empty = mkdtempSync(join(dir, 'none-'));
    expect(readEnvironment(empty).SIMCLUST_TEST_FROM_FILE).toBeUndefined();
  });
});
