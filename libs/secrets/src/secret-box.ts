import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12;

function deriveKey(master: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(master, 'utf8'), Buffer.alloc(0), `simclust/${purpose}`, 32));
}

/**
 * Encrypts secrets at rest with AES-256-GCM under a key derived from SECRETS_KEY, and computes keyed lookup
 * hashes under a second derived key, so a database dump reveals neither.
 */
export class SecretBox {
  private readonly encryptionKey: Buffer;
  private readonly lookupKey: Buffer;

  constructor(masterKey: string) {
    if (masterKey.length < 32) throw new Error('SECRETS_KEY must be at least 32 characters');
    this.encryptionKey = deriveKey(masterKey, 'aes-256-gcm');
    this.lookupKey = deriveKey(masterKey, 'hmac-lookup');
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [FORMAT, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  decrypt(sealed: string): string {
    const [format, iv, body, tag] = sealed.split('.');
    if (format !== FORMAT || !iv || body === undefined || !tag) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Deterministic keyed hash for indexed lookups of a presented secret. */
  lookupHash(secret: string): string {
    return createHmac('sha256', this.lookupKey).update(secret, 'utf8').digest('hex');
  }
}

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A random secret for access keys and SECRETS_KEY itself. */
export function generateSecret(bytes = 30): string {
  return randomBytes(bytes).toString('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
