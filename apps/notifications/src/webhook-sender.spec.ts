import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '@simclust/secrets';
import { WebhookReceiver } from '@simclust/testing';
import { WebhookSender } from './webhook-sender';

const secret = generateWebhookSecret();
const body = JSON.stringify({ id: '3BF-abc', source: 'acs.imm', type: 'imm:Task:SimilarImageClustering', subject: 's', time: '1', content: '{}' });
let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await new WebhookReceiver().start();
});
afterEach(() => receiver.stop());

describe('WebhookSender', () => {
  it('POSTs the exact body as JSON with Standard Webhooks headers that verify()', async () => {
    const result = await new WebhookSender(true).send({ url: `${receiver.url}/hook`, webhookId: '3BF-abc', body, secret });
    expect(result).toMatchObject({ status: 204 });
    expect(result.error).toBeUndefined();
    const [hook] = receiver.received;
    expect(hook.body).toBe(body);
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['webhook-id']).toBe('3BF-abc');
    expect(Math.abs(Number(hook.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(hook.body, hook.headers as Record<string, string>)).toThrow();
  });

  it('refuses to connect to a loopback address unless the private network is allowed, and never retries that', async () => {
    const result = await new WebhookSender(false).send({ url: `${receiver.url}/hook`, webhookId: 'x', body, secret });
    expect(result).toMatchObject({ permanent: true, error: expect.stringContaining('private, loopback or link-local') });
    expect(result.status).toBeUndefined();
    // A name is checked on the address it resolves to, when the connection is made.
    const byName = await new WebhookSender(false).send({ url: receiver.url.replace('127.0.0.1', 'localhost'), webhookId: 'x', body, secret });
    expect(byName).toMatchObject({ permanent: true, error: expect.stringContaining('private, loopback or link-local') });
    expect(receiver.received).toHaveLength(0);
  });

  it('does not follow a redirect, and keeps at most 1 KB of an answer', async () => {
    receiver.respond = (hook) => (hook.path === '/moved' ? { status: 302, headers: { location: '/elsewhere' } } : { status: 500, body: 'x'.repeat(64 * 1024) });
    const moved = await new WebhookSender(true).send({ url: `${receiver.url}/moved`, webhookId: 'x', body, secret });
    expect(moved.status).toBe(302);
    expect(receiver.received.map((h) => h.path)).toEqual(['/moved']);
    const large = await new WebhookSender(true).send({ url: `${receiver.url}/large`, webhookId: 'x', body, secret });
    expect(large.status).toBe(500);
    expect(Buffer.byteLength(large.error!)).toBeLessThanOrEqual(1024);
    expect(large.error).toMatch(/^HTTP 500: x+$/);
  });

  it('gives up on a receiver that does not answer within the time-out', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const result = await new WebhookSender(true, 300).send({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, webhookId: 'x', body, secret });
      expect(result).toMatchObject({ error: 'no answer within 300 ms' });
      expect(result.status).toBeUndefined();
      expect(result.permanent).toBeFalsy();
      expect(result.latencyMs).toBeGreaterThanOrEqual(290);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('reports a refused connection as a retryable error and a non-http scheme as permanent', async () => {
    await receiver.stop();
    const refused = await new WebhookSender(true).send({ url: receiver.url, webhookId: 'x', body, secret });
    expect(refused).toMatchObject({ error: expect.stringContaining('ECONNREFUSED') });
    expect(refused.permanent).toBeFalsy();
    const ftp = await new WebhookSender(true).send({ url: 'ftp://example.com/', webhookId: 'x', body, secret });
    expect(ftp.permanent).toBe(true);
  });
});
