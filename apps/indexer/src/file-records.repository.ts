import { Inject, Injectable } from '@nestjs/common';
import { FileStatuses } from '@simclust/contracts';
import { Prisma, type Db } from '@simclust/db';
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

const custom = (f: FileIdentity) => ({
  ...(f.customId !== undefined ? { customId: f.customId } : {}),
  ...(f.customLabels !== undefined ? { customLabels: f.customLabels } : {}),
});

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

  /** Same bytes, same extraction: only the request's fields and the task link change. */
  async recordUnchanged(f: FileIdentity): Promise<void> {
    await this.db.file.update({ where: { id: f.fileId }, data: { ...custom(f), filename: f.filename, lastTaskId: f.taskId, updatedAt: new Date() } });
  }

  /**
   * Writes the File row and its features in one transaction. Called only when the features changed (new file, new
   * bytes, new extraction version or previously failed), so contentVersion moves and clustering looks again.
   */
  async recordIndexed(f: IndexedFile): Promise<void> {
    const meta = {
      status: FileStatuses.Indexed,
      reason: null,
      mediaType: 'image',
      contentType: f.features.contentType,
      filename: f.filename,
      size: BigInt(f.size),
      fileHash: f.fileHash,
      imageWidth: f.features.width,
      imageHeight: f.features.height,
      orientation: f.features.orientation,
      imageScore: f.features.score,
      scoreDetails: { ...f.features.scoreDetails },
      lastTaskId: f.taskId,
    };
    const feature = { version: f.featureVersion, descriptor: Buffer.from(f.features.descriptor), verifier: Buffer.from(f.features.verifier) };
    await this.db.$transaction([
      this.db.file.upsert({
        where: { id: f.fileId },
        create: { id: f.fileId, datasetId: f.datasetId, uri: f.uri, ...meta, ...custom(f), contentVersion: 1 },
        update: { ...meta, ...custom(f), contentVersion: { increment: 1 } },
      }),
      this.db.fileFeature.upsert({
        where: { fileId: f.fileId },
        create: { fileId: f.fileId, datasetId: f.datasetId, ...feature },
        update: feature,
      }),
    ]);
  }

  /** Marks the file Failed and drops its features; a file that was Indexed bumps contentVersion so it leaves its cluster. */
  async recordFailed(f: FailedFile, wasIndexed: boolean): Promise<void> {
    const meta = {
      status: FileStatuses.Failed,
      reason: f.reason,
      mediaType: null,
      contentType: null,
      filename: f.filename,
      size: f.size === undefined ? null : BigInt(f.size),
      fileHash: f.fileHash ?? null,
      imageWidth: null,
      imageHeight: null,
      orientation: null,
      imageScore: null,
      scoreDetails: Prisma.DbNull,
      lastTaskId: f.taskId,
    };
    await this.db.$transaction([
      this.db.file.upsert({
        where: { id: f.fileId },
        create: { id: f.fileId, datasetId: f.datasetId, uri: f.uri, ...meta, ...custom(f) },
        update: { ...meta, ...custom(f), ...(wasIndexed ? { contentVersion: { increment: 1 } } : {}) },
      }),
      this.db.fileFeature.deleteMany({ where: { fileId: f.fileId } }),
    ]);
  }
}
