// Every test process: UTC, the test database, fixed secrets (real env vars still win), quiet logs.
process.env.TZ = 'UTC';
process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/simclust_test';
process.env.SECRETS_KEY ||= 'test-secrets-key-0123456789abcdefghijklmnop';
process.env.ADMIN_API_KEY ||= 'test-admin-key-0123456789abcdef';
process.env.LOG_LEVEL ||= 'warn';
