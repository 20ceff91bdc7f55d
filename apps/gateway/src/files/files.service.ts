import { Inject, Injectable } from '@nestjs/common';
import { ImmError, TaskTypes, type IndexCommand, type InputFile, type Subjects } from '@simclust/contracts';
import { SUBJECTS } from '@simclust/runtime';
import { DatasetsRepository } from '../datasets/datasets.repository';
import type { NotificationParam } from '../tasks/notification';
import { ClusterPageCache } from '../clusters/cluster-page-cache';
import { TaskRecorder } from '../tasks/task-recorder.service';
import { ThumbnailRemover } from '../thumbnails/thumbnail-remover';
import { fileView } from './file-view';
import { FilesRepository, type CustomFields } from './files.repository';
import { imageUriProblem } from './image-uri';

export interface IndexRequest {
  projectName: string;
  datasetName: string;
  files: InputFile[];
  /** Name of the parameter the files came in (`File` or `Files`), for error messages. */
  param: 'File' | 'Files';
  userData?: string;
  notification?: NotificationParam;
  requestId: string;
  requestDefinition: Record<string, unknown>;
}

@Injectable()
export class FilesService {
  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly files: FilesRepository,
    private readonly tasks: TaskRecorder,
    private readonly thumbnails: ThumbnailRemover,
    private readonly clusterPages: ClusterPageCache,
    @Inject(SUBJECTS) private readonly subjects: Subjects,
  ) {}

  /** Records an IndexFileMeta task and hands the files to the indexer; the work itself is asynchronous. */
  async index(request: IndexRequest) {
    const seen = new Set<string>();
    request.files.forEach((file, i) => {
      const where = request.param === 'Files' ? `Files[${i}].URI` : 'File.URI';
      const problem = imageUriProblem(file.URI);
      if (problem) throw ImmError.invalid('URI', `${where} ${problem}.`);
      if (seen.has(file.URI)) throw ImmError.invalid('URI', `${where} ${file.URI} is listed more than once.`);
      seen.add(file.URI);
    });
    const dataset = await this.datasets.resolve(request.projectName, request.datasetName);
    await this.tasks.checkNotification(request.notification);
    const command = (taskId: string): IndexCommand => ({
      taskId,
      requestId: request.requestId,
      projectId: dataset.projectId,
      projectName: dataset.project.name,
      datasetId: dataset.id,
      datasetName: dataset.name,
      files: request.files,
    });
    const task = await this.tasks.create(
      {
        projectId: dataset.projectId,
        datasetName: dataset.name,
        taskType: TaskTypes.IndexFileMeta,
        requestId: request.requestId,
        userData: request.userData,
        notification: request.notification,
        requestDefinition: request.requestDefinition,
      },
      { subject: this.subjects.indexCommand, build: command },
    );
    await this.tasks.dispatch(task);
    return { EventId: task.eventId, TaskId: task.id };
  }

  /** GetFileMeta: a URI that is not indexed in the dataset is a ResourceNotFound naming the file. */
  async get(projectName: string, datasetName: string, uri: string, withFields?: string[]) {
    const [file] = (await this.batchGet(projectName, datasetName, [uri], withFields)).Files;
    if (!file) throw ImmError.notFound('file', uri);
    return { Files: [file] };
  }

  /** BatchGetFileMeta: only the URIs that are indexed, in request order. */
  async batchGet(projectName: string, datasetName: string, uris: string[], withFields?: string[]) {
    const dataset = await this.datasets.resolve(projectName, datasetName);
    const rows = await this.files.findByUris(dataset.id, uris);
    const names = { projectName: dataset.project.name, datasetName: dataset.name };
    return { Files: rows.map((row) => fileView(row, names, withFields)) };
  }

  async update(projectName: string, datasetName: string, uri: string, fields: CustomFields) {
    const dataset = await this.datasets.resolve(projectName, datasetName);
    if (!(await this.files.updateCustomFields(dataset.id, uri, fields))) throw ImmError.notFound('file', uri);
    return {};
  }

  /** Deleting a file that is not indexed succeeds, as in IMM. Its thumbnail goes with it. */
  async delete(projectName: string, datasetName: string, uris: string[]) {
    const dataset = await this.datasets.resolve(projectName, datasetName);
    const deleted = await this.files.deleteByUris(dataset.id, uris);
    if (deleted.length) this.clusterPages.invalidate(dataset.id);
    await this.thumbnails.remove(deleted);
    return {};
  }
}
