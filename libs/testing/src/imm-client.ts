import { randomBytes } from 'node:crypto';

export interface ImmResponse<T = Record<string, unknown>> {
  status: number;
  body: T & { RequestId: string; Code?: string; Message?: string };
  headers: Headers;
}

export type Encoding = 'json' | 'query' | 'form';

const STRUCTURED = new Set(['Tags', 'Tag', 'Notification', 'File', 'Files', 'URIs', 'WithFields', 'TaskTypes', 'StartTimeRange', 'EndTimeRange', 'CustomLabels', 'EventTypes', 'Policy']);

/** Calls the gateway's IMM-compatible endpoint the way IMM's SDKs do (or as JSON), with the admin key by default. */
export class ImmClient {
  constructor(
    readonly baseUrl: string,
    readonly key: string | null = process.env.ADMIN_API_KEY ?? null,
  ) {}

  withKey(key: string | null): ImmClient {
    return new ImmClient(this.baseUrl, key);
  }

  async call<T = Record<string, unknown>>(action: string, params: Record<string, unknown> = {}, encoding: Encoding = 'json'): Promise<ImmResponse<T>> {
    const headers: Record<string, string> = {};
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    let url = `${this.baseUrl}/`;
    let body: string | undefined;
    if (encoding === 'json') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify({ Action: action, ...params });
    } else {
      const flat = new URLSearchParams({ Action: action });
      for (const [k, v] of Object.entries(params)) {
        if (v === undefined) continue;
        flat.set(k, STRUCTURED.has(k) || typeof v === 'object' ? JSON.stringify(v) : String(v));
      }
      if (encoding === 'query') url += `?${flat.toString()}`;
      else {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = flat.toString();
      }
    }
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as ImmResponse<T>['body'], headers: res.headers };
  }

  /** Calls and fails loudly unless the answer is 200. */
  async ok<T = Record<string, unknown>>(action: string, params: Record<string, unknown> = {}, encoding: Encoding = 'json'): Promise<ImmResponse<T>['body']> {
    const res = await this.call<T>(action, params, encoding);
    if (res.status !== 200) throw new Error(`${action} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

/** A name no other test uses, valid as an IMM project or dataset name. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'a condition'}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
