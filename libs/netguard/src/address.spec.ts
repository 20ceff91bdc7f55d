import { request } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlockedAddressError, assertHostAllowed, checkPublicUrl, guardedLookup, isPublicAddress } from './address';

describe('isPublicAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fe80::1', 'fc00::1', '0.0.0.0', '::ffff:127.0.0.1', '100.64.0.1'])(
    'refuses %s',
    (a) => expect(isPublicAddress(a)).toBe(false),
  );
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111'])('accepts %s', (a) => expect(isPublicAddress(a)).toBe(true));
  it('refuses garbage', () => expect(isPublicAddress('not-an-ip')).toBe(false));
});

describe('checkPublicUrl', () => {
  it('refuses bad URLs, schemes, credentials and private hosts', async () => {
    expect(await checkPublicUrl('nope', false)).toMatchObject({ ok: false, reason: /valid URL/ });
    expect(await checkPublicUrl('ftp://example.com/x', false)).toMatchObject({ ok: false, reason: /scheme ftp/ });
    expect(await checkPublicUrl('http://u:p@8.8.8.8/', false)).toMatchObject({ ok: false, reason: /credentials/ });
    expect(await checkPublicUrl('http://127.0.0.1:9/', false)).toMatchObject({ ok: false, reason: /127\.0\.0\.1/ });
    expect(await checkPublicUrl('http://[::1]/', false)).toMatchObject({ ok: false });
    expect(await checkPublicUrl('http://localhost/', false)).toMatchObject({ ok: false });
  });
  it('accepts public literal addresses, and private ones when allowed', async () => {
    expect(await checkPublicUrl('https://8.8.8.8/hook', false)).toMatchObject({ ok: true });
    expect(await checkPublicUrl('http://127.0.0.1:9/', true)).toMatchObject({ ok: true });
  });
});

describe('guardedLookup', () => {
  it('blocks a connection to loopback at connect time and allows it when private networks are allowed', async () => {
    const server = createServer((_req, res) => res.end('hi'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const get = (allow: boolean) =>
      new Promise<string>((resolve, reject) => {
        const req = request({ host: 'localhost', port, path: '/', lookup: guardedLookup(allow), family: 4 }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.end();
      });
    await expect(get(false)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(get(true)).resolves.toBe('hi');
    server.close();
  });
});

describe('assertHostAllowed', () => {
  it('refuses private IP literals (which bypass lookup) unless allowed, and lets names through to the lookup', () => {
    expect(() => assertHostAllowed('127.0.0.1', false)).toThrow(BlockedAddressError);
    expect(() => assertHostAllowed('[::1]', false)).toThrow(BlockedAddressError);
    expect(() => assertHostAllowed('169.254.169.254', false)).toThrow(BlockedAddressError);
    expect(() => assertHostAllowed('127.0.0.1', true)).not.toThrow();
    expect(() => assertHostAllowed('8.8.8.8', false)).not.toThrow();
    expect(() => assertHostAllowed('localhost', false)).not.toThrow();
  });
});
