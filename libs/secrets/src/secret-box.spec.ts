import { SecretBox, constantTimeEqual, generateWebhookSecret } from './secret-box';

const KEY = 'k'.repeat(40);

describe('SecretBox', () => {
  it('round-trips a secret and never stores it in clear', () => {
    const box = new SecretBox(KEY);
    const sealed = box.encrypt('whsec_topsecret');
    expect(sealed).not.toContain('topsecret');
    expect(box.decrypt(sealed)).toBe('whsec_topsecret');
  });

  it('uses a fresh IV each time', () => {
    const box = new SecretBox(KEY);
    expect(box.encrypt('same')).not.toBe(box.encrypt('same'));
  });

  it('rejects a tampered ciphertext and a different master key', () => {
    const box = new SecretBox(KEY);
    const sealed = box.encrypt('value');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[2], 'base64url');
    flipped[0] ^= 1;
    parts[2] = flipped.toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow();
    expect(() => new SecretBox('x'.repeat(40)).decrypt(sealed)).toThrow();
  });

  it('derives a stable keyed lookup hash that depends on the master key', () => {
    const a = new SecretBox(KEY);
    expect(a.lookupHash('s')).toBe(new SecretBox(KEY).lookupHash('s'));
    expect(a.lookupHash('s')).not.toBe(new SecretBox('y'.repeat(40)).lookupHash('s'));
    expect(a.lookupHash('s')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a short master key', () => {
    expect(() => new SecretBox('short')).toThrow(/32/);
  });
});

describe('helpers', () => {
  it('generates Standard Webhooks secrets of 32 bytes', () => {
    const s = generateWebhookSecret();
    expect(s).toMatch(/^whsec_/);
    expect(Buffer.from(s.slice(6), 'base64')).toHaveLength(32);
  });

  it('compares in constant time with the right answer', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
