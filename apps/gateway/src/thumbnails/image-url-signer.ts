import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a signed URL shows: a file's thumbnail or its original bytes. */
export type ImageKind = 'thumbnail' | 'image';

/** What one signed URL grants: one file's image, to one access key, until `expires` (Unix seconds). */
export interface ImageGrant {
  kind: ImageKind;
  accessKeyId: string;
  projectName: string;
  datasetName: string;
  fileId: string;
  expires: number;
}

export type GrantCheck = 'valid' | 'expired' | 'forged';

/** Shortest life of a signed URL. */
export const IMAGE_URL_TTL_SECONDS = 15 * 60;
/**
 * Expiry times are rounded up to this step, so the URLs minted for one image within a step are identical and
 * the browser's cache keeps serving them (a URL lives 15 to 20 minutes).
 */
export const IMAGE_URL_EXPIRY_STEP_SECONDS = 5 * 60;

/** HMAC-SHA256 signatures of image URLs, so that an `<img>`, which cannot send a Bearer header, can still be authorised. */
export class ImageUrlSigner {
  constructor(
    private readonly key: Buffer,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (key.length < 32) throw new Error('the image URL signing key must be at least 32 bytes');
  }

  /** The expiry of URLs minted now. */
  expiry(): number {
    const earliest = Math.ceil(this.nowMs() / 1000) + IMAGE_URL_TTL_SECONDS;
    return Math.ceil(earliest / IMAGE_URL_EXPIRY_STEP_SECONDS) * IMAGE_URL_EXPIRY_STEP_SECONDS;
  }

  sign(grant: ImageGrant): string {
    // A JSON array leaves no two grants with one message (names cannot smuggle a separator).
    const message = JSON.stringify(['v1', grant.kind, grant.accessKeyId, grant.projectName, grant.datasetName, grant.fileId, grant.expires]);
    return createHmac('sha256', this.key).update(message).digest('base64url');
  }

  /** Forged (the signature does not match) is reported before expired, so a tampered expiry says so. */
  check(grant: ImageGrant, signature: string): GrantCheck {
    const expected = Buffer.from(this.sign(grant), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged';
    return grant.expires * 1000 <= this.nowMs() ? 'expired' : 'valid';
  }

  /** Seconds the URL stays valid from now (0 once expired). */
  remainingSeconds(expires: number): number {
    return Math.max(0, Math.floor(expires - this.nowMs() / 1000));
  }
}
