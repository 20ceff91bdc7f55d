import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Only globally routable unicast addresses are public; loopback, private, link-local (cloud metadata), etc. are not. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

export class BlockedAddressError extends Error {
  constructor(readonly host: string, readonly address: string) {
    super(`${host} resolves to ${address}, a private, loopback or link-local address`);
    this.name = 'BlockedAddressError';
  }
}

/**
 * Node skips `lookup` for a host written as an IP address, so callers check such a literal host with this
 * before connecting; `guardedLookup` covers names.
 */
export function assertHostAllowed(hostname: string, allowPrivate: boolean): void {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && ipaddr.isValid(host) && !isPublicAddress(host)) throw new BlockedAddressError(host, host);
}

/**
 * A `lookup` for http.request/net.connect that refuses non-public addresses at connect time, so the check
 * applies to the address actually dialled (no DNS-rebinding gap between a check and the connection).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return ((hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (!allowPrivate) {
        const blocked = list.find((a) => !isPublicAddress(a.address));
        if (blocked) return callback(new BlockedAddressError(hostname, blocked.address) as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  }) as LookupFunction;
}

/** Checks a URL before storing it: scheme http(s), and a host that resolves only to public addresses unless allowed. */
export async function checkPublicUrl(raw: string, allowPrivate: boolean): Promise<{ ok: true; url: URL } | { ok: false; reason: string }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `uses the unsupported scheme ${url.protocol.replace(':', '')}; use http or https` };
  if (url.username || url.password) return { ok: false, reason: 'must not carry credentials' };
  if (allowPrivate) return { ok: true, url };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host)
    ? [host]
    : await new Promise<string[]>((resolve) => dnsLookup(host, { all: true }, (err, list) => resolve(err ? [] : list.map((a) => a.address))));
  if (addresses.length === 0) return { ok: false, reason: `host ${host} does not resolve` };
  const blocked = addresses.find((a) => !isPublicAddress(a));
  if (blocked) return { ok: false, reason: `resolves to ${blocked}, a private, loopback or link-local address` };
  return { ok: true, url };
}
