import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ActionRegistry } from '../imm/action-registry';
import { buildOpenApi } from './openapi';

export const API_VERSION = '2020-09-30';

export function openApiDocument(app: INestApplication): Record<string, unknown> {
  return buildOpenApi(app.get(ActionRegistry).all(), API_VERSION);
}

/**
 * Swagger UI at /docs and the JSON at /docs/json, open without a key. The document is built on first request:
 * routes must be mounted before `app.init()`, but feature modules register their actions during it.
 */
export function mountDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => openApiDocument(app) as unknown as OpenAPIObject, { jsonDocumentUrl: 'docs/json' });
}
