// The real Alibaba Cloud OpenAPI client (@alicloud/openapi-client, which IMM's SDKs are built on) against the
// gateway: ACS3-HMAC-SHA256 signed calls with an access key limited to one project run a whole flow with real images
// through the in-process indexer and clustering worker; a wrong secret fails in the client with our error code.
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import OpenApi, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';
import { RuntimeOptions } from '@alicloud/tea-util';
import type { WorkerApp } from '@simclust/runtime';
import { uniqueName, waitFor, type ImmClient } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';

jest.setTimeout(120_000);

const DEV_DIR = realpathSync('/work/shared/bench/dev');
const DEV_IMAGES = join(DEV_DIR, 'images');
/** One burst of DEV (a cluster in truth.json) and one unrelated photo. */
const BURST = ['img_11960.jpg', 'img_13326.jpg', 'img_26599.jpg', 'img_59373.jpg', 'img_88168.jpg'];
const LONER = 'img_10680.jpg';

let gateway: RunningGateway;
let admin: ImmClient;
let indexer: WorkerApp;
let worker: WorkerApp;
let port: number;

beforeAll(async () => {
  const roots = new Set([...(process.env.ALLOWED_FILE_ROOTS ?? '').split(',').filter(Boolean), DEV_DIR]);
  // LOG_LEVEL error: the in-process workers would otherwise warn about every stale command other suites left behind.
  ({ gateway, client: admin } = await startTestGateway({ ALLOWED_FILE_ROOTS: [...roots].join(','), LOG_LEVEL: 'error' }));
  port = Number(new URL(gateway.url).port);
  // The flow needs the workers behind the gateway; this test runs them in its process, as the pipeline tests do.
  // eslint-disable-next-line @nx/enforce-module-boundaries
  const { startIndexer } = await import('../../indexer/src/bootstrap');
  // eslint-disable-next-line @nx/enforce-module-boundaries
  const { startClusteringWorker } = await import('../../clustering-worker/src/bootstrap');
  indexer = await startIndexer(0);
  worker = await startClusteringWorker({ port: 0 });
});
afterAll(async () => {
  await worker?.close();
  await indexer?.close();
  await gateway?.close();
});

function sdkClient(accessKeyId: string, accessKeySecret: string): OpenApi {
  return new OpenApi(new Config({ accessKeyId, accessKeySecret, endpoint: `127.0.0.1:${port}`, protocol: 'http' }));
}

type Body = Record<string, unknown>;

/** An RPC call exactly as IMM's generated SDK makes it: parameters in the query, structured ones as JSON strings. */
async function call(client: OpenApi, action: string, query: Body, how: 'query' | 'form' | 'json' = 'query'): Promise<Body> {
  const shrunk = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v]));
  const params = new Params({
    action,
    version: '2020-09-30',
    protocol: 'HTTP',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: how === 'json' ? 'json' : 'formData',
    bodyType: 'json',
  });
  const request =
    how === 'query' ? new OpenApiRequest({ query: OpenApiUtil.query(shrunk) }) : new OpenApiRequest({ body: how === 'json' ? query : shrunk });
  const response = (await client.callApi(params, request, new RuntimeOptions({}))) as { statusCode: number; body: Body };
  expect(response.statusCode).toBe(200);
  return response.body;
}

async function waitTask(client: OpenApi, ProjectName: string, TaskType: string, TaskId: string): Promise<Body> {
  return waitFor(
    async () => {
      const task = await call(client, 'GetTask', { ProjectName, TaskType, TaskId });
      return task.Status === 'Running' ? undefined : task;
    },
    { timeoutMs: 90_000, intervalMs: 250, what: `${TaskType} ${TaskId}` },
  );
}

