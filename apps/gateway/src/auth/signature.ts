// Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), as its public specification defines the canonical
// request. Pure: the caller finds the secret, checks the date and remembers the nonce.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** Headers that a V3-signed request must carry. */
export const REQUIRED_SIGNED_HEADERS = ['host', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'] as const;

export class SignatureError extends Error {}

export interface Acs3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=a;b,Signature=<hex>`. */
export function parseAcs3Authorization(header: string): Acs3Authorization {
  const match = /^(ACS3-[A-Z0-9-]+)\s+(.+)$/.exec(header.trim());
  if (!match) throw new SignatureError('the Authorization header is not of the form ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…');
  const fields = new Map<string, string>();
  for (const part of match[2].split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SignatureError(`the Authorization header has a malformed part "${part.trim()}"`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId) throw new SignatureError('the Authorization header has no Credential=<AccessKeyId>');
  if (!signedHeaders) throw new SignatureError('the Authorization header has no SignedHeaders');
  if (!signature || !/^[0-9a-fA-F]{64}$/.test(signature)) throw new SignatureError('the Authorization header has no Signature of 64 hex digits');
  return { algorithm: match[1], accessKeyId, signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()), signature: signature.toLowerCase() };
}

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ (so space is %20, `*` is %2A). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeComponent(raw: string, what: string): string {
  try {
    // Query strings are form-encoded: `+` is a space, as the gateway's own query parser reads it.
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new SignatureError(`the ${what} has malformed percent-encoding`);
  }
}

/** Keys and values decoded, re-encoded per RFC 3986, sorted by key (then value), joined `k=v&…`; `k=` when empty. */
export function canonicalQueryString(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const segment of rawQuery.split('&')) {
    if (!segment) continue;
    const eq = segment.indexOf('=');
    const key = eq < 0 ? segment : segment.slice(0, eq);
    const value = eq < 0 ? '' : segment.slice(eq + 1);
    pairs.push([percentEncode(decodeComponent(key, 'query string')), percentEncode(decodeComponent(value, 'query string'))]);
  }
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** The path with each segment RFC 3986-encoded; `/` when empty. */
export function canonicalUri(rawPath: string): string {
  if (!rawPath) return '/';
  return rawPath
    .split('/')
    .map((segment) => {
      try {
        return percentEncode(decodeURIComponent(segment));
      } catch {
        throw new SignatureError('the request path has malformed percent-encoding');
      }
    })
    .join('/');
}

/** `name:value\n` for each signed header, names lower-cased and sorted, values trimmed. */
export function canonicalHeaders(headers: IncomingHttpHeaders, signedHeaders: string[]): string {
  return [...signedHeaders]
    .sort()
    .map((name) => {
      const value = headers[name];
      if (value === undefined) throw new SignatureError(`the signed header ${name} is not in the request`);
      return `${name}:${(Array.isArray(value) ? value.join(',') : value).trim()}\n`;
    })
    .join('');
}

export interface SignedRequest {
  method: string;
  /** The request target as received: path and raw query string. */
  url: string;
  headers: IncomingHttpHeaders;
  signedHeaders: string[];
  /** Lower-case hex SHA-256 of the body. */
  payloadHash: string;
}

export function canonicalRequest(req: SignedRequest): string {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const signed = [...req.signedHeaders].sort();
  return [req.method.toUpperCase(), canonicalUri(path), canonicalQueryString(query), canonicalHeaders(req.headers, signed), signed.join(';'), req.payloadHash].join('\n');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hex HMAC-SHA256, under the secret, of `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request. */
export function acs3Signature(secret: string, canonical: string): string {
  return createHmac('sha256', secret).update(`${ACS3_ALGORITHM}\n${sha256Hex(canonical)}`).digest('hex');
}

export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
