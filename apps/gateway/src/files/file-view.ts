import type { File } from '@simclust/db';
import { rfc3339 } from '../common/time';

/** The File fields simclust returns, in IMM's names; WithFields may name any of them. */
export const FILE_FIELDS = [
  'URI', 'ProjectName', 'DatasetName', 'ObjectId', 'ObjectType', 'ObjectStatus', 'Reason', 'MediaType', 'ContentType',
  'Filename', 'Size', 'FileHash', 'CustomId', 'CustomLabels', 'CreateTime', 'UpdateTime', 'ImageWidth', 'ImageHeight',
  'Orientation', 'ImageScore', 'ScoreDetails',
] as const;
export type FileField = (typeof FILE_FIELDS)[number];
export type FileView = Partial<Record<FileField, unknown>>;

/**
 * IMM's File struct. Fields with no value are left out, as IMM does; `withFields` keeps only the named fields, and
 * always URI, so each entry of a batch answer can be told apart. Names simclust does not produce are ignored.
 */
export function fileView(file: File, names: { projectName: string; datasetName: string }, withFields?: readonly string[]): FileView {
  const all: FileView = {
    URI: file.uri,
    ProjectName: names.projectName,
    DatasetName: names.datasetName,
    ObjectId: file.id,
    ObjectType: 'file',
    ObjectStatus: file.status,
    Reason: file.reason ?? undefined,
    MediaType: file.mediaType ?? 'image',
    ContentType: file.contentType ?? undefined,
    Filename: file.filename ?? undefined,
    Size: file.size === null ? undefined : Number(file.size),
    FileHash: file.fileHash ?? undefined,
    CustomId: file.customId ?? undefined,
    CustomLabels: file.customLabels,
    CreateTime: rfc3339(file.createdAt),
    UpdateTime: rfc3339(file.updatedAt),
    ImageWidth: file.imageWidth ?? undefined,
    ImageHeight: file.imageHeight ?? undefined,
    Orientation: file.orientation ?? undefined,
    ImageScore: file.imageScore === null ? undefined : { OverallQualityScore: file.imageScore },
    ScoreDetails: file.scoreDetails ?? undefined,
  };
  const keep = withFields?.length ? new Set<string>(['URI', ...withFields]) : undefined;
  return Object.fromEntries(Object.entries(all).filter(([k, v]) => v !== undefined && (!keep || keep.has(k))));
}
