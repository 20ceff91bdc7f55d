import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { basename } from 'node:path';
import { FileRootError, FileRoots, type OpenedFile } from '@simclust/file-roots';
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
    private readonly roots: FileRoots,
  ) {
    this.lookup = guardedLookup(options.allowPrivateNetwork);
  }

  /** Resolves the roots once; a root that does not exist admits nothing. */
  static async create(options: FetcherOptions): Promise<FileFetcher> {
    return new FileFetcher(options, await FileRoots.create(options.allowedRoots));
  }

  fetch(uri: string): Promise<FetchedFile> {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
    if (scheme === 'file') return this.readLocal(uri);
    if (scheme === 'http' || scheme === 'https') return this.download(uri);
    return Promise.reject(new FileFailure('InvalidArgument', `The URI scheme ${scheme ?? '(none)'} is not supported.`));
  }

  private async readLocal(uri: string): Promise<FetchedFile> {
    let opened: OpenedFile;
    try {
      opened = await this.roots.open(uri);
    } catch (err) {
      if (!(err instanceof FileRootError)) throw err;
      const access = err.refusal === 'outside-roots' || err.refusal === 'link-outside-roots';
      throw new FileFailure(access ? 'AccessDenied' : 'InvalidArgument', err.message);
    }
    try {
      if (opened.stat.size > this.options.maxBytes) throw tooLarge(`The file has ${opened.stat.size} bytes`, this.options.maxBytes);
      return { bytes: await opened.handle.readFile(), filename: basename(opened.path) };
    } catch (err) {
      if (err instanceof FileFailure) throw err;
      throw new FileFailure('InvalidArgument', `The file cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    } finally {
      await opened.handle.close();
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
