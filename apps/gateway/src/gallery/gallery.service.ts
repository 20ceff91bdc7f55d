import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { AuthService } from '../auth/auth.service';
import { collectParams, limitedArray, resourceName, toImmError } from '../imm/params';
import { ImageAccessService } from '../thumbnails/image-access.service';
import { GALLERY_HEADERS, loadGalleryAssets, renderGalleryPage, type GalleryAsset } from './gallery.page';

/** URIs per call: a page of 100 clusters with their members, in a few calls. */
export const MAX_IMAGE_URIS = 1000;

const ImageUrlsParams = z.object({
  ProjectName: resourceName,
  DatasetName: resourceName,
  URIs: limitedArray(z.string().min(1).max(2048), MAX_IMAGE_URIS, 'URIs'),
});

export interface GalleryDocument {
  headers: Record<string, string>;
  contentType: string;
  body: string;
  etag?: string;
}

@Injectable()
export class GalleryService {
  private readonly script: GalleryAsset;
  private readonly style: GalleryAsset;
  private readonly page: string;

  constructor(
    private readonly auth: AuthService,
    private readonly images: ImageAccessService,
  ) {
    ({ script: this.script, style: this.style } = loadGalleryAssets());
    this.page = renderGalleryPage({ script: this.script.etag, style: this.style.etag });
  }

  document(name: 'page' | 'script' | 'style'): GalleryDocument {
    if (name === 'page') return { headers: GALLERY_HEADERS, contentType: 'text/html; charset=utf-8', body: this.page };
    const asset = name === 'script' ? this.script : this.style;
    return { headers: GALLERY_HEADERS, contentType: asset.contentType, body: asset.body, etag: asset.etag };
  }

  /** Signed thumbnail and original URLs for the gallery's `<img>` elements, after QuerySimilarImageClusters' checks. */
  async imageUrls(req: Request) {
    const principal = await this.auth.authenticate(req);
    const params = collectParams(req.query as Record<string, unknown>, req.body as Record<string, unknown> | undefined);
    const parsed = ImageUrlsParams.safeParse(params);
    if (!parsed.success) throw toImmError(parsed.error, params);
    return this.images.mint(principal, parsed.data.ProjectName, parsed.data.DatasetName, parsed.data.URIs);
  }
}
