import { z } from 'zod';
import type { ActionDefinition } from '../imm/action';

type JsonSchema = Record<string, unknown>;

const errorBody: JsonSchema = {
  type: 'object',
  required: ['RequestId', 'Code', 'Message'],
  properties: { RequestId: { type: 'string' }, Code: { type: 'string' }, Message: { type: 'string' } },
};

function schemaOf(type: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const schema = z.toJSONSchema(type, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as JsonSchema;
  delete schema.$schema;
  return schema;
}

function responses(definition: ActionDefinition): JsonSchema {
  const success = definition.response ? schemaOf(definition.response, 'output') : { type: 'object' };
  const withRequestId = { allOf: [{ type: 'object', required: ['RequestId'], properties: { RequestId: { type: 'string' } } }, success] };
  const error = { description: 'IMM error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return {
    '200': { description: 'OK', content: { 'application/json': { schema: withRequestId } } },
    '400': error, '401': error, '403': error, '404': error, '409': error, '429': error, '500': error,
  };
}

/**
 * The OpenAPI document, generated from the same zod schemas that validate requests, so the two cannot drift.
 * The RPC endpoint is documented once per action as `POST /?Action=<Operation>`.
 */
export function buildOpenApi(definitions: ActionDefinition[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const d of definitions) {
    const input = schemaOf(d.params, 'input');
    paths[`/?Action=${d.action}`] = {
      post: {
        operationId: d.action,
        summary: d.summary,
        tags: ['IMM-compatible'],
        description: `IMM operation ${d.action}. Parameters may also be sent in the query string or as a form; structured parameters are then JSON strings.`,
        requestBody: { required: true, content: { 'application/json': { schema: input } } },
        responses: responses(d),
      },
    };
    if (d.rest) {
      const method = d.rest.method.toLowerCase();
      const pathNames = [...d.rest.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      const openPath = d.rest.path.replace(/:(\w+)/g, '{$1}');
      const operation: Record<string, unknown> = {
        operationId: `rest${d.action}`,
        summary: d.summary,
        tags: ['REST'],
        parameters: pathNames.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        responses: responses(d),
      };
      if (method === 'get' || method === 'delete') {
        const props = (input.properties ?? {}) as Record<string, JsonSchema>;
        const required = new Set((input.required as string[] | undefined) ?? []);
        (operation.parameters as unknown[]).push(
          ...Object.entries(props)
            .filter(([name]) => !pathNames.includes(name))
            .map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema })),
        );
      } else {
        operation.requestBody = { required: false, content: { 'application/json': { schema: input } } };
      }
      paths[openPath] = { ...(paths[openPath] ?? {}), [method]: operation };
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'simclust',
      version,
      description: 'Similar-image clustering with the Alibaba Cloud IMM 2020-09-30 API. Authenticate with `Authorization: Bearer <AccessKeySecret>`.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorBody },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

/** Pretty JSON with object keys sorted at every level: the committed openapi.json diffs cleanly and never reorders. */
export function canonicalJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
    return v;
  };
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}
