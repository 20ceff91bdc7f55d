import { stringify } from 'node:querystring';
import OpenApiUtil from '@alicloud/openapi-util';
import {
  acs3Signature,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  parseAcs3Authorization,
  percentEncode,
  sha256Hex,
  SignatureError,
} from './signature';

const SECRET = 'test-secret-0123456789';
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// Vectors assembled by hand from the public specification; the signatures were computed outside this code with
// `sha256sum` and `openssl dgst -sha256 -hmac`.
describe('V3 signature vectors', () => {
  it('an RPC call with the parameters in a form-encoded query string', () => {
    const headers = {
      host: 'gw.example:8080',
      'x-acs-action': 'CreateProject',
      'x-acs-version': '2020-09-30',
      'x-acs-date': '2024-05-01T10:00:00Z',
      'x-acs-signature-nonce': 'n-1',
      'x-acs-content-sha256': EMPTY,
      'user-agent': 'not signed',
    };
    const signedHeaders = ['x-acs-version', 'host', 'x-acs-action', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'];
    const url = "/?ProjectName=p+1&Action=CreateProject&Z=it's*&Tag=%5B%7B%22Key%22%3A%22a%22%7D%5D";
    const expected = [
      'POST',
      '/',
      'Action=CreateProject&ProjectName=p%201&Tag=%5B%7B%22Key%22%3A%22a%22%7D%5D&Z=it%27s%2A',
      'host:gw.example:8080',
      'x-acs-action:CreateProject',
      `x-acs-content-sha256:${EMPTY}`,
      'x-acs-date:2024-05-01T10:00:00Z',
      'x-acs-signature-nonce:n-1',
      'x-acs-version:2020-09-30',
      '',
      'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
      EMPTY,
    ].join('\n');
    const canonical = canonicalRequest({ method: 'post', url, headers, signedHeaders, payloadHash: EMPTY });
    expect(canonical).toBe(expected);
    expect(acs3Signature(SECRET, canonical)).toBe('aa4f4c3ab6d30fac396e14a5b1d6c071992af783d1740b48775a9a101e3532f6');
  });

  it('a REST call with an encoded path, an empty query value and a signed form body', () => {
    const bodyHash = sha256Hex('Action=A&B=1');
    expect(bodyHash).toBe('d324505a8220aa92277537e35a31dd1a61f55ce07c4623fffc0d657c4f71865d');
    const headers = {
      host: 'h',
      'content-type': ' application/x-www-form-urlencoded ',
      'x-acs-date': '2024-05-01T10:00:00Z',
      'x-acs-signature-nonce': 'n-2',
      'x-acs-content-sha256': bodyHash,
    };
    const canonical = canonicalRequest({
      method: 'PUT',
      url: '/v1/projects/my%20proj/datasets/d%7E1?Z&A=b',
      headers,
      signedHeaders: ['content-type', 'host', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce'],
      payloadHash: bodyHash,
    });
    expect(canonical.split('\n').slice(0, 3)).toEqual(['PUT', '/v1/projects/my%20proj/datasets/d~1', 'A=b&Z=']);
    expect(canonical).toContain('\ncontent-type:application/x-www-form-urlencoded\n');
    expect(acs3Signature(SECRET, canonical)).toBe('d60ae8addd6c34c45d159c21c9d48395b33cc46c596f8fbfab322a832a866275');
  });
});

describe("agreement with the SDK's signer (@alicloud/openapi-util)", () => {
  it('verifies what getAuthorization signs, for values with reserved and non-ASCII characters', () => {
    const query = { Action: 'BatchIndexFileMeta', ProjectName: 'p_1', Files: JSON.stringify([{ URI: 'file:///a b/(1)*!.jpg', CustomLabels: { 名: "it's" } }]), Empty: '' };
    const headers: Record<string, string> = {
      host: '127.0.0.1:8080',
      'x-acs-version': '2020-09-30',
      'x-acs-action': 'BatchIndexFileMeta',
      'x-acs-date': '2024-05-01T10:00:00Z',
      'x-acs-signature-nonce': 'abc',
      accept: 'application/json',
      'x-acs-content-sha256': EMPTY,
    };
    const authorization = OpenApiUtil.getAuthorization(
      { pathname: '/', method: 'POST', query, headers } as never,
      'ACS3-HMAC-SHA256',
      EMPTY,
      'LTAItest',
      SECRET,
    );
    const parsed = parseAcs3Authorization(authorization);
    expect(parsed).toMatchObject({ algorithm: 'ACS3-HMAC-SHA256', accessKeyId: 'LTAItest' });
    // The URL as the SDK's transport writes it (querystring.stringify), as the gateway then receives it.
    const canonical = canonicalRequest({ method: 'POST', url: `/?${stringify(query)}`, headers, signedHeaders: parsed.signedHeaders, payloadHash: EMPTY });
    expect(acs3Signature(SECRET, canonical)).toBe(parsed.signature);
    expect(acs3Signature('another-secret', canonical)).not.toBe(parsed.signature);
  });
});

describe('pieces', () => {
  it('percent-encodes per RFC 3986', () => {
    expect(percentEncode("a b+c*d~e!f'g(h)i/é")).toBe('a%20b%2Bc%2Ad~e%21f%27g%28h%29i%2F%C3%A9');
  });

  it('sorts the query by encoded key, then value, and keeps empty values', () => {
    expect(canonicalQueryString('b=2&a=&c&a=1&&B=0')).toBe('B=0&a=&a=1&b=2&c=');
  });

  it('refuses malformed percent-encoding', () => {
    expect(() => canonicalQueryString('a=%E0%A4%A')).toThrow(SignatureError);
    expect(() => canonicalUri('/v1/%zz')).toThrow(SignatureError);
  });

  it('names the signed header that is missing from the request', () => {
    expect(() => canonicalRequest({ method: 'GET', url: '/', headers: { host: 'h' }, signedHeaders: ['host', 'x-acs-date'], payloadHash: EMPTY })).toThrow(
      'the signed header x-acs-date is not in the request',
    );
  });

  it('parses the Authorization header and refuses malformed ones', () => {
    const sig = 'A'.repeat(64);
    expect(parseAcs3Authorization(`ACS3-HMAC-SHA256 Credential=LTAI1, SignedHeaders=Host;x-acs-date, Signature=${sig}`)).toEqual({
      algorithm: 'ACS3-HMAC-SHA256',
      accessKeyId: 'LTAI1',
      signedHeaders: ['host', 'x-acs-date'],
      signature: sig.toLowerCase(),
    });
    expect(() => parseAcs3Authorization('ACS3-HMAC-SHA256 SignedHeaders=host,Signature=' + sig)).toThrow('no Credential');
    expect(() => parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=abc')).toThrow('64 hex digits');
    expect(() => parseAcs3Authorization('ACS3-HMAC-SHA256')).toThrow('not of the form');
  });
});
