import { Inject, Injectable } from '@nestjs/common';
import { clusterWriteLockName, fileObjectId, newClusterId } from '@simclust/contracts';
import { pairListFrom, planFileRemoval, type ClusterPlan, type SimilarCluster } from '@simclust/clustering';
import type { Db, File, Tx } from '@simclust/db';
import { DB } from '@simclust/runtime';

export interface CustomFields {
  customId?: string;
  customLabels?: Record<string, string>;
}

@Injectable()
export class FilesRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** The dataset's files for these URIs, in the order of `uris`, skipping the ones not indexed. */
  async findByUris(datasetId: string, uris: readonly string[]): Promise<File[]> {
    const ids = uris.map((uri) => fileObjectId(datasetId, uri));
    const rows = await this.db.file.findMany({ where: { id: { in: ids }, datasetId } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Sets CustomId and/or CustomLabels; false when the file is not in the dataset. */
  async updateCustomFields(datasetId: string, uri: string, fields: CustomFields): Promise<boolean> {
    const { count } = await this.db.file.updateMany({
      where: { id: fileObjectId(datasetId, uri), datasetId },
      data: {
        ...(fields.customId !== undefined ? { customId: fields.customId } : {}),
        ...(fields.customLabels !== undefined ? { customLabels: fields.customLabels } : {}),
        updatedAt: new Date(),
      },
    });
    return count > 0;
  }

  /**
   * Deletes files with their features, cluster memberships and edges (the edges cascade); clusters that fall below
   * 2 members are deleted and clusters a removed file held together are split, in the same transaction (IMM's rule).
   * Returns the ids of the files that were there.
   */
  async deleteByUris(datasetId: string, uris: readonly string[]): Promise<string[]> {
    const ids = [...new Set(uris.map((uri) => fileObjectId(datasetId, uri)))];
    return this.db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${clusterWriteLockName(datasetId)}))::text`;
      const removed = await tx.file.findMany({ where: { id: { in: ids }, datasetId }, select: { id: true, seq: true } });
      if (removed.length === 0) return [];
      await replanClusters(tx, datasetId, removed);
      await tx.file.deleteMany({ where: { id: { in: removed.map((f) => f.id) } } });
      return removed.map((f) => f.id);
    });
  }
}

/** Recomputes the clusters that held removed files, from their remaining edges (libs/clustering works on File.seq). */
async function replanClusters(tx: Tx, datasetId: string, removed: Array<{ id: string; seq: number }>): Promise<void> {
  const hit = await tx.similarImageClusterMember.findMany({ where: { fileId: { in: removed.map((f) => f.id) } }, select: { clusterId: true } });
  const clusterIds = [...new Set(hit.map((m) => m.clusterId))];
  if (clusterIds.length === 0) return;
  const clusters = await tx.similarImageCluster.findMany({
    where: { id: { in: clusterIds } },
    include: { members: { select: { fileId: true, file: { select: { seq: true } } } } },
  });
  const fileIdOfSeq = new Map<number, string>();
  const previous: SimilarCluster[] = clusters.map((c) => {
    for (const m of c.members) fileIdOfSeq.set(m.file.seq, m.fileId);
    return {
      id: c.id,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      customLabels: c.customLabels as Record<string, string>,
      members: c.members.map((m) => m.file.seq).sort((a, b) => a - b),
    };
  });
  const seqs = [...fileIdOfSeq.keys()];
  const edges = await tx.similarImageEdge.findMany({ where: { datasetId, fileA: { in: seqs }, fileB: { in: seqs } }, select: { fileA: true, fileB: true } });
  const plan = planFileRemoval(
    { previous, removedFiles: removed.map((f) => f.seq), keptEdges: pairListFrom(edges.map((e) => [e.fileA, e.fileB] as const)) },
    { newId: newClusterId, now: new Date() },
  );
  await applyPlan(tx, datasetId, plan, fileIdOfSeq);
}

async function applyPlan(tx: Tx, datasetId: string, plan: ClusterPlan, fileIdOfSeq: ReadonlyMap<number, string>): Promise<void> {
  if (plan.delete.length) await tx.similarImageCluster.deleteMany({ where: { id: { in: plan.delete } } });
  const rewritten = [...plan.update, ...plan.create];
  if (rewritten.length === 0) return;
  for (const c of plan.update) await tx.similarImageCluster.update({ where: { id: c.id }, data: { updatedAt: c.updatedAt } });
  if (plan.create.length) {
    await tx.similarImageCluster.createMany({
      data: plan.create.map((c) => ({ id: c.id, datasetId, customLabels: c.customLabels, createdAt: c.createdAt, updatedAt: c.updatedAt })),
    });
  }
  const members = rewritten.flatMap((c) =>
    c.members.map((seq) => {
      const fileId = fileIdOfSeq.get(seq);
      if (fileId === undefined) throw new Error(`cluster plan names file seq ${seq}, which was not loaded`);
      return { fileId, clusterId: c.id };
    }),
  );
  await tx.similarImageClusterMember.deleteMany({
    where: { OR: [{ clusterId: { in: rewritten.map((c) => c.id) } }, { fileId: { in: members.map((m) => m.fileId) } }] },
  });
  await tx.similarImageClusterMember.createMany({ data: members });
}
