import { Inject, Injectable } from '@nestjs/common';
import type { Db } from '@simclust/db';
import type { ImageFeatures } from '@simclust/features';
import { DB } from '@simclust/runtime';

/** What the indexer needs to know of a file's last indexing. */
export interface PreviousIndexing {
  status: string;
  fileHash: string | null;
  featureVersion: number | null;
}

/** Fields every outcome writes. */
export interface FileIdentity {
  fileId: string;
  datasetId: string;
  uri: string;
  filename: string;
  taskId: string;
  /** From the request; left as they are when the request does not give them. */
  customId?: string;
  customLabels?: Record<string, string>;
}

export interface IndexedFile extends FileIdentity {
  size: number;
  fileHash: string;
  features: ImageFeatures;
  featureVersion: number;
}

export interface FailedFile extends FileIdentity {
  reason: string;
  size?: number;
  fileHash?: string;
}

/** One file's outcome as the indexer writes it. */
export type FileRecord = ({ kind: 'indexed' } & IndexedFile) | ({ kind: 'failed' } & FailedFile) | ({ kind: 'unchanged' } & FileIdentity);

/** A FileRecord as one element of writeAll's JSON parameter (bytes in base64, absent fields left out). */
function recordRow(r: FileRecord) {
  const row = {
    id: r.fileId,
    datasetId: r.datasetId,
    uri: r.uri,
    kind: r.kind,
    filename: r.filename,
    lastTaskId: r.taskId,
    customId: r.customId,
    customLabels: r.customLabels,
  };
  if (r.kind === 'unchanged') return row;
  if (r.kind === 'failed') return { ...row, reason: r.reason, size: r.size, fileHash: r.fileHash };
  const f = r.features;
  return {
    ...row,
    mediaType: 'image',
    contentType: f.contentType,
    size: r.size,
    fileHash: r.fileHash,
    imageWidth: f.width,
    imageHeight: f.height,
    orientation: f.orientation,
    imageScore: f.score,
    scoreDetails: { ...f.scoreDetails },
    version: r.featureVersion,
    descriptor: Buffer.from(f.descriptor.buffer, f.descriptor.byteOffset, f.descriptor.byteLength).toString('base64'),
    verifier: Buffer.from(f.verifier.buffer, f.verifier.byteOffset, f.verifier.byteLength).toString('base64'),
  };
}

