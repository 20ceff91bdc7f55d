import { IMAGE_URL_EXPIRY_STEP_SECONDS, IMAGE_URL_TTL_SECONDS, ImageUrlSigner, type ImageGrant } from './image-url-signer';

const KEY = Buffer.alloc(32, 7);
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

function signerAt(ms: number, key = KEY) {
  return new ImageUrlSigner(key, () => ms);
}

function grant(expires: number, over: Partial<ImageGrant> = {}): ImageGrant {
  return { kind: 'thumbnail', accessKeyId: 'AK1', projectName: 'p', datasetName: 'd', fileId: 'f'.repeat(64), expires, ...over };
}

describe('ImageUrlSigner', () => {
  it('mints expiries 15 to 20 minutes ahead, equal within one 5-minute step', () => {
    const first = signerAt(T0 + 1000).expiry();
    expect(first - (T0 + 1000) / 1000).toBeGreaterThanOrEqual(IMAGE_URL_TTL_SECONDS);
    expect(first - (T0 + 1000) / 1000).toBeLessThanOrEqual(IMAGE_URL_TTL_SECONDS + IMAGE_URL_EXPIRY_STEP_SECONDS);
    expect(signerAt(T0 + 200_000).expiry()).toBe(first);
    expect(signerAt(T0 + 301_000).expiry()).toBe(first + IMAGE_URL_EXPIRY_STEP_SECONDS);
  });

  it('accepts its own signature until the expiry', () => {
    const signer = signerAt(T0);
    const g = grant(signer.expiry());
    const signature = signer.sign(g);
    expect(signer.check(g, signature)).toBe('valid');
    expect(signerAt(g.expires * 1000 - 1).check(g, signature)).toBe('valid');
    expect(signerAt(g.expires * 1000).check(g, signature)).toBe('expired');
  });

  it('refuses a signature moved to another key, dataset, file, kind or expiry', () => {
    const signer = signerAt(T0);
    const g = grant(signer.expiry());
    const signature = signer.sign(g);
    for (const change of [{ accessKeyId: 'AK2' }, { datasetName: 'd2' }, { projectName: 'p2' }, { fileId: 'e'.repeat(64) }, { kind: 'image' as const }, { expires: g.expires + 3600 }]) {
      expect(signer.check({ ...g, ...change }, signature)).toBe('forged');
    }
    // An expired grant with a pushed-out expiry is forged, not merely expired.
    expect(signerAt(g.expires * 1000 + 1).check({ ...g, expires: g.expires + 3600 }, signature)).toBe('forged');
  });

  it('refuses signatures made under another key, truncated or garbage', () => {
    const g = grant(signerAt(T0).expiry());
    const signature = signerAt(T0).sign(g);
    expect(signerAt(T0, Buffer.alloc(32, 8)).check(g, signature)).toBe('forged');
    expect(signerAt(T0).check(g, signature.slice(0, -2))).toBe('forged');
    expect(signerAt(T0).check(g, '')).toBe('forged');
    expect(signerAt(T0).check(g, '!!not base64!!')).toBe('forged');
  });

  it('refuses a short key', () => {
    expect(() => new ImageUrlSigner(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
