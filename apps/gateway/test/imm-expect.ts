import type { ImmResponse } from '@simclust/testing';

/** IMM's RequestId: an uppercase UUID. */
export const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
/** RFC 3339 in UTC with a Z (contract.md). */
export const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** An IMM error answer: exactly RequestId, Code and Message, with contract.md's status for the code. */
export function expectImmError(res: { status: number; body: unknown }, status: number, code: string, message?: string | RegExp): void {
  const body = res.body as Record<string, unknown>;
  expect({ status: res.status, code: body.Code }).toEqual({ status, code });
  expect(Object.keys(body).sort()).toEqual(['Code', 'Message', 'RequestId']);
  expect(body.RequestId).toMatch(REQUEST_ID);
  expect(typeof body.Message).toBe('string');
  if (message !== undefined) expect(body.Message).toMatch(message);
}

/** A raw HTTP call against the gateway (REST routes, malformed bodies, headers the ImmClient does not send). */
export async function http(
  baseUrl: string,
  path: string,
  init: { method?: string; key?: string | null; body?: string | object; contentType?: string; headers?: Record<string, string> } = {},
): Promise<ImmResponse> {
  const headers: Record<string, string> = { ...init.headers };
  const key = init.key === undefined ? process.env.ADMIN_API_KEY : init.key;
  if (key) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (typeof init.body === 'string') body = init.body;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${init.method ?? 'GET'} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body: parsed as ImmResponse['body'], headers: res.headers };
}
