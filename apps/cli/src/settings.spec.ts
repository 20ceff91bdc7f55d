import { CliError, ExitCode } from './exit-codes';
import { DEFAULT_ENDPOINT, resolveConnection } from './settings';

function refusal(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('expected a CliError');
}

describe('resolveConnection', () => {
  it('prefers flags over SIMCLUST_* variables', () => {
    const env = { SIMCLUST_ENDPOINT: 'http://env:1', SIMCLUST_ACCESS_KEY_ID: 'envid', SIMCLUST_ACCESS_KEY_SECRET: 'envsecret', ADMIN_API_KEY: 'admin-secret' };
    expect(resolveConnection({ endpoint: 'https://flag.example/', accessKeyId: 'flagid', accessKeySecret: 'flagsecret' }, env)).toEqual({
      endpoint: 'https://flag.example',
      accessKeyId: 'flagid',
      accessKeySecret: 'flagsecret',
    });
    expect(resolveConnection({}, env)).toEqual({ endpoint: 'http://env:1', accessKeyId: 'envid', accessKeySecret: 'envsecret' });
  });

  it('falls back to the default endpoint and the admin key of .env.local', () => {
    expect(resolveConnection({}, { ADMIN_API_KEY: 'admin-secret' })).toEqual({ endpoint: DEFAULT_ENDPOINT, accessKeyId: 'admin', accessKeySecret: 'admin-secret' });
    expect(resolveConnection({ endpoint: '  ' }, { ADMIN_API_KEY: 'admin-secret', ADMIN_ACCESS_KEY_ID: 'root' }).accessKeyId).toBe('root');
  });

  it('refuses an endpoint that is not an http(s) URL as a usage error', () => {
    expect(refusal(() => resolveConnection({ endpoint: 'localhost:8080' }, { ADMIN_API_KEY: 'k' })).exitCode).toBe(ExitCode.Usage);
    expect(refusal(() => resolveConnection({ endpoint: 'not a url' }, { ADMIN_API_KEY: 'k' })).exitCode).toBe(ExitCode.Usage);
  });

  it('refuses a key id without its secret, and no key at all', () => {
    expect(refusal(() => resolveConnection({ accessKeyId: 'someid' }, { ADMIN_API_KEY: 'k' })).exitCode).toBe(ExitCode.Usage);
    expect(refusal(() => resolveConnection({}, {})).exitCode).toBe(ExitCode.Auth);
  });
});
