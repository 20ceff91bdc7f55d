import { Injectable } from '@nestjs/common';
import { rfc3339 } from '../common/time';
import { PageTokens, paginate } from '../imm/page-token';
import { DatasetsRepository, type DatasetSettings, type DatasetStatistics, type DatasetWithProject } from './datasets.repository';
import { ClusterPageCache } from '../clusters/cluster-page-cache';
import { ThumbnailRemover } from '../thumbnails/thumbnail-remover';

const NO_FILES: DatasetStatistics = { fileCount: 0, totalFileSize: 0 };

/** IMM's Dataset struct. */
export function datasetView(d: DatasetWithProject, stats: DatasetStatistics) {
  return {
    ProjectName: d.project.name,
    DatasetName: d.name,
    Description: d.description ?? '',
    TemplateId: d.templateId ?? '',
    DatasetMaxBindCount: d.datasetMaxBindCount,
    DatasetMaxFileCount: Number(d.datasetMaxFileCount),
    DatasetMaxEntityCount: Number(d.datasetMaxEntityCount),
    DatasetMaxRelationCount: Number(d.datasetMaxRelationCount),
    DatasetMaxTotalFileSize: Number(d.datasetMaxTotalFileSize),
    BindCount: 0,
    FileCount: stats.fileCount,
    TotalFileSize: stats.totalFileSize,
    CreateTime: rfc3339(d.createdAt),
    UpdateTime: rfc3339(d.updatedAt),
  };
}

@Injectable()
export class DatasetsService {
  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly tokens: PageTokens,
    private readonly thumbnails: ThumbnailRemover,
    private readonly clusterPages: ClusterPageCache,
  ) {}

  private async view(d: DatasetWithProject) {
    const stats = await this.datasets.statistics([d.id]);
    return datasetView(d, stats.get(d.id) ?? NO_FILES);
  }

  async create(projectName: string, name: string, settings: DatasetSettings) {
    return { Dataset: await this.view(await this.datasets.create(projectName, name, settings)) };
  }

  async get(projectName: string, name: string) {
    return { Dataset: await this.view(await this.datasets.resolve(projectName, name)) };
  }

  async update(projectName: string, name: string, settings: DatasetSettings) {
    return { Dataset: await this.view(await this.datasets.update(projectName, name, settings)) };
  }

  async list(projectName: string, options: { prefix?: string; maxResults: number; nextToken?: string }) {
    const scope = `datasets/${projectName}`;
    const after = this.tokens.decode(options.nextToken, scope);
    const rows = await this.datasets.list(projectName, { prefix: options.prefix, afterName: after?.id, take: options.maxResults + 1 });
    const { page, nextToken } = paginate(rows, options.maxResults, (d) => ({ key: null, id: d.name }), scope, this.tokens);
    const stats = await this.datasets.statistics(page.map((d) => d.id));
    return { Datasets: page.map((d) => datasetView(d, stats.get(d.id) ?? NO_FILES)), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  /** The dataset's thumbnails are removed after the answer: a large dataset has many, and they no longer serve anyone. */
  async delete(projectName: string, name: string) {
    const { id, fileIds } = await this.datasets.delete(projectName, name);
    this.clusterPages.invalidate(id);
    void this.thumbnails.remove(fileIds);
    return {};
  }
}
