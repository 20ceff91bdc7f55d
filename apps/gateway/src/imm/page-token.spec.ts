import { SecretBox } from '@simclust/secrets';
import { PageTokens, paginate } from './page-token';

const tokens = new PageTokens(new SecretBox('page-token-spec-secrets-key-0123456789'));

describe('PageTokens', () => {
  it('round-trips a position within its scope', () => {
    const token = tokens.encode({ scope: 'projects', key: 5, id: 'p_1' });
    expect(tokens.decode(token, 'projects')).toEqual({ scope: 'projects', key: 5, id: 'p_1' });
    expect(tokens.decode(undefined, 'projects')).toBeUndefined();
  });

  it('reads a position whatever its scope, still refusing a tampered token', () => {
    const token = tokens.encode({ scope: 'clusters/d1', key: '2026-01-01T00:00:00.000Z', id: 'c' });
    expect(tokens.read(token)).toEqual({ scope: 'clusters/d1', key: '2026-01-01T00:00:00.000Z', id: 'c' });
    expect(tokens.read(undefined)).toBeUndefined();
    expect(() => tokens.read(`${token}x`)).toThrow(expect.objectContaining({ code: 'InvalidNextToken' }));
  });

  it('refuses a token of another scope, another key, or a tampered one', () => {
    const token = tokens.encode({ scope: 'datasets/a', key: null, id: 'd' });
    const [body, signature] = token.split('.');
    const otherBody = Buffer.from(JSON.stringify(['datasets/a', null, 'z'])).toString('base64url');
    const otherKey = new PageTokens(new SecretBox('another-secrets-key-0123456789abcdef'));
    for (const [bad, scope] of [
      [token, 'datasets/b'],
      [`${otherBody}.${signature}`, 'datasets/a'],
      [`${body}.${signature}x`, 'datasets/a'],
      [otherKey.encode({ scope: 'datasets/a', key: null, id: 'd' }), 'datasets/a'],
      ['not-a-token', 'datasets/a'],
    ]) {
      expect(() => tokens.decode(bad, scope)).toThrow(expect.objectContaining({ code: 'InvalidNextToken', status: 400 }));
    }
  });
});

describe('paginate', () => {
  const rows = ['a', 'b', 'c'].map((id) => ({ id }));
  it('returns a token only when there is one row more than the page', () => {
    const full = paginate(rows, 2, (r) => ({ key: null, id: r.id }), 's', tokens);
    expect(full.page).toEqual(rows.slice(0, 2));
    expect(tokens.decode(full.nextToken, 's')?.id).toBe('b');
    expect(paginate(rows, 3, (r) => ({ key: null, id: r.id }), 's', tokens).nextToken).toBeUndefined();
  });
});
