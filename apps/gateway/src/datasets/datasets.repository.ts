import { Inject, Injectable } from '@nestjs/common';
import { ImmError, newResourceId } from '@simclust/contracts';
import type { Dataset, Db, Project } from '@simclust/db';
import { DB } from '@simclust/runtime';
import { isMissingRow, isUniqueViolation } from '../common/prisma-errors';

export interface DatasetSettings {
  description?: string;
  templateId?: string;
  datasetMaxBindCount?: number;
  datasetMaxFileCount?: number;
  datasetMaxEntityCount?: number;
  datasetMaxRelationCount?: number;
  datasetMaxTotalFileSize?: number;
}

export interface DatasetStatistics {
  fileCount: number;
  totalFileSize: number;
}

const big = (v: number | undefined) => (v === undefined ? undefined : BigInt(v));
function settingsData(s: DatasetSettings) {
  return {
    description: s.description,
    templateId: s.templateId,
    datasetMaxBindCount: s.datasetMaxBindCount,
    datasetMaxFileCount: big(s.datasetMaxFileCount),
    datasetMaxEntityCount: big(s.datasetMaxEntityCount),
    datasetMaxRelationCount: big(s.datasetMaxRelationCount),
    datasetMaxTotalFileSize: big(s.datasetMaxTotalFileSize),
  };
}

export type DatasetWithProject = Dataset & { project: Project };

@Injectable()
export class DatasetsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** The dataset named by the request, or ResourceNotFound naming the project or the dataset. */
  async resolve(projectName: string, datasetName: string): Promise<DatasetWithProject> {
    const dataset = await this.db.dataset.findFirst({ where: { name: datasetName, project: { name: projectName } }, include: { project: true } });
    if (dataset) return dataset;
    throw await this.notFound(projectName, datasetName);
  }

  /** The ResourceNotFound error for a dataset that was not found: it names the project when that is missing too. */
  async notFound(projectName: string, datasetName: string): Promise<ImmError> {
    const project = await this.db.project.findUnique({ where: { name: projectName }, select: { id: true } });
    return project ? ImmError.notFound('dataset', datasetName) : ImmError.notFound('project', projectName);
  }

  async create(projectName: string, name: string, settings: DatasetSettings): Promise<DatasetWithProject> {
    try {
      return await this.db.$transaction(async (tx) => {
        // Locks the project row so concurrent creates cannot both pass the dataset-count check.
        const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM "Project" WHERE name = ${projectName} FOR UPDATE`;
        if (locked.length === 0) throw ImmError.notFound('project', projectName);
        const project = await tx.project.findUniqueOrThrow({ where: { id: locked[0].id }, include: { _count: { select: { datasets: true } } } });
        if (BigInt(project._count.datasets) >= project.projectMaxDatasetCount) {
          throw ImmError.limitExceeded(`The project ${projectName} already holds its maximum of ${project.projectMaxDatasetCount} datasets.`);
        }
        return tx.dataset.create({
          data: {
            id: newResourceId(),
            projectId: project.id,
            name,
            ...settingsData(settings),
            datasetMaxFileCount: big(settings.datasetMaxFileCount) ?? project.datasetMaxFileCount,
            datasetMaxTotalFileSize: big(settings.datasetMaxTotalFileSize) ?? project.datasetMaxTotalFileSize,
          },
          include: { project: true },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw ImmError.alreadyExists('dataset', name);
      throw err;
    }
  }

  async update(projectName: string, name: string, settings: DatasetSettings): Promise<DatasetWithProject> {
    const dataset = await this.resolve(projectName, name);
    try {
      return await this.db.dataset.update({ where: { id: dataset.id }, data: settingsData(settings), include: { project: true } });
    } catch (err) {
      if (isMissingRow(err)) throw ImmError.notFound('dataset', name);
      throw err;
    }
  }

  async list(projectName: string, options: { prefix?: string; afterName?: string; take: number }): Promise<DatasetWithProject[]> {
    const project = await this.db.project.findUnique({ where: { name: projectName }, select: { id: true } });
    if (!project) throw ImmError.notFound('project', projectName);
    return this.db.dataset.findMany({
      where: {
        projectId: project.id,
        ...(options.prefix || options.afterName
          ? { name: { ...(options.prefix ? { startsWith: options.prefix } : {}), ...(options.afterName ? { gt: options.afterName } : {}) } }
          : {}),
      },
      orderBy: { name: 'asc' },
      take: options.take,
      include: { project: true },
    });
  }

  /** Deletes the dataset and everything in it (files, features, clusters) in one statement; its id and its files' ids. */
  async delete(projectName: string, name: string): Promise<{ id: string; fileIds: string[] }> {
    const dataset = await this.resolve(projectName, name);
    // The foreign keys cascade to files, features, clusters, members and edges atomically; the file ids are read in
    // the same statement (its snapshot still holds them), so none indexed meanwhile is missed.
    const [deleted] = await this.db.$queryRaw<Array<{ datasets: number; fileIds: string[] }>>`
      WITH dataset AS (DELETE FROM "Dataset" WHERE id = ${dataset.id} RETURNING id)
      SELECT (SELECT count(*) FROM dataset)::int AS datasets,
             (SELECT coalesce(array_agg(f.id), '{}') FROM "File" f WHERE f."datasetId" IN (SELECT id FROM dataset)) AS "fileIds"`;
    // Deleted by another call since it was resolved.
    if (deleted.datasets === 0) throw ImmError.notFound('dataset', name);
    return { id: dataset.id, fileIds: deleted.fileIds };
  }

  async statistics(datasetIds: string[]): Promise<Map<string, DatasetStatistics>> {
    const rows = await this.db.file.groupBy({ by: ['datasetId'], where: { datasetId: { in: datasetIds } }, _count: { _all: true }, _sum: { size: true } });
    const stats = new Map<string, DatasetStatistics>(datasetIds.map((id) => [id, { fileCount: 0, totalFileSize: 0 }]));
    for (const r of rows) stats.set(r.datasetId, { fileCount: r._count._all, totalFileSize: Number(r._sum.size ?? 0n) });
    return stats;
  }
}
