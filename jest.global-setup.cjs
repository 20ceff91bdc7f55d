// Applies pending migrations to the test database once per jest run (a no-op when up to date).
module.exports = async () => {
  process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/simclust_test';
  const { migrate } = await import('./tools/migrate/migrate.mjs');
  await migrate(process.env.DATABASE_URL, { log: () => undefined });
};
