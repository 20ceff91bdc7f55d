import { CliError, ExitCode } from './exit-codes';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8080';

export interface ConnectionFlags {
  endpoint?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
}

export interface Connection {
  endpoint: string;
  /** Only named in messages: a Bearer call sends the secret alone. */
  accessKeyId?: string;
  accessKeySecret: string;
}

/**
 * Where and as whom to call: flags win over SIMCLUST_* variables (the environment, then .env.local); with no key at
 * all the admin key of a local installation (ADMIN_API_KEY in .env.local) is used.
 */
export function resolveConnection(flags: ConnectionFlags, env: Record<string, string | undefined>): Connection {
  const pick = (...values: Array<string | undefined>) => values.find((v) => v !== undefined && v.trim() !== '')?.trim();
  const endpoint = pick(flags.endpoint, env.SIMCLUST_ENDPOINT) ?? DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliError(`the endpoint ${endpoint} is not a URL (expected e.g. ${DEFAULT_ENDPOINT})`, ExitCode.Usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`the endpoint ${endpoint} must be an http:// or https:// URL`, ExitCode.Usage);
  }
  const givenId = pick(flags.accessKeyId, env.SIMCLUST_ACCESS_KEY_ID);
  const givenSecret = pick(flags.accessKeySecret, env.SIMCLUST_ACCESS_KEY_SECRET);
  if (givenSecret) return { endpoint: trimSlash(url.href), accessKeyId: givenId, accessKeySecret: givenSecret };
  if (givenId) {
    throw new CliError(`access key ${givenId} has no secret: pass --access-key-secret or set SIMCLUST_ACCESS_KEY_SECRET`, ExitCode.Usage);
  }
  const adminSecret = pick(env.ADMIN_API_KEY);
  if (!adminSecret) {
    throw new CliError('no access key: pass --access-key-secret or set SIMCLUST_ACCESS_KEY_SECRET (or ADMIN_API_KEY in .env.local)', ExitCode.Auth);
  }
  return { endpoint: trimSlash(url.href), accessKeyId: pick(env.ADMIN_ACCESS_KEY_ID) ?? 'admin', accessKeySecret: adminSecret };
}

const trimSlash = (href: string) => href.replace(/\/+$/, '');
