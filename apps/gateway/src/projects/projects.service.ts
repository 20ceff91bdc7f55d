import { Inject, Injectable } from '@nestjs/common';
import type { Project } from '@simclust/db';
import { SECRET_BOX } from '@simclust/runtime';
import { generateWebhookSecret, type SecretBox } from '@simclust/secrets';
import { rfc3339 } from '../common/time';
import { PageTokens, paginate } from '../imm/page-token';
import { ProjectsRepository, type ProjectSettings, type ProjectStatistics } from './projects.repository';

/** IMM's Project struct. */
export function projectView(p: Project, stats?: ProjectStatistics) {
  return {
    ProjectName: p.name,
    Description: p.description ?? '',
    ServiceRole: p.serviceRole,
    TemplateId: p.templateId ?? '',
    ProjectMaxDatasetCount: Number(p.projectMaxDatasetCount),
    DatasetMaxFileCount: Number(p.datasetMaxFileCount),
    DatasetMaxTotalFileSize: Number(p.datasetMaxTotalFileSize),
    ProjectQueriesPerSecond: p.projectQueriesPerSecond,
    EngineConcurrency: p.engineConcurrency,
    Tags: p.tags,
    CreateTime: rfc3339(p.createdAt),
    UpdateTime: rfc3339(p.updatedAt),
    ...(stats ? { DatasetCount: stats.datasetCount, FileCount: stats.fileCount, TotalFileSize: stats.totalFileSize } : {}),
  };
}

@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly tokens: PageTokens,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  /** Creates a project; its webhook secret is returned here once and stored encrypted. */
  async create(name: string, settings: ProjectSettings) {
    const webhookSecret = generateWebhookSecret();
    const project = await this.projects.create(name, settings, this.box.encrypt(webhookSecret));
    return { Project: projectView(project), WebhookSecret: webhookSecret };
  }

  async get(name: string, withStatistics: boolean) {
    const project = await this.projects.get(name);
    return { Project: projectView(project, withStatistics ? await this.projects.statistics(project.id) : undefined) };
  }

  async list(options: { prefix?: string; maxResults: number; nextToken?: string; tags?: Array<{ Key: string; Value: string }> }) {
    const after = this.tokens.decode(options.nextToken, 'projects');
    const rows = await this.projects.list({ prefix: options.prefix, afterName: after?.id, take: options.maxResults + 1, tags: options.tags });
    const { page, nextToken } = paginate(rows, options.maxResults, (p) => ({ key: null, id: p.name }), 'projects', this.tokens);
    return { Projects: page.map((p) => projectView(p)), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  async update(name: string, settings: ProjectSettings) {
    return { Project: projectView(await this.projects.update(name, settings)) };
  }

  async delete(name: string) {
    await this.projects.deleteEmpty(name);
    return {};
  }

  async rotateWebhookSecret(name: string) {
    const webhookSecret = generateWebhookSecret();
    await this.projects.setWebhookSecret(name, this.box.encrypt(webhookSecret));
    return { WebhookSecret: webhookSecret };
  }
}