describe('@alicloud/openapi-client against the gateway', () => {
  it('signs with ACS3-HMAC-SHA256 by default, which the gateway verifies', async () => {
    const client = sdkClient(process.env.ADMIN_ACCESS_KEY_ID ?? 'admin', process.env.ADMIN_API_KEY!);
    // The admin key signs like any key.
    const listed = await call(client, 'ListProjects', { MaxResults: 1 });
    expect(Array.isArray(listed.Projects)).toBe(true);
  });

  it('runs CreateProject → CreateDataset → BatchIndexFileMeta → GetTask → CreateSimilarImageClusteringTask → QuerySimilarImageClusters with a key limited to its project', async () => {
    const ProjectName = uniqueName('sdk');
    const DatasetName = uniqueName('sdkds');
    const minted = await admin.ok<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>('CreateAccessKey', {
      Description: 'sdk flow',
      Policy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:*', Resource: [`acs:imm:*:*:project/${ProjectName}`, `acs:imm:*:*:project/${ProjectName}/*`] }] },
    });
    const client = sdkClient(minted.AccessKey.AccessKeyId, minted.AccessKey.AccessKeySecret);

    const project = await call(client, 'CreateProject', { ProjectName, Description: 'from the SDK', Tag: [{ Key: 'via', Value: 'sdk' }] });
    expect(project.Project).toMatchObject({ ProjectName, Description: 'from the SDK', Tags: [{ Key: 'via', Value: 'sdk' }] });
    // A form body and a JSON body are signed through x-acs-content-sha256.
    await call(client, 'CreateDataset', { ProjectName, DatasetName }, 'form');
    expect(await call(client, 'GetDataset', { ProjectName, DatasetName }, 'json')).toMatchObject({ Dataset: { ProjectName, DatasetName } });

    const Files = [...BURST, LONER].map((name) => ({ URI: `file://${join(DEV_IMAGES, name)}`, CustomLabels: { name } }));
    const indexing = await call(client, 'BatchIndexFileMeta', { ProjectName, DatasetName, Files });
    expect(indexing.TaskId).toEqual(expect.any(String));
    const indexed = await waitTask(client, ProjectName, 'IndexFileMeta', String(indexing.TaskId));
    expect(indexed).toMatchObject({ Status: 'Succeeded', ProjectName, TaskType: 'IndexFileMeta' });

    const clustering = await call(client, 'CreateSimilarImageClusteringTask', { ProjectName, DatasetName });
    const clustered = await waitTask(client, ProjectName, 'SimilarImageClustering', String(clustering.TaskId));
    expect(clustered).toMatchObject({ Status: 'Succeeded', TaskType: 'SimilarImageClustering' });

    const answer = await call(client, 'QuerySimilarImageClusters', { ProjectName, DatasetName });
    const clusters = answer.SimilarImageClusters as Array<{ Files: Array<{ URI: string }> }>;
    expect(clusters).toHaveLength(1);
    expect(clusters[0].Files.map((f) => f.URI.split('/').pop()).sort()).toEqual([...BURST].sort());

    // The key's policy holds over signed calls too: another project is refused with our code.
    await expect(call(client, 'GetProject', { ProjectName: uniqueName('other') })).rejects.toMatchObject({ code: 'AccessDenied', data: expect.objectContaining({ statusCode: 403 }) });
  });

  it('fails in the client with InvalidAccessKeyId when the secret is wrong or the key unknown', async () => {
    const minted = await admin.ok<{ AccessKey: { AccessKeyId: string } }>('CreateAccessKey', {
      Policy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:*', Resource: '*' }] },
    });
    const wrong = sdkClient(minted.AccessKey.AccessKeyId, 'not-the-secret-0123456789');
    const failure = call(wrong, 'ListProjects', {});
    await expect(failure).rejects.toMatchObject({ code: 'InvalidAccessKeyId', data: expect.objectContaining({ statusCode: 401 }) });
    await expect(failure).rejects.toThrow(/Bad signature/);
    await expect(call(sdkClient('LTAInosuchkey', 'whatever-secret'), 'ListProjects', {})).rejects.toMatchObject({ code: 'InvalidAccessKeyId', message: expect.stringContaining('unknown') });
  });
});
