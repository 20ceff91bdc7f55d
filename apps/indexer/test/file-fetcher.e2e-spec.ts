import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileFailure } from '../src/file-failure';
import { FileFetcher, MAX_REDIRECTS } from '../src/file-fetcher';

let work: string;
let root: string;
let outside: string;
let server: Server;
let base: string;

const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 800;

async function failure(promise: Promise<unknown>): Promise<FileFailure> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof FileFailure)) throw new Error(`expected a FileFailure, got ${String(err)}`);
  return err;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'simclust-fetcher-'));
  root = join(work, 'root');
  outside = join(work, 'outside');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, 'sub', 'inside.bin'), 'inside bytes');
  await writeFile(join(outside, 'secret.bin'), 'secret bytes');
  await writeFile(join(root, 'big.bin'), Buffer.alloc(MAX_BYTES + 1));
  await symlink(join(outside, 'secret.bin'), join(root, 'escape.bin'));
  await symlink(join(root, 'sub', 'inside.bin'), join(root, 'alias.bin'));

  server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/image.bin') return res.end('served bytes');
    if (path.startsWith('/hop/')) {
      const n = Number(path.split('/')[2]);
      res.writeHead(302, { location: n === 0 ? '/image.bin' : `/hop/${n - 1}` });
      return res.end();
    }
    if (path === '/to-file') {
      res.writeHead(302, { location: 'file:///etc/hostname' });
      return res.end();
    }
    if (path === '/declared-big') {
      res.writeHead(200, { 'content-length': String(MAX_BYTES + 1) });
      return res.end(Buffer.alloc(MAX_BYTES + 1));
    }
    if (path === '/streamed-big') {
      res.writeHead(200);
      for (let i = 0; i < 4; i++) res.write(Buffer.alloc(MAX_BYTES / 2));
      return res.end();
    }
    if (path === '/slow') return setTimeout(() => res.end('too late'), TIMEOUT_MS * 3).unref();
    if (path === '/dribble') {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 100);
      res.on('close', () => clearInterval(timer));
      return undefined;
    }
    if (path === '/broken') {
      res.writeHead(500);
      return res.end();
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(work, { recursive: true, force: true });
});

const fetcher = (allowPrivateNetwork = true) => FileFetcher.create({ allowedRoots: [root], allowPrivateNetwork, maxBytes: MAX_BYTES, timeoutMs: TIMEOUT_MS });

describe('file:// URIs', () => {
  it('reads a file inside a root, also through a symlink that stays inside', async () => {
    const f = await fetcher();
    expect(await f.fetch(pathToFileURL(join(root, 'sub', 'inside.bin')).href)).toEqual({ bytes: Buffer.from('inside bytes'), filename: 'inside.bin' });
    expect((await f.fetch(pathToFileURL(join(root, 'alias.bin')).href)).bytes.toString()).toBe('inside bytes');
  });

  it.each([
    ['a missing file', () => pathToFileURL(join(root, 'nope.jpg')).href, 'InvalidArgument', /^File does not exist\.$/],
    ['a path outside the roots', () => pathToFileURL(join(outside, 'secret.bin')).href, 'AccessDenied', /outside ALLOWED_FILE_ROOTS/],
    ['a .. escape', () => `file://${root}/../outside/secret.bin`, 'AccessDenied', /outside ALLOWED_FILE_ROOTS/],
    ['an encoded .. escape', () => `file://${root}/%2e%2e/outside/secret.bin`, 'AccessDenied', /outside ALLOWED_FILE_ROOTS/],
    ['a symlink pointing outside', () => pathToFileURL(join(root, 'escape.bin')).href, 'AccessDenied', /symbolic link/],
    ['a directory', () => pathToFileURL(join(root, 'sub')).href, 'InvalidArgument', /not a regular file/],
    ['a file over FETCH_MAX_BYTES', () => pathToFileURL(join(root, 'big.bin')).href, 'LimitExceededError', /FETCH_MAX_BYTES/],
    ['a missing file outside the roots (existence not revealed)', () => pathToFileURL(join(outside, 'nope.jpg')).href, 'AccessDenied', /outside/],
  ])('refuses %s', async (_what, uri, code, reason) => {
    const err = await failure((await fetcher()).fetch(uri()));
    expect(err.code).toBe(code);
    expect(err.reason).toMatch(reason);
  });
});

describe('http(s):// URIs', () => {
  it('downloads, following up to MAX_REDIRECTS redirects', async () => {
    const f = await fetcher();
    expect(await f.fetch(`${base}/image.bin`)).toEqual({ bytes: Buffer.from('served bytes'), filename: 'image.bin' });
    expect((await f.fetch(`${base}/hop/${MAX_REDIRECTS - 1}`)).bytes.toString()).toBe('served bytes');
  });

  it.each([
    ['a 404', '/missing.jpg', 'InvalidArgument', /File does not exist \(HTTP 404\)/],
    ['a 500', '/broken', 'InvalidArgument', /HTTP 500/],
    ['too many redirects', `/hop/${MAX_REDIRECTS}`, 'InvalidArgument', /redirected more than 3 times/],
    ['a redirect to file://', '/to-file', 'InvalidArgument', /unsupported scheme \(file\)/],
    ['an announced oversize body', '/declared-big', 'LimitExceededError', /announces \d+ bytes, more than FETCH_MAX_BYTES/],
    ['a streamed oversize body', '/streamed-big', 'LimitExceededError', /larger than FETCH_MAX_BYTES/],
    ['a server that does not answer in time', '/slow', 'InvalidArgument', /within FETCH_TIMEOUT_MS \(800 ms\)/],
    ['a server that dribbles bytes for ever', '/dribble', 'InvalidArgument', /within FETCH_TIMEOUT_MS/],
  ])('refuses %s', async (_what, path, code, reason) => {
    const err = await failure((await fetcher()).fetch(`${base}${path}`));
    expect(err.code).toBe(code);
    expect(err.reason).toMatch(reason);
  });

  it('reports a closed port', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await failure((await fetcher()).fetch(`http://127.0.0.1:${port}/a.jpg`));
    expect(err.reason).toBe(`The connection to 127.0.0.1:${port} was refused.`);
  });

  it.each([
    ['an IP literal', () => `${base}/image.bin`],
    ['a name that resolves to loopback', () => `${base.replace('127.0.0.1', 'localhost')}/image.bin`],
    ['a private address', () => 'http://10.1.2.3/a.jpg'],
    ['link-local metadata', () => 'http://169.254.169.254/latest/meta-data'],
    ['an IPv6 loopback', () => 'http://[::1]/a.jpg'],
  ])('refuses %s when ALLOW_PRIVATE_NETWORK is false', async (_what, uri) => {
    const err = await failure((await fetcher(false)).fetch(uri()));
    expect(err.code).toBe('AccessDenied');
    expect(err.reason).toMatch(/private, loopback or link-local address.*ALLOW_PRIVATE_NETWORK is false/);
  });

  it('reports a host that does not resolve', async () => {
    const err = await failure((await fetcher(false)).fetch('https://no-such-host.invalid/a.jpg'));
    expect(err.reason).toBe('The host no-such-host.invalid does not resolve.');
  });
});
