import { z } from 'zod';
import { defineAction } from '../imm/action';
import { booleanParam, description, integerParam, maxResults, nextToken, resourceName } from '../imm/params';
import type { ProjectsService } from './projects.service';

const projectName = resourceName;
const tagList = z.array(z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) })).max(20, 'at most 20 tags');
const qps = integerParam(1, 100_000);

const settings = {
  Description: description.optional(),
  ServiceRole: z.string().min(1).max(256).optional(),
  TemplateId: z.string().max(256).optional(),
  ProjectMaxDatasetCount: integerParam(1, 1_000_000_000).optional(),
  DatasetMaxFileCount: integerParam(1, 100_000_000).optional(),
  DatasetMaxTotalFileSize: integerParam(1, 90_000_000_000_000_000).optional(),
  ProjectQueriesPerSecond: qps.optional(),
  Tag: tagList.optional(),
};

type Settings = { [K in keyof typeof settings]?: z.output<(typeof settings)[K]> };
function toSettings(p: Settings) {
  return {
    description: p.Description,
    serviceRole: p.ServiceRole,
    templateId: p.TemplateId,
    projectMaxDatasetCount: p.ProjectMaxDatasetCount,
    datasetMaxFileCount: p.DatasetMaxFileCount,
    datasetMaxTotalFileSize: p.DatasetMaxTotalFileSize,
    projectQueriesPerSecond: p.ProjectQueriesPerSecond,
    tags: p.Tag,
  };
}

const projectScope = (p: { ProjectName: string }) => ({ kind: 'project' as const, project: p.ProjectName });

const ProjectView = z.object({
  ProjectName: z.string(),
  Description: z.string(),
  ServiceRole: z.string(),
  TemplateId: z.string(),
  ProjectMaxDatasetCount: z.number(),
  DatasetMaxFileCount: z.number(),
  DatasetMaxTotalFileSize: z.number(),
  ProjectQueriesPerSecond: z.number(),
  EngineConcurrency: z.number(),
  Tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
  CreateTime: z.string(),
  UpdateTime: z.string(),
  DatasetCount: z.number().optional(),
  FileCount: z.number().optional(),
  TotalFileSize: z.number().optional(),
});

export function projectActions(service: ProjectsService) {
  return [
    defineAction({
      action: 'CreateProject',
      summary: 'Create a project; returns its webhook secret once.',
      params: z.object({ ProjectName: projectName, ...settings }),
      resource: projectScope,
      rest: { method: 'POST', path: '/v1/projects' },
      response: z.object({ Project: ProjectView, WebhookSecret: z.string() }),
      handle: (p) => service.create(p.ProjectName, toSettings(p)),
    }),
    defineAction({
      action: 'GetProject',
      summary: 'Get a project (never its webhook secret).',
      params: z.object({ ProjectName: projectName, WithStatistics: booleanParam.default(false) }),
      resource: projectScope,
      rest: { method: 'GET', path: '/v1/projects/:ProjectName' },
      response: z.object({ Project: ProjectView }),
      handle: (p) => service.get(p.ProjectName, p.WithStatistics),
    }),
    defineAction({
      action: 'ListProjects',
      summary: 'List projects by name.',
      params: z.object({ Prefix: z.string().max(128).optional(), MaxResults: maxResults, NextToken: nextToken, Tag: tagList.optional() }),
      resource: () => ({ kind: 'global' }),
      rest: { method: 'GET', path: '/v1/projects' },
      response: z.object({ Projects: z.array(ProjectView), NextToken: z.string().optional() }),
      listing: { field: 'Projects', item: (p) => ({ kind: 'project', project: String(p.ProjectName) }) },
      handle: (p) => service.list({ prefix: p.Prefix, maxResults: p.MaxResults, nextToken: p.NextToken, tags: p.Tag }),
    }),
    defineAction({
      action: 'UpdateProject',
      summary: 'Update a project (ProjectQueriesPerSecond sets its rate limit).',
      params: z.object({ ProjectName: projectName, ...settings }),
      resource: projectScope,
      rest: { method: 'PUT', path: '/v1/projects/:ProjectName' },
      response: z.object({ Project: ProjectView }),
      handle: (p) => service.update(p.ProjectName, toSettings(p)),
    }),
    defineAction({
      action: 'DeleteProject',
      summary: 'Delete a project that holds no dataset.',
      params: z.object({ ProjectName: projectName }),
      resource: projectScope,
      rest: { method: 'DELETE', path: '/v1/projects/:ProjectName' },
      handle: (p) => service.delete(p.ProjectName),
    }),
    defineAction({
      action: 'RotateWebhookSecret',
      summary: "Replace the project's webhook signing secret; returns the new one once.",
      params: z.object({ ProjectName: projectName }),
      resource: projectScope,
      rest: { method: 'POST', path: '/v1/projects/:ProjectName/webhook-secret' },
      response: z.object({ WebhookSecret: z.string() }),
      handle: (p) => service.rotateWebhookSecret(p.ProjectName),
    }),
  ];
}
