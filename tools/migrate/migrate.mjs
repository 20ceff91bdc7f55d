#!/usr/bin/env node
// Applies prisma/migrations/*/migration.sql in order, one transaction each, and records them in Prisma's own
// `_prisma_migrations` table so `prisma migrate deploy|status` agree wherever Prisma's schema engine exists.
// Usage: node tools/migrate/migrate.mjs [--status]   (DATABASE_URL from the environment or .env.local)
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parse } from 'dotenv';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MIGRATIONS_DIR = join(root, 'prisma', 'migrations');
const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:5432/simclust';
// Arbitrary constant: serialises concurrent runners (several containers starting at once).
const ADVISORY_LOCK = 72_417_001;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function databaseUrl() {
  const envFile = join(root, '.env.local');
  const fromFile = existsSync(envFile) ? parse(readFileSync(envFile)) : {};
  return process.env.DATABASE_URL || fromFile.DATABASE_URL || DEFAULT_URL;
}

/** The migrations on disk, oldest first, with Prisma's checksum (sha256 hex of the script). */
export function listMigrations(dir = MIGRATIONS_DIR) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(url) {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    if (err.code !== '42P04') throw err; // created concurrently
  } finally {
    await client.end();
  }
}

/**
 * Drops and recreates a test database, so every `npm test` starts from the same state (leftovers of earlier runs,
 * such as pending webhook deliveries sealed under another SECRETS_KEY, cannot leak in). Refuses other databases.
 */
export async function recreateTestDatabase(url) {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/_test$/.test(name)) throw new Error(`refusing to drop ${name}: only a database whose name ends in _test is recreated`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function migrate(url = databaseUrl(), { log = console.log, dir = MIGRATIONS_DIR } = {}) {
  await ensureDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const applied = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK]);
    await client.query(CREATE_TABLE);
    const { rows } = await client.query(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
    );
    const failed = rows.find((r) => !r.finished_at && !r.rolled_back_at);
    if (failed) throw new Error(`migration ${failed.migration_name} failed earlier; resolve it before applying more`);
    const done = new Map(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => [r.migration_name, r.checksum]));
    for (const m of listMigrations(dir)) {
      if (done.has(m.name)) {
        if (done.get(m.name) !== m.checksum) log(`warning: ${m.name} was modified after it was applied`);
        continue;
      }
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [id, m.checksum, m.name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${err.message}`);
      }
      applied.push(m.name);
      log(`applied ${m.name}`);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK]).catch(() => undefined);
    await client.end();
  }
}

export async function status(url = databaseUrl(), dir = MIGRATIONS_DIR) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') AS t`);
    const rows = exists.rows[0].t
      ? (await client.query('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL')).rows
      : [];
    const done = new Set(rows.map((r) => r.migration_name));
    return listMigrations(dir).map((m) => ({ name: m.name, applied: done.has(m.name) }));
  } finally {
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fresh = process.argv.includes('--fresh-test-database');
  const run = process.argv.includes('--status')
    ? status().then((list) => {
        for (const m of list) console.log(`${m.applied ? 'applied' : 'pending'}  ${m.name}`);
        if (list.some((m) => !m.applied)) process.exitCode = 1;
      })
    : (fresh ? recreateTestDatabase(databaseUrl()) : Promise.resolve()).then(() => migrate()).then((applied) => console.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date'));
  run.catch((err) => {
    console.error(`migrate: ${err.message}`);
    process.exit(1);
  });
}
