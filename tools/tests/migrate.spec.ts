// The migration runner (tools/migrate/migrate.mjs) against a real PostgreSQL, through the same entrypoint the
// compose `migrate` service runs, recording Prisma's own `_prisma_migrations` format.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, databaseExists, databaseUrl, dropDatabase, throwawayName, withClient } from './support/pg';
import { callMigrate, REPO_ROOT, run } from './support/run';

const MIGRATIONS = join(REPO_ROOT, 'prisma', 'migrations');
const onDisk = readdirSync(MIGRATIONS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const databases: string[] = [];
const tempDirs: string[] = [];
afterAll(async () => {
  for (const db of databases) await dropDatabase(db);
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function newDatabase(): string {
  const name = throwawayName('simclust_migrate');
  databases.push(name);
  return name;
}

test('there is at least one migration on disk', () => {
  expect(onDisk.length).toBeGreaterThan(0);
});

describe('a fresh database', () => {
  const db = newDatabase();

  test('the migrate entrypoint creates the database and applies every migration', async () => {
    expect(await databaseExists(db)).toBe(false);
    const first = await run('bash', ['docker/entrypoints/migrate.sh'], { DATABASE_URL: databaseUrl(db) });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const name of onDisk) expect(first.stdout).toContain(`applied ${name}`);
    expect(await databaseExists(db)).toBe(true);
  });

  test('a second run applies nothing', async () => {
    const second = await run('node', ['tools/migrate/migrate.mjs'], { DATABASE_URL: databaseUrl(db) });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('database is up to date');
    expect(second.stdout).not.toContain('applied 2');
  });

  test('_prisma_migrations holds one finished row per migration, with the sha256 of its file', async () => {
    const rows = await withClient(db, async (c) => (await c.query('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).rows);
    expect(rows.map((r) => r.migration_name)).toEqual(onDisk);
    for (const row of rows) {
      const sql = readFileSync(join(MIGRATIONS, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  test('--status lists every migration as applied and exits 0', async () => {
    const status = await run('node', ['tools/migrate/migrate.mjs', '--status'], { DATABASE_URL: databaseUrl(db) });
    expect(status.code).toBe(0);
    for (const name of onDisk) expect(status.stdout).toContain(`applied  ${name}`);
  });
});

describe('a failing migration', () => {
  const db = newDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'simclust-migrations-'));
  tempDirs.push(dir);
  const BROKEN = '29990101000000_broken';
  const AFTER = '29990102000000_after';

  beforeAll(() => {
    cpSync(MIGRATIONS, dir, { recursive: true });
    mkdirSync(join(dir, BROKEN));
    // The first statement succeeds; the second fails, so only a rollback leaves no trace of the first.
    writeFileSync(join(dir, BROKEN, 'migration.sql'), 'CREATE TABLE "HalfDone" ("id" TEXT);\nSELECT * FROM "NoSuchTable";\n');
    mkdirSync(join(dir, AFTER));
    writeFileSync(join(dir, AFTER, 'migration.sql'), 'CREATE TABLE "After" ("id" TEXT);\n');
  });

  async function tables(): Promise<string[]> {
    return withClient(db, async (c) =>
      (await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).rows.map((r) => r.table_name),
    );
  }

  test('fails naming the migration, rolls it back and applies nothing after it', async () => {
    const result = await callMigrate('migrate', [databaseUrl(db), { dir }]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`migration ${BROKEN} failed`);
    const present = await tables();
    expect(present).toEqual(expect.arrayContaining(['Project', '_prisma_migrations']));
    expect(present).not.toContain('HalfDone');
    expect(present).not.toContain('After');
    const names = await withClient(db, async (c) =>
      (await c.query('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY 1')).rows.map((r) => r.migration_name),
    );
    expect(names).toEqual(onDisk);
  });

  test('every later run fails at the same migration and still applies nothing after it', async () => {
    const again = await callMigrate('migrate', [databaseUrl(db), { dir }]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`migration ${BROKEN} failed`);
    expect(await tables()).not.toContain('After');
  });

  test('a failure recorded the way Prisma records one (finished_at null) blocks every run until resolved', async () => {
    await withClient(db, (c) =>
      c.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, applied_steps_count) VALUES (gen_random_uuid(), 'x', $1, 0)`, [BROKEN]),
    );
    const blocked = await run('node', ['tools/migrate/migrate.mjs'], { DATABASE_URL: databaseUrl(db) });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`${BROKEN} failed earlier`);
  });
});

test('two runners at once on one database apply each migration once', async () => {
  const db = newDatabase();
  await createDatabase(db);
  const url = databaseUrl(db);
  const [a, b] = await Promise.all([
    run('node', ['tools/migrate/migrate.mjs'], { DATABASE_URL: url }),
    run('node', ['tools/migrate/migrate.mjs'], { DATABASE_URL: url }),
  ]);
  expect([a.code, b.code]).toEqual([0, 0]);
  const count = await withClient(db, async (c) => Number((await c.query('SELECT count(*) FROM "_prisma_migrations"')).rows[0].count));
  expect(count).toBe(onDisk.length);
});

test('--fresh-test-database starts a test database from nothing and refuses any other database', async () => {
  const db = `${newDatabase()}_test`;
  await createDatabase(db);
  const url = databaseUrl(db);
  await withClient(db, (c) => c.query('CREATE TABLE leftover (id int)'));
  const fresh = await run('node', ['tools/migrate/migrate.mjs', '--fresh-test-database'], { DATABASE_URL: url });
  expect(fresh.code).toBe(0);
  const leftover = await withClient(db, async (c) => (await c.query(`SELECT to_regclass('leftover') AS t`)).rows[0].t);
  expect(leftover).toBeNull();
  const applied = await withClient(db, async (c) => Number((await c.query('SELECT count(*) FROM "_prisma_migrations"')).rows[0].count));
  expect(applied).toBe(onDisk.length);
  await dropDatabase(db);

  const other = newDatabase();
  await createDatabase(other);
  const refused = await run('node', ['tools/migrate/migrate.mjs', '--fresh-test-database'], { DATABASE_URL: databaseUrl(other) });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('only a database whose name ends in _test');
  expect(await databaseExists(other)).toBe(true);
});
