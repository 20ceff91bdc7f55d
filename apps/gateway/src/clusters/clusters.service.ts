import { Inject, Injectable } from '@nestjs/common';
import { orderMembersByScore } from '@simclust/clustering';
import { ImmError, TaskTypes, type ClusterCommand, type Subjects } from '@simclust/contracts';
import { SUBJECTS } from '@simclust/runtime';
import { rfc3339 } from '../common/time';
import { DatasetsRepository } from '../datasets/datasets.repository';
import { Coalescer } from '../common/coalescer';
import { SerializedAnswer } from '../imm/action';
import { invalidToken, PageTokens, paginate, type PagePosition } from '../imm/page-token';
import type { NotificationParam } from '../tasks/notification';
import { TaskRecorder } from '../tasks/task-recorder.service';
import { ClusterPageCache } from './cluster-page-cache';
import { ClustersRepository, type ClusterMemberRow, type ClusterRow, type ClusterSort, type SortOrder } from './clusters.repository';

export interface NewClusteringTask {
  requestId: string;
  userData?: string;
  tags?: Record<string, unknown>;
  notification?: NotificationParam;
}

export interface ClusterQuery {
  labels?: Record<string, string>;
  nextToken?: string;
  maxResults: number;
  sort: ClusterSort;
  order: SortOrder;
}

function scoreDetails(value: unknown): { Sharpness: number; Exposure: number; Resolution: number } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const part = (x: unknown) => (typeof x === 'number' ? x : 0);
  return { Sharpness: part(v.Sharpness), Exposure: part(v.Exposure), Resolution: part(v.Resolution) };
}

/** IMM's SimilarImageCluster: its files best shot first. */
function clusterView(cluster: ClusterRow, members: ClusterMemberRow[]) {
  const ordered = orderMembersByScore(members.map((m) => ({ id: m.uri, score: m.imageScore ?? Number.NaN, member: m })));
  return {
    ObjectId: cluster.id,
    CreateTime: rfc3339(cluster.createdAt),
    UpdateTime: rfc3339(cluster.updatedAt),
    CustomLabels: cluster.customLabels,
    Files: ordered.map(({ member }) => ({
      URI: member.uri,
      ImageScore: member.imageScore ?? 0,
      ...(scoreDetails(member.scoreDetails) ? { ScoreDetails: scoreDetails(member.scoreDetails) } : {}),
    })),
  };
}

/** A label filter in a canonical order. */
function labelPairs(labels: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(labels ?? {}).sort();
}

@Injectable()
export class ClustersService {
  private readonly pages = new Coalescer<SerializedAnswer>();

  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly clusters: ClustersRepository,
    private readonly tasks: TaskRecorder,
    private readonly tokens: PageTokens,
    private readonly cache: ClusterPageCache,
    @Inject(SUBJECTS) private readonly subjects: Subjects,
  ) {}

  async createTask(projectName: string, datasetName: string, request: NewClusteringTask) {
    const dataset = await this.datasets.resolve(projectName, datasetName);
    await this.tasks.checkNotification(request.notification);
    const command = (taskId: string): ClusterCommand => ({
      taskId,
      requestId: request.requestId,
      projectId: dataset.projectId,
      projectName,
      datasetId: dataset.id,
      datasetName,
    });
    const task = await this.tasks.create(
      {
        projectId: dataset.projectId,
        datasetName,
        taskType: TaskTypes.SimilarImageClustering,
        requestId: request.requestId,
        tags: request.tags,
        userData: request.userData,
        notification: request.notification,
        requestDefinition: {
          ProjectName: projectName,
          DatasetName: datasetName,
          ...(request.userData !== undefined ? { UserData: request.userData } : {}),
          ...(request.tags ? { Tags: request.tags } : {}),
          ...(request.notification ? { Notification: request.notification } : {}),
        },
      },
      { subject: this.subjects.clusterCommand, build: command },
    );
    await this.tasks.dispatch(task);
    return { TaskId: task.id, EventId: task.eventId };
  }

  /**
   * One page of clusters. The hottest read (a gallery polled by its viewers, clients paging through): a page stays in
   * the cache until the database says its dataset changed; identical queries that miss it together share one
   * database read and one serialization (each still reads after it arrived).
   */
  async query(projectName: string, datasetName: string, query: ClusterQuery): Promise<SerializedAnswer> {
    const key = JSON.stringify([projectName, datasetName, query.sort, query.order, labelPairs(query.labels), query.nextToken ?? null, query.maxResults]);
    return (
      this.cache.get(key) ??
      this.pages.run(key, async () => {
        const ticket = this.cache.ticket();
        const { datasetId, answer } = await this.readPage(projectName, datasetName, query);
        const serialized = new SerializedAnswer(answer);
        this.cache.set(key, datasetId, serialized, ticket);
        return serialized;
      })
    );
  }

  private async readPage(projectName: string, datasetName: string, query: ClusterQuery) {
    // The token is checked against the dataset once the page query has found it (one round trip for both), so a bad
    // token still loses to a missing dataset, as everywhere else.
    let after: PagePosition | undefined;
    let badToken = false;
    try {
      after = this.tokens.read(query.nextToken);
    } catch {
      badToken = true;
    }
    const afterTime = after && typeof after.key === 'string' ? new Date(after.key) : undefined;
    const found = await this.clusters.pageByName({
      projectName,
      datasetName,
      labels: query.labels,
      sort: query.sort,
      order: query.order,
      after: after && afterTime && !Number.isNaN(afterTime.getTime()) ? { time: afterTime, id: after.id } : undefined,
      take: query.maxResults + 1,
    });
    if (!found) throw await this.datasets.notFound(projectName, datasetName);
    // The scope binds a token to its dataset, sort, order and filter: reused elsewhere it is InvalidNextToken.
    const scope = `clusters/${found.datasetId}/${query.sort}/${query.order}/${JSON.stringify(labelPairs(query.labels))}`;
    if (badToken || (after && after.scope !== scope)) throw invalidToken();
    const sortKey = (c: ClusterRow) => (query.sort === 'CreateTime' ? c.createdAt : c.updatedAt).toISOString();
    const { page, nextToken } = paginate(found.clusters, query.maxResults, (c) => ({ key: sortKey(c), id: c.id }), scope, this.tokens);
    return {
      datasetId: found.datasetId,
      answer: {
        SimilarImageClusters: page.map((c) => clusterView(c, c.members)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      },
    };
  }

  async updateLabels(projectName: string, datasetName: string, objectId: string, labels: Record<string, string>) {
    const dataset = await this.datasets.resolve(projectName, datasetName);
    const cluster = await this.clusters.setLabels(dataset.id, objectId, labels);
    if (!cluster) throw ImmError.notFound('SimilarImageCluster', objectId);
    this.cache.invalidate(dataset.id);
    return { SimilarImageCluster: clusterView(cluster, await this.clusters.members([cluster.id])) };
  }
}
