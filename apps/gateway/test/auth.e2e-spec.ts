// Authentication against the real gateway: missing, malformed, unknown and deleted keys over RPC and REST, open
// operational routes, and no secret in clear in a dump of the database or in the gateway's logs.
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import OpenApiUtil from '@alicloud/openapi-util';
import { ImmClient, uniqueName } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';
import { expectImmError, http } from './imm-expect';

jest.setTimeout(30_000);

let gateway: RunningGateway;
let admin: ImmClient;
/** Everything the gateway's logger wrote: pino writes to process.stdout once its write is replaced. */
let logs = '';
let restoreStdout: () => void;

beforeAll(async () => {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logs += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  restoreStdout = () => (process.stdout.write = write);
  // debug: the most the gateway ever logs, so the search for secrets sees everything.
  ({ gateway, client: admin } = await startTestGateway({ LOG_LEVEL: 'debug' }));
});
afterAll(async () => {
  await gateway.close();
  restoreStdout();
});

const ALL = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:*', Resource: '*' }] };

describe('authentication', () => {
  it('refuses a call without a key, over RPC and REST', async () => {
    const message = 'No access key was given: send Authorization: Bearer <AccessKeySecret>, or sign the request with ACS3-HMAC-SHA256.';
    expectImmError(await admin.withKey(null).call('ListProjects'), 401, 'InvalidAccessKeyId', message);
    expectImmError(await http(gateway.url, '/v1/projects', { key: null }), 401, 'InvalidAccessKeyId', message);
    expectImmError(await http(gateway.url, '/?Action=NoSuchAction', { key: null }), 401, 'InvalidAccessKeyId', message);
  });

  it('refuses an unknown key and an Authorization header of another form', async () => {
    expectImmError(await admin.withKey('not-a-key-0123456789').call('ListProjects'), 401, 'InvalidAccessKeyId', 'The access key is unknown: no access key has this AccessKeySecret.');
    expectImmError(await http(gateway.url, '/v1/projects', { key: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }), 401, 'InvalidAccessKeyId', /not of a supported form/);
  });

  it('refuses a deleted key, over RPC and REST', async () => {
    const created = await admin.ok<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>('CreateAccessKey', { Policy: ALL });
    const { AccessKeyId, AccessKeySecret } = created.AccessKey;
    expect((await http(gateway.url, '/v1/projects?MaxResults=1', { key: AccessKeySecret })).status).toBe(200);
    await admin.ok('DeleteAccessKey', { AccessKeyId });
    expectImmError(await admin.withKey(AccessKeySecret).call('ListProjects'), 401, 'InvalidAccessKeyId', `The access key ${AccessKeyId} has been deleted.`);
    expectImmError(await http(gateway.url, '/v1/projects', { key: AccessKeySecret }), 401, 'InvalidAccessKeyId', /has been deleted/);
  });

  it('keeps health and docs open without a key', async () => {
    for (const path of ['/health/live', '/health/ready', '/docs/json']) {
      expect({ path, status: (await fetch(`${gateway.url}${path}`)).status }).toEqual({ path, status: 200 });
    }
  });
});

describe('secrets at rest and in logs', () => {
  it('finds no access key secret, webhook secret or admin key in clear in a database dump or in the logs', async () => {
    const created = await admin.ok<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>('CreateAccessKey', { Description: 'dump test', Policy: ALL });
    const { AccessKeyId, AccessKeySecret } = created.AccessKey;
    const key = admin.withKey(AccessKeySecret);
    const ProjectName = uniqueName('dump');
    const project = await key.ok<{ WebhookSecret: string }>('CreateProject', { ProjectName });
    const endpoint = await key.ok<{ WebhookEndpoint: { Secret: string } }>('CreateWebhookEndpoint', { ProjectName, URL: 'https://93.184.216.34/hooks/simclust' });
    const rotated = await key.ok<{ WebhookSecret: string }>('RotateWebhookSecret', { ProjectName });
    // The secret also travels as a V3 signature's key and in a failed Bearer attempt with a near miss.
    const headers: Record<string, string> = {
      host: new URL(gateway.url).host,
      'x-acs-action': 'GetProject',
      'x-acs-version': '2020-09-30',
      'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': randomUUID(),
      'x-acs-content-sha256': createHash('sha256').update('').digest('hex'),
    };
    const query = { Action: 'GetProject', ProjectName };
    headers.authorization = OpenApiUtil.getAuthorization({ pathname: '/', method: 'POST', query, headers } as never, 'ACS3-HMAC-SHA256', headers['x-acs-content-sha256'], AccessKeyId, AccessKeySecret);
    const { host: _host, ...sent } = headers;
    expect((await fetch(`${gateway.url}/?${new URLSearchParams(query)}`, { method: 'POST', headers: sent })).status).toBe(200);
    expect((await admin.withKey(`${AccessKeySecret}x`).call('GetProject', { ProjectName })).status).toBe(401);

    const dump = spawnSync('pg_dump', ['--no-owner', process.env.DATABASE_URL!], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    expect(dump.status).toBe(0);
    // The dump holds the rows written above, so a missing secret means it is not there in clear.
    expect(dump.stdout).toContain(AccessKeyId);
    expect(dump.stdout).toContain(ProjectName);
    // And the logs were captured: the access log of the signed call names its project.
    expect(logs).toMatch(new RegExp(`"msg":"request completed".*${ProjectName}|${ProjectName}.*"msg":"request completed"`));
    // Request headers are logged, Authorization among them: only its redaction keeps the secrets out.
    expect(logs).toContain('"authorization":"[redacted]"');

    const secrets = {
      AccessKeySecret,
      WebhookSecret: project.WebhookSecret,
      RotatedWebhookSecret: rotated.WebhookSecret,
      EndpointSecret: endpoint.WebhookEndpoint.Secret,
      ADMIN_API_KEY: process.env.ADMIN_API_KEY!,
    };
    for (const [name, secret] of Object.entries(secrets)) {
      // The secret as sent, and its base64 body alone (webhook secrets are `whsec_` + base64).
      const forms = [secret, secret.replace(/^whsec_/, '')];
      for (const form of forms) {
        expect({ name, inDump: dump.stdout.includes(form), inLogs: logs.includes(form) }).toEqual({ name, inDump: false, inLogs: false });
      }
    }
  });
});