@Injectable()
export class FileRecordsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** The task's status, or undefined when it no longer exists (its project was deleted). */
  async taskStatus(taskId: string): Promise<string | undefined> {
    const task = await this.db.task.findUnique({ where: { id: taskId }, select: { status: true } });
    return task?.status;
  }

  async datasetExists(datasetId: string): Promise<boolean> {
    return (await this.db.dataset.count({ where: { id: datasetId } })) > 0;
  }

  /** The last indexing of each of these files that has a row, by file id (one query for a whole command). */
  async previous(fileIds: string[]): Promise<Map<string, PreviousIndexing>> {
    const rows = await this.db.file.findMany({ where: { id: { in: fileIds } }, select: { id: true, status: true, fileHash: true, feature: { select: { version: true } } } });
    return new Map(rows.map((r) => [r.id, { status: r.status, fileHash: r.fileHash, featureVersion: r.feature?.version ?? null }]));
  }

  /**
   * Writes the outcomes of several files (each file id at most once) in one statement, so a File and its
   * FileFeature are stored together or not at all:
   * - indexed: the File row and its features; contentVersion moves (1 for a new row) so clustering looks again.
   *   Called only when the features changed (new file, new bytes, new extraction version or previously failed).
   * - failed: the File row Failed with its Reason and no features; a file that was Indexed bumps contentVersion
   *   so it leaves its cluster.
   * - unchanged: same bytes, same extraction, so only the request's fields and the task link change.
   * CustomId and CustomLabels are left as they are when the request does not give them.
   */
  async writeAll(records: readonly FileRecord[]): Promise<void> {
    if (!records.length) return;
    const rows = JSON.stringify(records.map(recordRow));
    await this.db.$executeRaw`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS x(
          id text, "datasetId" text, uri text, kind text, filename text, "lastTaskId" text, "customId" text, "customLabels" jsonb,
          reason text, "mediaType" text, "contentType" text, size bigint, "fileHash" text, "imageWidth" int, "imageHeight" int,
          orientation int, "imageScore" double precision, "scoreDetails" jsonb, version int, descriptor text, verifier text)
      ),
      stamp AS (SELECT (now() AT TIME ZONE 'UTC')::timestamp(3) AS at),
      written AS (
        INSERT INTO "File" (id, "datasetId", uri, status, reason, "customId", "customLabels", "mediaType", "contentType", filename, size,
          "fileHash", "imageWidth", "imageHeight", orientation, "imageScore", "scoreDetails", "contentVersion", "lastTaskId", "createdAt", "updatedAt")
        SELECT x.id, x."datasetId", x.uri, (CASE x.kind WHEN 'indexed' THEN 'Indexed' ELSE 'Failed' END)::"FileStatus", x.reason, x."customId",
          COALESCE(x."customLabels", '{}'::jsonb), x."mediaType", x."contentType", x.filename, x.size, x."fileHash", x."imageWidth", x."imageHeight",
          x.orientation, x."imageScore", x."scoreDetails", CASE x.kind WHEN 'indexed' THEN 1 ELSE 0 END, x."lastTaskId", stamp.at, stamp.at
        FROM input x, stamp WHERE x.kind <> 'unchanged'
        ORDER BY x.id
        ON CONFLICT (id) DO UPDATE SET
          status = EXCLUDED.status, reason = EXCLUDED.reason, "mediaType" = EXCLUDED."mediaType", "contentType" = EXCLUDED."contentType",
          filename = EXCLUDED.filename, size = EXCLUDED.size, "fileHash" = EXCLUDED."fileHash", "imageWidth" = EXCLUDED."imageWidth",
          "imageHeight" = EXCLUDED."imageHeight", orientation = EXCLUDED.orientation, "imageScore" = EXCLUDED."imageScore",
          "scoreDetails" = EXCLUDED."scoreDetails", "lastTaskId" = EXCLUDED."lastTaskId", "updatedAt" = EXCLUDED."updatedAt",
          "customId" = COALESCE(EXCLUDED."customId", "File"."customId"),
          "customLabels" = COALESCE((SELECT i."customLabels" FROM input i WHERE i.id = EXCLUDED.id), "File"."customLabels"),
          "contentVersion" = "File"."contentVersion" + CASE WHEN EXCLUDED.status = 'Indexed' OR "File".status = 'Indexed' THEN 1 ELSE 0 END
      ),
      features AS (
        INSERT INTO "FileFeature" ("fileId", "datasetId", version, descriptor, verifier, "updatedAt")
        SELECT x.id, x."datasetId", x.version, decode(x.descriptor, 'base64'), decode(x.verifier, 'base64'), stamp.at
        FROM input x, stamp WHERE x.kind = 'indexed'
        ORDER BY x.id
        ON CONFLICT ("fileId") DO UPDATE SET
          version = EXCLUDED.version, descriptor = EXCLUDED.descriptor, verifier = EXCLUDED.verifier, "updatedAt" = EXCLUDED."updatedAt"
      ),
      dropped AS (
        DELETE FROM "FileFeature" ff USING input x WHERE x.kind = 'failed' AND ff."fileId" = x.id
      )
      UPDATE "File" f SET
        filename = x.filename, "lastTaskId" = x."lastTaskId", "updatedAt" = stamp.at,
        "customId" = COALESCE(x."customId", f."customId"), "customLabels" = COALESCE(x."customLabels", f."customLabels")
      FROM input x, stamp WHERE x.kind = 'unchanged' AND f.id = x.id`;
  }
}
