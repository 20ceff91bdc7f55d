import { Inject, Injectable } from '@nestjs/common';
import { Prisma, type Db } from '@simclust/db';
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
  projectName: string;
  datasetName: string;
  labels?: Record<string, string>;
  sort: ClusterSort;
  order: SortOrder;
  /** Keyset position: the sort key and ObjectId of the last cluster already returned. */
  after?: { time: Date; id: string };
  take: number;
}

export interface ClusterPage {
  datasetId: string;
  clusters: Array<ClusterRow & { members: ClusterMemberRow[] }>;
}

const SORT_COLUMN = { CreateTime: Prisma.raw('"createdAt"'), UpdateTime: Prisma.raw('"updatedAt"') } as const;
const DIRECTION = { asc: Prisma.raw('ASC'), desc: Prisma.raw('DESC') } as const;
const BEYOND = { asc: Prisma.raw('>'), desc: Prisma.raw('<') } as const;

interface PageRow {
  datasetId: string;
  id: string | null;
  createdAt: Date;
  updatedAt: Date;
  customLabels: Record<string, string>;
  members: Array<[string, unknown, unknown]> | null;
}

@Injectable()
export class ClustersRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /**
   * One page in (sort key, ObjectId) order with every cluster's files, found by project and dataset name, in one
   * round trip (the hottest listing: 100 clusters and their files per call); null when there is no such dataset.
   * The keyset condition never repeats or skips an unchanged cluster; a label filter keeps clusters whose labels
   * contain every given pair.
   */
  async pageByName(query: ClusterPageQuery): Promise<ClusterPage | null> {
    const column = SORT_COLUMN[query.sort];
    const direction = DIRECTION[query.order];
    const labels = query.labels && Object.keys(query.labels).length ? Prisma.sql`AND c."customLabels" @> ${JSON.stringify(query.labels)}::jsonb` : Prisma.empty;
    // A timestamp(3) column holds UTC: the ISO text's Z is ignored by the cast, as intended.
    const after = query.after
      ? Prisma.sql`AND (c.${column}, c.id) ${BEYOND[query.order]} (${query.after.time.toISOString()}::timestamp(3), ${query.after.id})`
      : Prisma.empty;
    const rows = await this.db.$queryRaw<PageRow[]>`
      SELECT d.id AS "datasetId", c.id, c."createdAt", c."updatedAt", c."customLabels",
             (SELECT json_agg(json_build_array(f.uri, f."imageScore", f."scoreDetails"))
                FROM "SimilarImageClusterMember" m JOIN "File" f ON f.id = m."fileId"
               WHERE m."clusterId" = c.id) AS members
        FROM "Dataset" d
        JOIN "Project" p ON p.id = d."projectId"
        LEFT JOIN LATERAL (
          SELECT c.id, c."createdAt", c."updatedAt", c."customLabels" FROM "SimilarImageCluster" c
           WHERE c."datasetId" = d.id ${labels} ${after}
           ORDER BY c.${column} ${direction}, c.id ${direction}
           LIMIT ${query.take}
        ) c ON true
       WHERE p.name = ${query.projectName} AND d.name = ${query.datasetName}
       ORDER BY c.${column} ${direction}, c.id ${direction}`;
    if (!rows.length) return null;
    const clusters = rows
      .filter((r): r is PageRow & { id: string } => r.id !== null)
      .map((r) => ({
        id: r.id,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        customLabels: r.customLabels,
        members: (r.members ?? []).map(([uri, imageScore, scoreDetails]) => ({
          clusterId: r.id,
          uri,
          imageScore: typeof imageScore === 'number' ? imageScore : null,
          scoreDetails,
        })),
      }));
    return { datasetId: rows[0].datasetId, clusters };
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
