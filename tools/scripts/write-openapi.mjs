#!/usr/bin/env node
// `npm run openapi`: writes apps/gateway/openapi.json from the gateway's own action registry, so the committed
// document is exactly what /docs/json serves. Builds the gateway, boots its Nest application context (modules
// register their actions in onModuleInit) without listening, and renders the document with canonical key order.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'apps', 'gateway', 'dist');
const target = join(root, 'apps', 'gateway', 'openapi.json');

const build = spawnSync('npx', ['tsc', '-b', 'apps/gateway/tsconfig.app.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write('write-openapi: the gateway does not build; fix that first.\n');
  process.exit(1);
}

// The document depends on neither secret; throwaway values let this run on a machine without .env.local.
process.env.SECRETS_KEY ||= 'openapi-generation-only-secrets-key-0000';
process.env.ADMIN_API_KEY ||= 'openapi-generation-only-admin-key';
process.env.LOG_LEVEL ||= 'error';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { AppModule } = require(join(dist, 'app.module.js'));
const { openApiDocument } = require(join(dist, 'docs', 'docs.js'));
const { canonicalJson } = require(join(dist, 'docs', 'openapi.js'));

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
try {
  const document = openApiDocument(app);
  writeFileSync(target, canonicalJson(document));
  process.stdout.write(`write-openapi: ${Object.keys(document.paths).length} paths written to apps/gateway/openapi.json\n`);
} finally {
  await app.close();
}
process.exit(0);
