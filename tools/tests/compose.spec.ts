// docker-compose.yml, the Dockerfile and the entrypoint scripts, checked without a Docker engine (none runs here).
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, run } from './support/run';

type Service = {
  build?: { context: string; dockerfile: string; target: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
  restart?: string;
};
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
// merge: compose resolves `<<: *anchor` merge keys, so the parse must too.
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const APPS = { gateway: 'PORT', indexer: 'INDEXER_PORT', 'clustering-worker': 'CLUSTERING_WORKER_PORT', notifications: 'NOTIFICATIONS_PORT' } as const;
const dockerfile = read('Dockerfile');
const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)\s+AS\s+(\S+)\s*$/gim)].map((m) => ({ image: m[1], name: m[2] }));

const mounts = (s: Service) => Object.fromEntries((s.volumes ?? []).map((v) => v.split(':')).map(([name, target]) => [target, name]));
const inside = (path: string, roots: string) => roots.split(',').some((r) => path === r || path.startsWith(`${r.replace(/\/$/, '')}/`));

test('declares the three services, the migrate one-shot and the four apps', () => {
  expect(Object.keys(services).sort()).toEqual(['clustering-worker', 'gateway', 'indexer', 'migrate', 'nats', 'notifications', 'postgres', 'redis']);
});

test('postgres, redis and nats have healthchecks and keep their data in volumes', () => {
  for (const name of ['postgres', 'redis', 'nats']) {
    expect(services[name].healthcheck?.test?.[0]).toMatch(/^CMD/);
    expect(services[name].volumes?.length).toBeGreaterThan(0);
  }
  expect(services.postgres.healthcheck!.test).toContain('pg_isready');
  expect(services.redis.command!.join(' ')).toContain('--appendonly yes');
  expect(services.redis.healthcheck!.test).toEqual(expect.arrayContaining(['redis-cli', 'ping']));
  const nats = services.nats.command!;
  expect(nats).toContain('-js');
  // JetStream's store directory must be the mounted volume, or streams vanish with the container.
  const storeDir = nats[nats.indexOf('-sd') + 1];
  expect(mounts(services.nats)[storeDir]).toBeDefined();
  expect(services.nats.healthcheck!.test.join(' ')).toContain('js-enabled-only=true');
});

test('every named volume is declared', () => {
  for (const s of Object.values(services))
    for (const source of Object.values(mounts(s))) if (!source.startsWith('.') && !source.startsWith('/')) expect(Object.keys(compose.volumes)).toContain(source);
});

