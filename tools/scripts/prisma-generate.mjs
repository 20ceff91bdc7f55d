// Generates the Prisma client offline: the CLI insists on a schema-engine binary it cannot download here,
// and `generate` never runs it, so point it at /bin/false (never /bin/true: migrate would "succeed" doing nothing).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = { ...process.env, CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY && !existsSync(join(root, 'node_modules/@prisma/engines/schema-engine-debian-openssl-3.0.x'))) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = '/bin/false';
}
const result = spawnSync('npx', ['prisma', 'generate', '--schema', 'prisma/schema.prisma'], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
