// V3-signed requests (ACS3-HMAC-SHA256) against the real gateway, signed by the SDK's own signer
// (@alicloud/openapi-util getAuthorization): valid ones over query, form, JSON and REST, and every refusal —
// bad signature, tampering, body hash, unsigned headers, stale date, replayed nonce, unknown or deleted key.
import { createHash, randomUUID } from 'node:crypto';
import { stringify } from 'node:querystring';
import OpenApiUtil from '@alicloud/openapi-util';
import { uniqueName, type ImmClient, type ImmResponse } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';
import { startTestGateway } from './gateway.harness';
import { expectImmError } from './imm-expect';

jest.setTimeout(30_000);

let gateway: RunningGateway;
let admin: ImmClient;
let host: string;
let key: { id: string; secret: string };
let project: string;

const ALL = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:*', Resource: '*' }] };

beforeAll(async () => {
  ({ gateway, client: admin } = await startTestGateway());
  host = new URL(gateway.url).host;
  const minted = await admin.ok<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>('CreateAccessKey', { Policy: ALL });
  key = { id: minted.AccessKey.AccessKeyId, secret: minted.AccessKey.AccessKeySecret };
  project = uniqueName('sig');
  await admin.ok('CreateProject', { ProjectName: project });
});
afterAll(async () => {
  await gateway.close();
});

interface SignedCall {
  /** x-acs-action; defaults to the query's Action. */
  action?: string;
  method?: string;
  path?: string;
  query?: Record<string, string>;
  body?: string;
  contentType?: string;
  as?: { id: string; secret: string };
  date?: Date;
  nonce?: string;
  extraHeaders?: Record<string, string>;
  /** Changes the request after it was signed. */
  tamper?: (request: { url: string; headers: Record<string, string>; body?: string }) => void;
  algorithm?: string;
}

function acsDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Builds a request the way the SDK does, signs it with the SDK's signer, and sends it with fetch. */
async function signed(call: SignedCall): Promise<ImmResponse> {
  const as = call.as ?? key;
  const body = call.body;
  const headers: Record<string, string> = {
    host,
    'x-acs-action': call.action ?? call.query?.Action ?? 'ListProjects',
    'x-acs-version': '2020-09-30',
    'x-acs-date': acsDate(call.date ?? new Date()),
    'x-acs-signature-nonce': call.nonce ?? randomUUID(),
    'x-acs-content-sha256': createHash('sha256').update(body ?? '').digest('hex'),
    ...(body !== undefined ? { 'content-type': call.contentType ?? 'application/x-www-form-urlencoded' } : {}),
    ...call.extraHeaders,
  };
  const query = call.query ?? {};
  const path = call.path ?? '/';
  const method = call.method ?? 'POST';
  headers.authorization = OpenApiUtil.getAuthorization({ pathname: path, method, query, headers } as never, 'ACS3-HMAC-SHA256', headers['x-acs-content-sha256'], as.id, as.secret);
  if (call.algorithm) headers.authorization = headers.authorization.replace('ACS3-HMAC-SHA256', call.algorithm);
  const request = { url: `${gateway.url}${path}${Object.keys(query).length ? `?${stringify(query)}` : ''}`, headers, body };
  call.tamper?.(request);
  const { host: _host, ...sent } = request.headers;
  const res = await fetch(request.url, { method, headers: sent, body: request.body });
  return { status: res.status, body: (await res.json()) as ImmResponse['body'], headers: res.headers };
}

