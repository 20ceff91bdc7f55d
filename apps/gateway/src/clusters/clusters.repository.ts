import { Inject, Injectable } from '@nestjs/common';
import type { Db } from '@simclust/db';
import { DB } from '@simclust/runtime';

export type ClusterSort = 'CreateTime' | 'UpdateTime';
export type SortOrder = 'asc' | 'desc';

export interface ClusterRow {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  customLabels: Record<string, string>;
}

export interface ClusterMemberRow {
  clusterId: string;
  uri: string;
  imageScore: number | null;
  scoreDetails: unknown;
}

export interface ClusterPageQuery {
  datasetId: string;
  labels?: Record<string, string>;
  sort: ClusterSort;
  order: SortOrder;
  /** Keyset position: the sort key and ObjectId of the last cluster already returned. */
  after?: { time: Date; id: string };
  take: number;
}

const SORT_FIELD = { CreateTime: 'createdAt', UpdateTime: 'updatedAt' } as const;

@Injectable()
export class ClustersRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** One page in (sort key, ObjectId) order; the keyset condition never repeats or skips an unchanged cluster. */
  async page(query: ClusterPageQuery): Promise<ClusterRow[]> {
    const field = SORT_FIELD[query.sort];
    const beyond = query.order === 'asc' ? 'gt' : 'lt';
    const rows = await this.db.similarImageCluster.findMany({
      where: {
        datasetId: query.datasetId,
        AND: [
          ...Object.entries(query.labels ?? {}).map(([label, value]) => ({ customLabels: { path: [label], equals: value } })),
          ...(query.after
            ? [{ OR: [{ [field]: { [beyond]: query.after.time } }, { [field]: query.after.time, id: { [beyond]: query.after.id } }] }]
            : []),
        ],
      },
      orderBy: [{ [field]: query.order }, { id: query.order }],
      take: query.take,
      select: { id: true, createdAt: true, updatedAt: true, customLabels: true },
    });
    return rows.map((r) => ({ ...r, customLabels: r.customLabels as Record<string, string> }));
  }

  async members(clusterIds: string[]): Promise<ClusterMemberRow[]> {
    if (!clusterIds.length) return [];
    const rows = await this.db.similarImageClusterMember.findMany({
      where: { clusterId: { in: clusterIds } },
      select: { clusterId: true, file: { select: { uri: true, imageScore: true, scoreDetails: true } } },
    });
    return rows.map((r) => ({ clusterId: r.clusterId, uri: r.file.uri, imageScore: r.file.imageScore, scoreDetails: r.file.scoreDetails }));
  }

  /** Sets a cluster's labels; null when the dataset has no cluster with that id. */
  async setLabels(datasetId: string, id: string, labels: Record<string, string>): Promise<ClusterRow | null> {
    const updated = await this.db.similarImageCluster.updateMany({ where: { id, datasetId }, data: { customLabels: labels, updatedAt: new Date() } });
    if (updated.count === 0) return null;
    const row = await this.db.similarImageCluster.findUnique({ where: { id }, select: { id: true, createdAt: true, updatedAt: true, customLabels: true } });
    return row && { ...row, customLabels: row.customLabels as Record<string, string> };
  }
}
