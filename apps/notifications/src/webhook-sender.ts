import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_RESPONSE_KEEP_BYTES, WEBHOOK_TIMEOUT_MS } from '@simclust/contracts';
import { BlockedAddressError, guardedLookup, isPublicAddress } from '@simclust/netguard';
import type { AttemptResult } from './retry-policy';

export interface OutgoingWebhook {
  url: string;
  /** The Standard Webhooks `webhook-id`: the event's id, the same on every attempt. */
  webhookId: string;
  /** The exact bytes signed and sent. */
  body: string;
  /** `whsec_…` */
  secret: string;
}

/** The Standard Webhooks headers for one attempt: a fresh timestamp, the same id. */
export function signedHeaders(hook: Pick<OutgoingWebhook, 'webhookId' | 'body' | 'secret'>, at: Date): Record<string, string> {
  return {
    'webhook-id': hook.webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(hook.secret).sign(hook.webhookId, at, hook.body),
  };
}

/**
 * POSTs one signed webhook: connects only to addresses the guard allows (checked on the address actually dialled),
 * follows no redirect, gives up after the time-out, and keeps at most 1 KB of the answer.
 */
export class WebhookSender {
  private readonly lookup;

  constructor(
    private readonly allowPrivateNetwork: boolean,
    private readonly timeoutMs: number = WEBHOOK_TIMEOUT_MS,
  ) {
    this.lookup = guardedLookup(allowPrivateNetwork);
  }

  send(hook: OutgoingWebhook): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(hook.url);
    } catch {
      return Promise.resolve({ latencyMs: 0, error: 'the URL is not valid', permanent: true });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.resolve({ latencyMs: 0, error: `the scheme ${url.protocol} is not http or https`, permanent: true });
    }
    // Node dials an IP-literal host without calling `lookup`, so the guard must look at the literal itself.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.allowPrivateNetwork && isIP(literal) && !isPublicAddress(literal)) {
      return Promise.resolve({ latencyMs: 0, error: new BlockedAddressError(literal, literal).message, permanent: true });
    }
    const body = Buffer.from(hook.body, 'utf8');
    const headers = { 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'simclust-webhooks/1', ...signedHeaders(hook, new Date()) };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const finish = (result: Omit<AttemptResult, 'latencyMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, latencyMs: elapsed() });
        req.destroy();
      };
      const req = send(url, { method: 'POST', headers, lookup: this.lookup, agent: false }, (res: IncomingMessage) => {
        const kept: Buffer[] = [];
        let size = 0;
        const answer = () => ({
          status: res.statusCode,
          retryAfter: typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : undefined,
          error: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300 ? undefined : describeAnswer(res.statusCode, Buffer.concat(kept).subarray(0, WEBHOOK_RESPONSE_KEEP_BYTES)),
        });
        res.on('data', (chunk: Buffer) => {
          if (size < WEBHOOK_RESPONSE_KEEP_BYTES) kept.push(chunk);
          size += chunk.length;
          // The rest of a large answer is not needed: stop reading it.
          if (size >= WEBHOOK_RESPONSE_KEEP_BYTES) finish(answer());
        });
        res.on('end', () => finish(answer()));
        res.on('error', () => finish(answer()));
      });
      const timer = setTimeout(() => finish({ error: `no answer within ${this.timeoutMs} ms` }), this.timeoutMs);
      req.on('error', (err: Error) => {
        const blocked = err instanceof BlockedAddressError || err.name === 'BlockedAddressError';
        finish({ error: truncate(err.message || String(err)), permanent: blocked });
      });
      req.end(body);
    });
  }
}

function describeAnswer(status: number | undefined, body: Buffer): string {
  const text = body.toString('utf8').replace(/\uFFFD+$/, '');
  return truncate(`HTTP ${status ?? '?'}${text ? `: ${text}` : ''}`);
}

function truncate(text: string): string {
  return Buffer.byteLength(text) <= WEBHOOK_RESPONSE_KEEP_BYTES ? text : Buffer.from(text).subarray(0, WEBHOOK_RESPONSE_KEEP_BYTES).toString('utf8');
}
