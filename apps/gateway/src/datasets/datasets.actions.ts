import { z } from 'zod';
import { defineAction } from '../imm/action';
import { description, integerParam, maxResults, nextToken, resourceName } from '../imm/params';
import type { DatasetsService } from './datasets.service';

const settings = {
  Description: description.optional(),
  TemplateId: z.string().max(256).optional(),
  DatasetMaxBindCount: integerParam(1, 10).optional(),
  DatasetMaxFileCount: integerParam(1, 100_000_000).optional(),
  DatasetMaxEntityCount: integerParam(1, 10_000_000_000).optional(),
  DatasetMaxRelationCount: integerParam(1, 100_000_000_000).optional(),
  DatasetMaxTotalFileSize: integerParam(1, 90_000_000_000_000_000).optional(),
};
type Settings = { [K in keyof typeof settings]?: z.output<(typeof settings)[K]> };
const toSettings = (p: Settings) => ({
  description: p.Description,
  templateId: p.TemplateId,
  datasetMaxBindCount: p.DatasetMaxBindCount,
  datasetMaxFileCount: p.DatasetMaxFileCount,
  datasetMaxEntityCount: p.DatasetMaxEntityCount,
  datasetMaxRelationCount: p.DatasetMaxRelationCount,
  datasetMaxTotalFileSize: p.DatasetMaxTotalFileSize,
});

const key = { ProjectName: resourceName, DatasetName: resourceName };
const datasetScope = (p: { ProjectName: string; DatasetName: string }) => ({ kind: 'dataset' as const, project: p.ProjectName, dataset: p.DatasetName });

const DatasetView = z.object({
  ProjectName: z.string(),
  DatasetName: z.string(),
  Description: z.string(),
  TemplateId: z.string(),
  DatasetMaxBindCount: z.number(),
  DatasetMaxFileCount: z.number(),
  DatasetMaxEntityCount: z.number(),
  DatasetMaxRelationCount: z.number(),
  DatasetMaxTotalFileSize: z.number(),
  BindCount: z.number(),
  FileCount: z.number(),
  TotalFileSize: z.number(),
  CreateTime: z.string(),
  UpdateTime: z.string(),
});

export function datasetActions(service: DatasetsService) {
  return [
    defineAction({
      action: 'CreateDataset',
      summary: 'Create a dataset in a project.',
      params: z.object({ ...key, ...settings }),
      resource: datasetScope,
      rest: { method: 'POST', path: '/v1/projects/:ProjectName/datasets' },
      response: z.object({ Dataset: DatasetView }),
      handle: (p) => service.create(p.ProjectName, p.DatasetName, toSettings(p)),
    }),
    defineAction({
      action: 'GetDataset',
      summary: 'Get a dataset with its file count and total size.',
      params: z.object({ ...key, WithStatistics: z.unknown().optional() }),
      resource: datasetScope,
      rest: { method: 'GET', path: '/v1/projects/:ProjectName/datasets/:DatasetName' },
      response: z.object({ Dataset: DatasetView }),
      handle: (p) => service.get(p.ProjectName, p.DatasetName),
    }),
    defineAction({
      action: 'ListDatasets',
      summary: "List a project's datasets by name.",
      params: z.object({ ProjectName: resourceName, Prefix: z.string().max(128).optional(), MaxResults: maxResults, NextToken: nextToken }),
      resource: (p) => ({ kind: 'project', project: p.ProjectName }),
      rest: { method: 'GET', path: '/v1/projects/:ProjectName/datasets' },
      response: z.object({ Datasets: z.array(DatasetView), NextToken: z.string().optional() }),
      listing: { field: 'Datasets', item: (d) => ({ kind: 'dataset', project: String(d.ProjectName), dataset: String(d.DatasetName) }) },
      handle: (p) => service.list(p.ProjectName, { prefix: p.Prefix, maxResults: p.MaxResults, nextToken: p.NextToken }),
    }),
    defineAction({
      action: 'UpdateDataset',
      summary: 'Update a dataset.',
      params: z.object({ ...key, ...settings }),
      resource: datasetScope,
      rest: { method: 'PUT', path: '/v1/projects/:ProjectName/datasets/:DatasetName' },
      response: z.object({ Dataset: DatasetView }),
      handle: (p) => service.update(p.ProjectName, p.DatasetName, toSettings(p)),
    }),
    defineAction({
      action: 'DeleteDataset',
      summary: 'Delete a dataset with all its file metadata and clusters.',
      params: z.object(key),
      resource: datasetScope,
      rest: { method: 'DELETE', path: '/v1/projects/:ProjectName/datasets/:DatasetName' },
      handle: (p) => service.delete(p.ProjectName, p.DatasetName),
    }),
  ];
}
