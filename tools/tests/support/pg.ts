import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

// The server of the test run's DATABASE_URL (tools/scripts/test.sh), or the machine's default PostgreSQL.
// eslint-disable-next-line no-restricted-properties -- test support, not an app: it reads what test.sh exported
const base = new URL(process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/simclust_test');

export function databaseUrl(name: string): string {
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return url.toString();
}

export function throwawayName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function dropDatabase(name: string): Promise<void> {
  return admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

export function createDatabase(name: string): Promise<void> {
  return admin(async (c) => {
    await c.query(`CREATE DATABASE "${name}"`);
  });
}

export async function databaseExists(name: string): Promise<boolean> {
  return admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

export async function withClient<T>(name: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl(name) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
