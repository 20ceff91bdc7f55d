import { writeThumbnail, type RawImage } from '@simclust/thumbnails';

/** Where one file's thumbnail goes: THUMBNAIL_DIR and the File ObjectId. Plain data, so a thread can take it. */
export interface ThumbnailTarget {
  dir: string;
  key: string;
}

/**
 * Writes the thumbnail of a file whose features were just extracted, from the preview the extraction decoded (the
 * file is decoded once). Never throws: a thumbnail that cannot be written leaves the file indexed and comes back as
 * the reason.
 */
export async function writeFileThumbnail(target: ThumbnailTarget | undefined, preview: RawImage): Promise<string | undefined> {
  if (!target) return undefined;
  try {
    await writeThumbnail(preview, target.dir, target.key);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
