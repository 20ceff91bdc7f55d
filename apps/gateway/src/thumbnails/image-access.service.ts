import { Inject, Injectable } from '@nestjs/common';
import { ImmError, fileObjectId } from '@simclust/contracts';
import type { GatewayConfig } from '@simclust/config';
import { CONFIG, SECRET_BOX } from '@simclust/runtime';
import type { SecretBox } from '@simclust/secrets';
import { AccessKeysRepository } from '../access-keys/access-keys.repository';
import { AuthService } from '../auth/auth.service';
import { parsePolicy } from '../auth/policy';
import { RateLimiter } from '../auth/rate-limiter.service';
import { DatasetsRepository } from '../datasets/datasets.repository';
import type { Principal } from '../imm/action';
import { ActionRegistry } from '../imm/action-registry';
import { ImageFilesRepository, type ImageFile } from './image-files.repository';
import { ImageUrlSigner, type ImageGrant, type ImageKind } from './image-url-signer';

/** Images are shown to whoever may list the dataset's clusters: the same policy decision as that call. */
export const IMAGE_READ_ACTION = 'QuerySimilarImageClusters';
/** The key image URLs are signed under: derived from SECRETS_KEY, so every gateway of an installation agrees. */
export function imageUrlSigningKey(box: SecretBox): Buffer {
  return Buffer.from(box.lookupHash('simclust/gallery/image-url-signing/v1'), 'hex');
}

export interface SignedImage {
  URI: string;
  ThumbnailURL: string;
  /** Absent for http(s) originals, which the gateway does not proxy. */
  ImageURL?: string;
}

/** The query string of a signed image URL, as received. */
export interface SignedQuery {
  key?: unknown;
  expires?: unknown;
  signature?: unknown;
}

export interface ImageTarget {
  projectName: string;
  datasetName: string;
  fileId: string;
}

/**
 * Short-lived signed image URLs: minted for a caller that passes QuerySimilarImageClusters' authorisation on a
 * dataset, and checked again on every image request (signature, expiry, the key still live and still allowed).
 */
@Injectable()
export class ImageAccessService {
  private readonly signer: ImageUrlSigner;

  constructor(
    private readonly auth: AuthService,
    private readonly limiter: RateLimiter,
    private readonly registry: ActionRegistry,
    private readonly keys: AccessKeysRepository,
    private readonly datasets: DatasetsRepository,
    private readonly files: ImageFilesRepository,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(SECRET_BOX) box: SecretBox,
  ) {
    this.signer = new ImageUrlSigner(imageUrlSigningKey(box));
  }

  /** Signed thumbnail and original URLs for these URIs of a dataset, for an authenticated caller. */
  async mint(principal: Principal, projectName: string, datasetName: string, uris: readonly string[]) {
    await this.authorize(principal, projectName, datasetName);
    await this.limiter.admit(principal, { kind: 'dataset', project: projectName, dataset: datasetName });
    const dataset = await this.datasets.resolve(projectName, datasetName);
    const expires = this.signer.expiry();
    const base = { accessKeyId: principal.accessKeyId, projectName, datasetName, expires };
    const Images: SignedImage[] = uris.map((uri) => {
      const fileId = fileObjectId(dataset.id, uri);
      const thumbnail = this.url({ ...base, kind: 'thumbnail', fileId });
      return /^file:/i.test(uri) ? { URI: uri, ThumbnailURL: thumbnail, ImageURL: this.url({ ...base, kind: 'image', fileId }) } : { URI: uri, ThumbnailURL: thumbnail };
    });
    return { AccessKeyId: principal.accessKeyId, Expires: new Date(expires * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'), Images };
  }

  /**
   * The file a signed URL names, once the signature, expiry and the key's current rights are checked; also how
   * long the answer may be cached (never beyond the URL's life).
   */
  async admit(kind: ImageKind, target: ImageTarget, query: SignedQuery): Promise<{ file: ImageFile; maxAgeSeconds: number }> {
    const { key, expires, signature } = query;
    if (typeof key !== 'string' || typeof expires !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(expires)) {
      throw ImmError.unauthenticated('The image URL is not signed: get signed URLs from POST /gallery/image-urls.');
    }
    const grant: ImageGrant = { kind, accessKeyId: key, ...target, expires: Number(expires) };
    const check = this.signer.check(grant, signature);
    if (check === 'forged') throw ImmError.unauthenticated('Bad signature: the image URL was not signed by this service or was altered.');
    if (check === 'expired') throw ImmError.unauthenticated('The image URL has expired: get fresh ones from POST /gallery/image-urls.');
    await this.authorize(await this.principal(key), target.projectName, target.datasetName);
    const file = await this.files.findIndexed(target.projectName, target.datasetName, target.fileId);
    if (!file) throw ImmError.notFound('file', target.fileId);
    return { file, maxAgeSeconds: this.signer.remainingSeconds(grant.expires) };
  }

  private url(grant: ImageGrant): string {
    const path = `${encodeURIComponent(grant.projectName)}/${encodeURIComponent(grant.datasetName)}/${grant.fileId}`;
    const query = new URLSearchParams({ key: grant.accessKeyId, expires: String(grant.expires), signature: this.signer.sign(grant) });
    return grant.kind === 'thumbnail' ? `/thumbnails/${path}.webp?${query}` : `/images/${path}?${query}`;
  }

  private async authorize(principal: Principal, projectName: string, datasetName: string): Promise<void> {
    const definition = this.registry.get(IMAGE_READ_ACTION);
    if (!definition) throw new Error(`${IMAGE_READ_ACTION} is not registered: the clusters module must be loaded`);
    await this.auth.authorize(principal, definition, { ProjectName: projectName, DatasetName: datasetName });
  }

  /** The key a URL was minted for, as it is now: a deleted key's URLs stop working at once. */
  private async principal(accessKeyId: string): Promise<Principal> {
    if (accessKeyId === this.config.ADMIN_ACCESS_KEY_ID) return { accessKeyId, isAdmin: true };
    const key = await this.keys.findById(accessKeyId);
    if (!key || key.deletedAt) throw ImmError.unauthenticated(`The access key ${accessKeyId} of this image URL no longer exists.`);
    return { accessKeyId, isAdmin: false, policy: parsePolicy(key.policy) };
  }
}
