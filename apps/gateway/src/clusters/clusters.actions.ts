import { z } from 'zod';
import { defineAction } from '../imm/action';
import { maxResults, nextToken, resourceName, tagsMap, userData } from '../imm/params';
import { notificationParam } from '../tasks/notification';
import type { ClustersService } from './clusters.service';

const key = { ProjectName: resourceName, DatasetName: resourceName };
const datasetScope = (p: { ProjectName: string; DatasetName: string }) => ({ kind: 'dataset' as const, project: p.ProjectName, dataset: p.DatasetName });

const MAX_LABELS = 100;
/** A JSON object of string labels (a cluster's CustomLabels, or the pairs a queried cluster must have). */
const customLabels = z
  .record(z.string().min(1).max(128), z.string().max(1024), { message: 'must be a JSON object of string values' })
  .refine((labels) => Object.keys(labels).length <= MAX_LABELS, { message: `at most ${MAX_LABELS} labels`, params: { immCode: 'LimitExceededError' } });

const ScoreDetails = z.object({ Sharpness: z.number(), Exposure: z.number(), Resolution: z.number() });
const SimilarImageClusterView = z.object({
  ObjectId: z.string(),
  CreateTime: z.string(),
  UpdateTime: z.string(),
  CustomLabels: z.record(z.string(), z.string()),
  Files: z.array(z.object({ URI: z.string(), ImageScore: z.number(), ScoreDetails: ScoreDetails.optional() })),
});

export function clusterActions(service: ClustersService) {
  return [
    defineAction({
      action: 'CreateSimilarImageClusteringTask',
      summary: "Cluster the dataset's files indexed or changed since the last run (asynchronous; follow the task).",
      params: z.object({ ...key, UserData: userData.optional(), Tags: tagsMap.optional(), Notification: notificationParam.optional() }),
      resource: datasetScope,
      rest: { method: 'POST', path: '/v1/projects/:ProjectName/datasets/:DatasetName/similar-image-clustering-tasks' },
      response: z.object({ TaskId: z.string(), EventId: z.string() }),
      handle: (p, ctx) =>
        service.createTask(p.ProjectName, p.DatasetName, {
          requestId: ctx.requestId,
          userData: p.UserData,
          tags: p.Tags,
          notification: p.Notification,
        }),
    }),
    defineAction({
      action: 'QuerySimilarImageClusters',
      summary: "List a dataset's similar-image clusters, each with its files best shot first.",
      params: z.object({
        ...key,
        CustomLabels: customLabels.optional(),
        NextToken: nextToken,
        MaxResults: maxResults,
        Sort: z.enum(['CreateTime', 'UpdateTime'], { message: 'must be CreateTime or UpdateTime' }).default('UpdateTime'),
        Order: z.enum(['asc', 'desc'], { message: 'must be asc or desc' }).default('desc'),
      }),
      resource: datasetScope,
      rest: { method: 'GET', path: '/v1/projects/:ProjectName/datasets/:DatasetName/similar-image-clusters' },
      response: z.object({ SimilarImageClusters: z.array(SimilarImageClusterView), NextToken: z.string().optional() }),
      handle: (p) =>
        service.query(p.ProjectName, p.DatasetName, {
          labels: p.CustomLabels,
          nextToken: p.NextToken,
          maxResults: p.MaxResults,
          sort: p.Sort,
          order: p.Order,
        }),
    }),
    defineAction({
      action: 'UpdateSimilarImageCluster',
      summary: "Set a similar-image cluster's CustomLabels.",
      params: z.object({ ...key, ObjectId: z.string().min(1).max(256), CustomLabels: customLabels }),
      resource: datasetScope,
      rest: { method: 'PUT', path: '/v1/projects/:ProjectName/datasets/:DatasetName/similar-image-clusters/:ObjectId' },
      response: z.object({ SimilarImageCluster: SimilarImageClusterView }),
      handle: (p) => service.updateLabels(p.ProjectName, p.DatasetName, p.ObjectId, p.CustomLabels),
    }),
  ];
}
