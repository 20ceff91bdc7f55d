// The OpenAPI document: what the running gateway serves at /docs/json must equal the committed
// apps/gateway/openapi.json, and it must describe every registered action from its zod schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningGateway } from '../src/bootstrap';
import { canonicalJson } from '../src/docs/openapi';
import { ActionRegistry } from '../src/imm/action-registry';
import { startTestGateway } from './gateway.harness';

// Real services on a shared 2-core machine: starting the gateway alone can take seconds under load.
jest.setTimeout(30_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let gateway: RunningGateway;
let served: Json;

beforeAll(async () => {
  ({ gateway } = await startTestGateway());
  const res = await fetch(`${gateway.url}/docs/json`);
  expect(res.status).toBe(200);
  served = (await res.json()) as Json;
});
afterAll(() => gateway.close());

const COMMITTED = join(__dirname, '..', 'openapi.json');

it('matches the committed apps/gateway/openapi.json (run `npm run openapi` after changing an action)', () => {
  const committed = readFileSync(COMMITTED, 'utf8');
  const current = canonicalJson(served);
  if (committed !== current) {
    const ours = Object.keys(served.paths as Json).sort();
    const theirs = Object.keys((JSON.parse(committed) as Json).paths as Json).sort();
    const added = ours.filter((p) => !theirs.includes(p));
    const removed = theirs.filter((p) => !ours.includes(p));
    throw new Error(
      `apps/gateway/openapi.json is out of date with the gateway's actions: run \`npm run openapi\` and commit the result.\n` +
        `paths only in the gateway: ${added.join(', ') || '(none)'}; paths only in the file: ${removed.join(', ') || '(none)'}`,
    );
  }
});

it('is served open, without a key, with the Swagger UI at /docs', async () => {
  const ui = await fetch(`${gateway.url}/docs`);
  expect(ui.status).toBe(200);
  expect(ui.headers.get('content-type')).toContain('text/html');
  expect(await ui.text()).toContain('swagger');
  expect(served.openapi).toBe('3.0.3');
  expect(served.info.version).toBe('2020-09-30');
});

it('has an operation for every registered action, with unique operation ids', () => {
  const actions = gateway.app.get(ActionRegistry).all();
  expect(actions.length).toBeGreaterThanOrEqual(11);
  const ids: string[] = [];
  for (const action of actions) {
    const rpc = served.paths[`/?Action=${action.action}`]?.post;
    expect({ action: action.action, documented: Boolean(rpc) }).toEqual({ action: action.action, documented: true });
    expect(rpc.operationId).toBe(action.action);
    expect(rpc.summary).toBe(action.summary);
    ids.push(rpc.operationId);
    if (action.rest) {
      const path = action.rest.path.replace(/:(\w+)/g, '{$1}');
      const rest = served.paths[path]?.[action.rest.method.toLowerCase()];
      expect({ action: action.action, path, documented: Boolean(rest) }).toEqual({ action: action.action, path, documented: true });
      ids.push(rest.operationId);
    }
  }
  expect(new Set(ids).size).toBe(ids.length);
  for (const base of ['CreateProject', 'GetProject', 'ListProjects', 'UpdateProject', 'DeleteProject', 'RotateWebhookSecret', 'CreateDataset', 'GetDataset', 'ListDatasets', 'UpdateDataset', 'DeleteDataset']) {
    expect(served.paths[`/?Action=${base}`]).toBeDefined();
  }
});

it('writes REST paths with {Param} and declares each as a required path parameter', () => {
  for (const [path, operations] of Object.entries(served.paths as Json)) {
    if (path.startsWith('/?Action=')) continue;
    expect(path).toMatch(/^\/v1\//);
    expect(path).not.toContain(':');
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const operation of Object.values(operations as Json)) {
      const declared = (operation.parameters as Json[]).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name)).toEqual(names);
      for (const p of declared) expect(p.required).toBe(true);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404']));
    }
  }
});

it('takes request schemas from the zod schemas that validate the requests', () => {
  const create = served.paths['/?Action=CreateProject'].post.requestBody.content['application/json'].schema;
  expect(create.required).toEqual(['ProjectName']);
  expect(create.properties.ProjectName).toMatchObject({ type: 'string', maxLength: 128, pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' });
  expect(create.properties.Description).toMatchObject({ type: 'string', maxLength: 256 });
  expect(create.properties.ProjectQueriesPerSecond).toMatchObject({ type: 'number', minimum: 1, maximum: 100000 });
  expect(create.properties.Tag).toMatchObject({ type: 'array', maxItems: 20, items: { required: ['Key', 'Value'] } });

  const list = served.paths['/v1/projects'].get.parameters as Json[];
  expect(list.find((p) => p.name === 'MaxResults')).toMatchObject({ in: 'query', required: false, schema: { minimum: 1, maximum: 100 } });
  const createDataset = served.paths['/v1/projects/{ProjectName}/datasets'].post.requestBody.content['application/json'].schema;
  expect(createDataset.properties).toHaveProperty('DatasetName');

  const reply = served.paths['/?Action=CreateProject'].post.responses['200'].content['application/json'].schema;
  expect(JSON.stringify(reply)).toContain('WebhookSecret');
  expect(served.components.schemas.Error.required).toEqual(['RequestId', 'Code', 'Message']);
});

it('has no reference that does not resolve', () => {
  const refs = [...JSON.stringify(served).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]);
  for (const ref of refs) {
    const target = ref.split('/').reduce<Json | undefined>((node, key) => node?.[key], served);
    expect({ ref, resolves: target !== undefined }).toEqual({ ref, resolves: true });
  }
});

