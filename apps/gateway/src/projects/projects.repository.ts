import { Inject, Injectable } from '@nestjs/common';
import { ImmError, newResourceId } from '@simclust/contracts';
import { Prisma, type Db, type Project } from '@simclust/db';
import { DB } from '@simclust/runtime';
import { isMissingRow, isUniqueViolation } from '../common/prisma-errors';

export interface ProjectSettings {
  description?: string;
  serviceRole?: string;
  templateId?: string;
  projectMaxDatasetCount?: number;
  datasetMaxFileCount?: number;
  datasetMaxTotalFileSize?: number;
  projectQueriesPerSecond?: number;
  tags?: Array<{ Key: string; Value: string }>;
}

export interface ProjectStatistics {
  datasetCount: number;
  fileCount: number;
  totalFileSize: number;
}

function settingsData(s: ProjectSettings) {
  return {
    description: s.description,
    serviceRole: s.serviceRole,
    templateId: s.templateId,
    projectMaxDatasetCount: s.projectMaxDatasetCount === undefined ? undefined : BigInt(s.projectMaxDatasetCount),
    datasetMaxFileCount: s.datasetMaxFileCount === undefined ? undefined : BigInt(s.datasetMaxFileCount),
    datasetMaxTotalFileSize: s.datasetMaxTotalFileSize === undefined ? undefined : BigInt(s.datasetMaxTotalFileSize),
    projectQueriesPerSecond: s.projectQueriesPerSecond,
    tags: s.tags,
  };
}

@Injectable()
export class ProjectsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async create(name: string, settings: ProjectSettings, webhookSecretEnc: string): Promise<Project> {
    try {
      return await this.db.project.create({ data: { id: newResourceId(), name, webhookSecretEnc, ...settingsData(settings) } });
    } catch (err) {
      if (isUniqueViolation(err)) throw ImmError.alreadyExists('project', name);
      throw err;
    }
  }

  async get(name: string): Promise<Project> {
    const project = await this.db.project.findUnique({ where: { name } });
    if (!project) throw ImmError.notFound('project', name);
    return project;
  }

  async update(name: string, settings: ProjectSettings): Promise<Project> {
    try {
      return await this.db.project.update({ where: { name }, data: settingsData(settings) });
    } catch (err) {
      if (isMissingRow(err)) throw ImmError.notFound('project', name);
      throw err;
    }
  }

  async setWebhookSecret(name: string, webhookSecretEnc: string): Promise<void> {
    try {
      await this.db.project.update({ where: { name }, data: { webhookSecretEnc } });
    } catch (err) {
      if (isMissingRow(err)) throw ImmError.notFound('project', name);
      throw err;
    }
  }

  /** Names in ascending order after `afterName`, one more than asked to tell whether a next page exists. */
  list(options: { prefix?: string; afterName?: string; take: number; tags?: Array<{ Key: string; Value: string }> }): Promise<Project[]> {
    const where: Prisma.ProjectWhereInput = {
      AND: [
        options.prefix ? { name: { startsWith: options.prefix } } : {},
        options.afterName ? { name: { gt: options.afterName } } : {},
        ...(options.tags ?? []).map((t) => ({ tags: { array_contains: [t] } })),
      ],
    };
    return this.db.project.findMany({ where, orderBy: { name: 'asc' }, take: options.take });
  }

  /** Deletes an empty project; a project that still holds datasets is refused (documented in the README). */
  async deleteEmpty(name: string): Promise<void> {
    await this.db.$transaction(async (tx) => {
      // The same row lock CreateDataset takes, so no dataset can appear between the count and the delete.
      const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM "Project" WHERE name = ${name} FOR UPDATE`;
      if (locked.length === 0) throw ImmError.notFound('project', name);
      const project = await tx.project.findUniqueOrThrow({ where: { id: locked[0].id }, include: { _count: { select: { datasets: true } } } });
      if (project._count.datasets > 0) {
        throw ImmError.invalidArgument(`The project ${name} still holds ${project._count.datasets} dataset(s); delete them first.`);
      }
      await tx.project.delete({ where: { id: project.id } });
    });
  }

  async statistics(projectId: string): Promise<ProjectStatistics> {
    const [datasetCount, files] = await Promise.all([
      this.db.dataset.count({ where: { projectId } }),
      this.db.file.aggregate({ where: { dataset: { projectId } }, _count: { _all: true }, _sum: { size: true } }),
    ]);
    return { datasetCount, fileCount: files._count._all, totalFileSize: Number(files._sum.size ?? 0n) };
  }
}
