import { z } from 'zod';
import { InputFileSchema, Limits } from '@simclust/contracts';
import { defineAction } from '../imm/action';
import { limitedArray, resourceName, userData } from '../imm/params';
import { notificationParam } from '../tasks/notification';
import type { FilesService } from './files.service';

const key = { ProjectName: resourceName, DatasetName: resourceName };
const datasetScope = (p: { ProjectName: string; DatasetName: string }) => ({ kind: 'dataset' as const, project: p.ProjectName, dataset: p.DatasetName });
const base = '/v1/projects/:ProjectName/datasets/:DatasetName/files';

const uri = z.string().min(1).max(2048);
const withFields = z.array(z.string().max(64)).max(64).optional();
const customLabels = z.record(z.string().min(1).max(128), z.string().max(1024));
const indexParams = { ...key, UserData: userData.optional(), Notification: notificationParam.optional() };

const FileView = z.object({
  URI: z.string(),
  ProjectName: z.string().optional(),
  DatasetName: z.string().optional(),
  ObjectId: z.string().optional(),
  ObjectType: z.literal('file').optional(),
  ObjectStatus: z.enum(['Pending', 'Indexed', 'Failed']).optional(),
  Reason: z.string().optional(),
  MediaType: z.string().optional(),
  ContentType: z.string().optional(),
  Filename: z.string().optional(),
  Size: z.number().optional(),
  FileHash: z.string().optional().describe('sha256 of the file bytes, hex'),
  CustomId: z.string().optional(),
  CustomLabels: z.record(z.string(), z.string()).optional(),
  CreateTime: z.string().optional(),
  UpdateTime: z.string().optional(),
  ImageWidth: z.number().optional(),
  ImageHeight: z.number().optional(),
  Orientation: z.number().optional(),
  ImageScore: z.object({ OverallQualityScore: z.number() }).optional(),
  ScoreDetails: z.object({ Sharpness: z.number(), Exposure: z.number(), Resolution: z.number() }).optional(),
});
const IndexAnswer = z.object({ EventId: z.string(), TaskId: z.string() });

export function fileActions(service: FilesService) {
  return [
    defineAction({
      action: 'IndexFileMeta',
      summary: 'Index one image (file:///…, http:// or https://) into a dataset; answers at once with the task to follow.',
      params: z.object({ ...indexParams, File: InputFileSchema }),
      resource: datasetScope,
      rest: { method: 'POST', path: base },
      response: IndexAnswer,
      handle: (p, ctx) =>
        service.index({
          projectName: p.ProjectName,
          datasetName: p.DatasetName,
          files: [p.File],
          param: 'File',
          userData: p.UserData,
          notification: p.Notification,
          requestId: ctx.requestId,
          requestDefinition: p,
        }),
    }),
    defineAction({
      action: 'BatchIndexFileMeta',
      summary: `Index up to ${Limits.batchFiles} images into a dataset as one task.`,
      params: z.object({ ...indexParams, Files: limitedArray(InputFileSchema, Limits.batchFiles, 'Files') }),
      resource: datasetScope,
      rest: { method: 'POST', path: `${base}/batch-index` },
      response: IndexAnswer,
      handle: (p, ctx) =>
        service.index({
          projectName: p.ProjectName,
          datasetName: p.DatasetName,
          files: p.Files,
          param: 'Files',
          userData: p.UserData,
          notification: p.Notification,
          requestId: ctx.requestId,
          requestDefinition: p,
        }),
    }),
    defineAction({
      action: 'GetFileMeta',
      summary: 'Get the metadata of one indexed file (ResourceNotFound when the URI is not indexed).',
      params: z.object({ ...key, URI: uri, WithFields: withFields }),
      resource: datasetScope,
      rest: { method: 'GET', path: base },
      response: z.object({ Files: z.array(FileView) }),
      handle: (p) => service.get(p.ProjectName, p.DatasetName, p.URI, p.WithFields),
    }),
    defineAction({
      action: 'BatchGetFileMeta',
      summary: `Get the metadata of up to ${Limits.batchUris} files; URIs that are not indexed are left out.`,
      params: z.object({ ...key, URIs: limitedArray(uri, Limits.batchUris, 'URIs'), WithFields: withFields }),
      resource: datasetScope,
      rest: { method: 'POST', path: `${base}/batch-get` },
      response: z.object({ Files: z.array(FileView) }),
      handle: (p) => service.batchGet(p.ProjectName, p.DatasetName, p.URIs, p.WithFields),
    }),
    defineAction({
      action: 'UpdateFileMeta',
      summary: "Set an indexed file's CustomId and/or CustomLabels (CustomLabels replaces the labels).",
      params: z.object({ ...key, File: z.object({ URI: uri, CustomId: z.string().max(512).optional(), CustomLabels: customLabels.optional() }) }),
      resource: datasetScope,
      rest: { method: 'PATCH', path: base },
      handle: (p) => service.update(p.ProjectName, p.DatasetName, p.File.URI, { customId: p.File.CustomId, customLabels: p.File.CustomLabels }),
    }),
    defineAction({
      action: 'DeleteFileMeta',
      summary: "Delete a file's metadata (succeeds when it is not indexed); clusters left with one image are deleted.",
      params: z.object({ ...key, URI: uri }),
      resource: datasetScope,
      rest: { method: 'DELETE', path: base },
      handle: (p) => service.delete(p.ProjectName, p.DatasetName, [p.URI]),
    }),
    defineAction({
      action: 'BatchDeleteFileMeta',
      summary: `Delete the metadata of up to ${Limits.batchUris} files; clusters left with one image are deleted.`,
      params: z.object({ ...key, URIs: limitedArray(uri, Limits.batchUris, 'URIs') }),
      resource: datasetScope,
      rest: { method: 'POST', path: `${base}/batch-delete` },
      handle: (p) => service.delete(p.ProjectName, p.DatasetName, p.URIs),
    }),
  ];
}