test('migrate runs its entrypoint once, after PostgreSQL is healthy, against the compose database', () => {
  const m = services.migrate;
  expect(m.command).toEqual(['bash', 'docker/entrypoints/migrate.sh']);
  expect(m.restart).toBe('no');
  expect(m.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  expect(new URL(String(m.environment!.DATABASE_URL)).hostname).toBe('postgres');
});

describe.each(Object.entries(APPS))('%s', (app, portVar) => {
  const s = services[app];
  const env = s.environment ?? {};

  test('is built from a stage of the one Dockerfile and starts through its entrypoint script', () => {
    expect(s.build?.dockerfile).toBe('Dockerfile');
    expect(stages.map((st) => st.name)).toContain(s.build!.target);
    expect(s.command).toEqual(['bash', `docker/entrypoints/${app}.sh`]);
  });

  test('waits for healthy services and a finished migration', () => {
    expect(s.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      nats: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
    });
  });

  test('gets the contract\'s configuration, pointing at the compose services', () => {
    expect(new URL(String(env.DATABASE_URL)).hostname).toBe('postgres');
    expect(new URL(String(env.REDIS_URL)).hostname).toBe('redis');
    expect(new URL(String(env.NATS_URL)).hostname).toBe('nats');
    expect(String(env.SECRETS_KEY)).toMatch(/^\$\{SECRETS_KEY:\?.+\}$/);
    for (const key of ['SIMCLUST_REGION', 'SIMCLUST_ACCOUNT', 'ALLOWED_FILE_ROOTS', 'THUMBNAIL_DIR', 'NODE_ENV', 'LOG_LEVEL', portVar]) expect(env).toHaveProperty(key);
  });

  test('its healthcheck asks its own port', () => {
    expect(s.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${env[portVar]}/health/`);
  });
});

test('the gateway is published on 8080 and holds the admin key from the environment', () => {
  const env = services.gateway.environment!;
  expect(services.gateway.ports).toContain('8080:8080');
  expect(String(env.PORT)).toBe('8080');
  expect(String(env.ADMIN_API_KEY)).toMatch(/^\$\{ADMIN_API_KEY:\?.+\}$/);
  expect(env).toHaveProperty('ADMIN_ACCESS_KEY_ID');
});

test('the images volume lies inside ALLOWED_FILE_ROOTS and thumbnails go to a volume, for the apps that read files', () => {
  for (const app of ['gateway', 'indexer']) {
    const env = services[app].environment!;
    const byTarget = mounts(services[app]);
    const imagesTarget = Object.keys(byTarget).find((t) => byTarget[t] === 'images');
    expect(imagesTarget).toBeDefined();
    expect(inside(imagesTarget!, String(env.ALLOWED_FILE_ROOTS))).toBe(true);
    expect(byTarget[String(env.THUMBNAIL_DIR)]).toBe('thumbnails');
  }
});

test('docker/compose.services.yml publishes only the three services, on loopback, for ensure-services.sh', () => {
  const override = parse(read('docker/compose.services.yml')) as { services: Record<string, Service> };
  expect(override.services).toEqual({
    postgres: { ports: ['127.0.0.1:5432:5432'] },
    redis: { ports: ['127.0.0.1:6379:6379'] },
    nats: { ports: ['127.0.0.1:4222:4222'] },
  });
});

describe('Dockerfile', () => {
  test('has a builder and a runtime stage on node:20-bookworm-slim', () => {
    expect(stages).toEqual([
      { image: 'node:20-bookworm-slim', name: 'builder' },
      { image: 'node:20-bookworm-slim', name: 'runtime' },
    ]);
  });

  test('the builder installs, generates the Prisma client (postinstall) and builds', () => {
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npx nx run-many -t build\b/m);
    expect(JSON.parse(read('package.json')).scripts.postinstall).toContain('prisma-generate');
  });

  test('the runtime stage copies paths that exist in the repository, including what the entrypoints need', () => {
    const copied = [...dockerfile.matchAll(/^COPY --from=builder (.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/)).map((p) => p.replace(/^\/app\//, ''));
    for (const path of copied) expect(existsSync(join(REPO_ROOT, path))).toBe(true);
    // nx.json marks the repository root for @simclust/config; the rest is what the entrypoints run.
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'nx.json', 'node_modules', 'libs', 'apps', 'prisma', 'tools/migrate', 'docker/entrypoints']));
  });

  test('.dockerignore keeps secrets and host builds out of the context', () => {
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.env.local', '**/node_modules', '**/dist', '.git']));
  });
});

describe.each(['migrate', ...Object.keys(APPS)])('docker/entrypoints/%s.sh', (name) => {
  const path = join(REPO_ROOT, 'docker', 'entrypoints', `${name}.sh`);

  test('is an executable bash script that parses', async () => {
    accessSync(path, constants.X_OK);
    expect(readFileSync(path, 'utf8')).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect((await run('bash', ['-n', path])).code).toBe(0);
  });

  test('execs what it should, and npm run start:<app> uses it', () => {
    const text = readFileSync(path, 'utf8');
    if (name === 'migrate') {
      expect(text).toMatch(/^exec node tools\/migrate\/migrate\.mjs/m);
    } else {
      expect(text).toContain(`main=apps/${name}/dist/main.js`);
      expect(text).toMatch(/^exec node "\$main"$/m);
      expect(JSON.parse(read('package.json')).scripts[`start:${name}`]).toBe(`bash docker/entrypoints/${name}.sh`);
    }
  });
});
