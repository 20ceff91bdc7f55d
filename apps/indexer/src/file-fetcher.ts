import { constants as fsConstants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { basename, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlockedAddressError, guardedLookup, isPublicAddress } from '@simclust/netguard';
import { FileFailure } from './file-failure';

/** Redirects followed per download, each target checked like the first URL. */
export const MAX_REDIRECTS = 3;

export interface FetcherOptions {
  /** ALLOWED_FILE_ROOTS as configured. */
  allowedRoots: readonly string[];
  allowPrivateNetwork: boolean;
  maxBytes: number;
  timeoutMs: number;
}

export interface FetchedFile {
  bytes: Buffer;
  filename: string;
}

/**
 * Reads an image's bytes from a file:// or http(s):// URI under the configured limits. Every refusal is a
 * FileFailure with a specific reason; it never throws anything else for a bad source.
 */
export class FileFetcher {
  private readonly lookup;

  private constructor(
    private readonly options: FetcherOptions,
    /** Each root as configured and as its symlink-resolved real path. */
    private readonly roots: { configured: string[]; real: string[] },
  ) {
    this.lookup = guardedLookup(options.allowPrivateNetwork);
  }

  /** Resolves the roots once; a root that does not exist admits nothing. */
  static async create(options: FetcherOptions): Promise<FileFetcher> {
    const configured = options.allowedRoots.map((r) => resolve(r));
    const real = (await Promise.all(configured.map((r) => realpath(r).catch(() => undefined)))).filter((r): r is string => !!r);
    return new FileFetcher(options, { configured, real });
  }

  fetch(uri: string): Promise<FetchedFile> {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
    if (scheme === 'file') return this.readLocal(uri);
    if (scheme === 'http' || scheme === 'https') return this.download(uri);
    return Promise.reject(new FileFailure('InvalidArgument', `The URI scheme ${scheme ?? '(none)'} is not supported.`));
  }

  private inside(path: string, roots: readonly string[]): boolean {
    return roots.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep));
  }

  private async readLocal(uri: string): Promise<FetchedFile> {
    let path: string;
    try {
      if (!/^file:\/\/(localhost)?\//i.test(uri)) throw new Error('the path must be absolute');
      path = resolve(fileURLToPath(uri));
    } catch (err) {
      throw new FileFailure('InvalidArgument', `The URI is not a valid absolute file URI (${(err as Error).message}).`);
    }
    const named = this.inside(path, [...this.roots.configured, ...this.roots.real]);
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      // Outside the roots, say so rather than whether the file exists.
      if (!named) throw outsideRoots();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileFailure('InvalidArgument', 'File does not exist.');
      throw new FileFailure('InvalidArgument', `The file cannot be read (${code ?? (err as Error).message}).`);
    }
    if (!this.inside(real, this.roots.real)) {
      if (named) throw new FileFailure('AccessDenied', 'The path leads through a symbolic link to a location outside ALLOWED_FILE_ROOTS.');
      throw outsideRoots();
    }
    let handle;
    try {
      // O_NOFOLLOW: the checked real path must not have become a symlink since.
      handle = await open(real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
    } catch (err) {
      throw new FileFailure('InvalidArgument', `The file cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new FileFailure('InvalidArgument', 'The path is not a regular file.');
      if (stat.size > this.options.maxBytes) throw tooLarge(`The file has ${stat.size} bytes`, this.options.maxBytes);
      return { bytes: await handle.readFile(), filename: basename(path) };
    } catch (err) {
      if (err instanceof FileFailure) throw err;
      throw new FileFailure('InvalidArgument', `The file cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    } finally {
      await handle.close();
    }
  }

  private async download(uri: string): Promise<FetchedFile> {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new FileFailure('InvalidArgument', 'The URI is not a valid URL.');
    }
    const filename = safeBasename(url.pathname);
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    for (let hop = 0; ; hop++) {
      const res = await this.request(url, signal);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (hop === MAX_REDIRECTS) throw new FileFailure('InvalidArgument', `The server redirected more than ${MAX_REDIRECTS} times.`);
        const next = new URL(res.headers.location, url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new FileFailure('InvalidArgument', `The server redirected to an unsupported scheme (${next.protocol.replace(':', '')}).`);
        }
        url = next;
        continue;
      }
      if (status === 404 || status === 410) {
        res.resume();
        throw new FileFailure('InvalidArgument', `File does not exist (HTTP ${status}).`);
      }
      if (status < 200 || status >= 300) {
        res.resume();
        throw new FileFailure('InvalidArgument', `The server answered HTTP ${status}.`);
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > this.options.maxBytes) {
        res.destroy();
        throw tooLarge(`The server announces ${declared} bytes`, this.options.maxBytes);
      }
      return { bytes: await this.readBody(res, url, signal), filename };
    }
  }

  private request(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // Node skips `lookup` for IP literals, so those are checked here.
    if (isIP(host) && !this.options.allowPrivateNetwork && !isPublicAddress(host)) return Promise.reject(privateAddress(new BlockedAddressError(host, host)));
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolveResponse, reject) => {
      const req = client.request(url, { method: 'GET', lookup: this.lookup, signal, headers: { 'user-agent': 'simclust-indexer', accept: 'image/*' } }, resolveResponse);
      req.on('error', (err) => reject(this.networkFailure(err, url, signal)));
      req.end();
    });
  }

  private async readBody(res: IncomingMessage, url: URL, signal: AbortSignal): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of res) {
        received += (chunk as Buffer).length;
        if (received > this.options.maxBytes) {
          res.destroy();
          throw new FileFailure('LimitExceededError', `The download is larger than FETCH_MAX_BYTES (${this.options.maxBytes}).`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      throw err instanceof FileFailure ? err : this.networkFailure(err as Error, url, signal);
    }
    return Buffer.concat(chunks, received);
  }

  private networkFailure(err: Error, url: URL, signal: AbortSignal): FileFailure {
    if (err instanceof FileFailure) return err;
    if (err instanceof BlockedAddressError) return privateAddress(err);
    // An abort mid-body surfaces as a reset socket, so the signal is what tells a timeout apart.
    if (signal.aborted || err.name === 'AbortError' || err.name === 'TimeoutError') {
      return new FileFailure('InvalidArgument', `The server did not deliver the file within FETCH_TIMEOUT_MS (${this.options.timeoutMs} ms).`);
    }
    const code = (err as NodeJS.ErrnoException).code;
    const where = url.host;
    switch (code) {
      case 'ECONNREFUSED':
        return new FileFailure('InvalidArgument', `The connection to ${where} was refused.`);
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new FileFailure('InvalidArgument', `The host ${url.hostname} does not resolve.`);
      case 'ECONNRESET':
        return new FileFailure('InvalidArgument', `The connection to ${where} was reset.`);
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return new FileFailure('InvalidArgument', `The host ${where} cannot be reached.`);
      default:
        return new FileFailure('InvalidArgument', `The download from ${where} failed (${code ?? err.message}).`);
    }
  }
}

function outsideRoots(): FileFailure {
  return new FileFailure('AccessDenied', 'The path is outside ALLOWED_FILE_ROOTS.');
}

function tooLarge(what: string, max: number): FileFailure {
  return new FileFailure('LimitExceededError', `${what}, more than FETCH_MAX_BYTES (${max}).`);
}

function privateAddress(err: BlockedAddressError): FileFailure {
  return new FileFailure('AccessDenied', `${err.message}; such addresses are refused (ALLOW_PRIVATE_NETWORK is false).`);
}

function safeBasename(pathname: string): string {
  try {
    return basename(decodeURIComponent(pathname));
  } catch {
    return basename(pathname);
  }
}