describe('valid V3 signatures', () => {
  it('accepts parameters in the query string, as IMM SDKs send them', async () => {
    const res = await signed({ query: { Action: 'GetProject', ProjectName: project } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ Project: { ProjectName: project } });
  });

  it('accepts a signed form body and a signed JSON body', async () => {
    const form = await signed({ action: 'CreateDataset', body: stringify({ Action: 'CreateDataset', ProjectName: project, DatasetName: 'from_form', Description: "a b*c'(d)" }) });
    expect(form.status).toBe(200);
    expect(form.body).toMatchObject({ Dataset: { DatasetName: 'from_form', Description: "a b*c'(d)" } });
    const json = await signed({ action: 'GetDataset', body: JSON.stringify({ Action: 'GetDataset', ProjectName: project, DatasetName: 'from_form' }), contentType: 'application/json; charset=utf-8' });
    expect(json.status).toBe(200);
  });

  it('accepts signed REST calls, with the path in the canonical request', async () => {
    const res = await signed({ method: 'GET', path: `/v1/projects/${project}/datasets/from_form`, query: { Action: 'GetDataset' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ Dataset: { ProjectName: project, DatasetName: 'from_form' } });
  });

  it('lets the admin key sign with ADMIN_ACCESS_KEY_ID', async () => {
    const res = await signed({ as: { id: process.env.ADMIN_ACCESS_KEY_ID ?? 'admin', secret: process.env.ADMIN_API_KEY! }, query: { Action: 'ListAccessKeys', MaxResults: '1' } });
    expect(res.status).toBe(200);
  });

  it('accepts a date up to 15 minutes off', async () => {
    expect((await signed({ query: { Action: 'GetProject', ProjectName: project }, date: new Date(Date.now() - 14 * 60_000) })).status).toBe(200);
    expect((await signed({ query: { Action: 'GetProject', ProjectName: project }, date: new Date(Date.now() + 14 * 60_000) })).status).toBe(200);
  });
});

describe('refused V3 signatures', () => {
  const getProject = () => ({ query: { Action: 'GetProject', ProjectName: project } });

  it('refuses a signature made with another secret', async () => {
    expectImmError(await signed({ ...getProject(), as: { id: key.id, secret: 'wrong-secret-0123456789' } }), 401, 'InvalidAccessKeyId', /^Bad signature: the signature does not match/);
  });

  it('refuses a request changed after signing: query value, added parameter, signed header, REST path', async () => {
    const tampered: Array<SignedCall['tamper']> = [
      (r) => (r.url = r.url.replace(project, `${project}x`)),
      (r) => (r.url = `${r.url}&Extra=1`),
      (r) => (r.headers['x-acs-version'] = '2020-09-31'),
    ];
    for (const tamper of tampered) expectImmError(await signed({ ...getProject(), tamper }), 401, 'InvalidAccessKeyId', /^Bad signature/);
    const restPath = await signed({ method: 'GET', path: `/v1/projects/${project}`, tamper: (r) => (r.url = r.url.replace(`/v1/projects/${project}`, `/v1/projects/${project}/datasets`)) });
    expectImmError(restPath, 401, 'InvalidAccessKeyId', /^Bad signature/);
  });

  it('refuses a body that does not match x-acs-content-sha256', async () => {
    const res = await signed({
      action: 'GetProject',
      body: stringify({ Action: 'GetProject', ProjectName: project }),
      tamper: (r) => (r.body = stringify({ Action: 'DeleteProject', ProjectName: project })),
    });
    expectImmError(res, 401, 'InvalidAccessKeyId', 'Bad signature: x-acs-content-sha256 is not the SHA-256 of the request body.');
  });

  it('refuses an x-acs-* header left out of SignedHeaders', async () => {
    const res = await signed({ ...getProject(), tamper: (r) => (r.headers['x-acs-security-token'] = 'added later') });
    expectImmError(res, 401, 'InvalidAccessKeyId', 'The header x-acs-security-token is not in SignedHeaders; every x-acs-* header and host must be signed.');
  });

  it('refuses a request without x-acs-signature-nonce', async () => {
    const res = await signed({ ...getProject(), tamper: (r) => delete r.headers['x-acs-signature-nonce'] });
    expectImmError(res, 401, 'InvalidAccessKeyId', 'The signed request lacks the x-acs-signature-nonce header.');
  });

  it('refuses a stale date, in the past or the future, even when the signature is right', async () => {
    const past = await signed({ ...getProject(), date: new Date(Date.now() - 16 * 60_000) });
    expectImmError(past, 401, 'InvalidAccessKeyId', /^Stale date: x-acs-date \S+ is more than 15 minutes from the server time/);
    const future = await signed({ ...getProject(), date: new Date(Date.now() + 16 * 60_000) });
    expectImmError(future, 401, 'InvalidAccessKeyId', /^Stale date/);
    expectImmError(await signed({ ...getProject(), extraHeaders: { 'x-acs-date': 'yesterday' } }), 401, 'InvalidAccessKeyId', /is not a UTC time/);
  });

  it('accepts a nonce once: the same signed request replayed is refused', async () => {
    const nonce = randomUUID();
    const first = await signed({ ...getProject(), nonce });
    expect(first.status).toBe(200);
    expectImmError(await signed({ ...getProject(), nonce }), 401, 'InvalidAccessKeyId', `Replayed nonce: x-acs-signature-nonce ${nonce} was already used.`);
    // Nonces are per key: another key may use the same one.
    expect((await signed({ ...getProject(), nonce, as: { id: process.env.ADMIN_ACCESS_KEY_ID ?? 'admin', secret: process.env.ADMIN_API_KEY! } })).status).toBe(200);
  });

  it('does not spend a nonce on a request whose signature fails', async () => {
    const nonce = randomUUID();
    expectImmError(await signed({ ...getProject(), nonce, as: { id: key.id, secret: 'wrong-secret-0123456789' } }), 401, 'InvalidAccessKeyId', /^Bad signature/);
    expect((await signed({ ...getProject(), nonce })).status).toBe(200);
  });

  it('refuses an unknown key, a deleted key and an unsupported algorithm', async () => {
    expectImmError(await signed({ ...getProject(), as: { id: 'LTAIdoesnotexist', secret: 'x'.repeat(20) } }), 401, 'InvalidAccessKeyId', 'The access key LTAIdoesnotexist is unknown.');
    const doomed = await admin.ok<{ AccessKey: { AccessKeyId: string; AccessKeySecret: string } }>('CreateAccessKey', { Policy: ALL });
    const as = { id: doomed.AccessKey.AccessKeyId, secret: doomed.AccessKey.AccessKeySecret };
    expect((await signed({ ...getProject(), as })).status).toBe(200);
    await admin.ok('DeleteAccessKey', { AccessKeyId: as.id });
    expectImmError(await signed({ ...getProject(), as }), 401, 'InvalidAccessKeyId', `The access key ${as.id} has been deleted.`);
    expectImmError(await signed({ ...getProject(), algorithm: 'ACS3-HMAC-SM3' }), 401, 'InvalidAccessKeyId', 'The signature algorithm ACS3-HMAC-SM3 is not supported: sign with ACS3-HMAC-SHA256.');
  });

  it('refuses a malformed Authorization header, naming what is wrong', async () => {
    const res = await signed({ ...getProject(), tamper: (r) => (r.headers.authorization = `ACS3-HMAC-SHA256 Credential=${key.id},Signature=${'0'.repeat(64)}`) });
    expectImmError(res, 401, 'InvalidAccessKeyId', 'Bad signature: the Authorization header has no SignedHeaders.');
  });
});
