import { Inject, Injectable } from '@nestjs/common';
import type { PairList, SimilarCluster, VerifiedEdges, ClusterPlan } from '@simclust/clustering';
import { clusterWriteLockName } from '@simclust/contracts';
import type { Db, Tx } from '@simclust/db';
import { DB } from '@simclust/runtime';

/** One streamed row of the candidate state: a file whose current features can be searched. */
export interface DescriptorRow {
  seq: number;
  contentVersion: number;
  clusteredVersion: number;
  descriptor: Uint8Array;
}

/** Files whose change leaves the graph without new features (failed or pending re-index): only their old edges go. */
export interface DepartedFile {
  seq: number;
  contentVersion: number;
}

/** What a concurrent writer (DeleteFileMeta) changes: a run whose snapshot no longer holds is recomputed. */
export interface ClusterFingerprint {
  clusters: number;
  members: number;
}

export interface RunWrite {
  datasetId: string;
  fingerprint: ClusterFingerprint;
  /** Files processed by this run (new, changed or departed): their previous edges are replaced. */
  processed: ReadonlyArray<{ seq: number; contentVersion: number }>;
  edges: VerifiedEdges;
  plan: ClusterPlan;
  now: Date;
}

/** The snapshot moved under the run (a file deleted, clusters rewritten): the run must be recomputed. */
export class StaleSnapshotError extends Error {}

const STREAM_CHUNK_ROWS = 5_000;
const VERIFIER_CHUNK_ROWS = 1_000;
/** Large runs write many edges; Prisma's 5 s default would abort them. */
const APPLY_TIMEOUT_MS = 300_000;

interface ClusterRowRaw {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  customLabels: unknown;
  members: number[];
}

/** Everything the clustering worker reads and writes in Postgres, in bulk statements. */
@Injectable()
export class ClusteringStateRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async datasetExists(datasetId: string): Promise<boolean> {
    return (await this.db.dataset.count({ where: { id: datasetId } })) > 0;
  }

  async fingerprint(datasetId: string, tx: Tx | Db = this.db): Promise<ClusterFingerprint> {
    const [row] = await tx.$queryRaw<Array<{ clusters: number; members: number }>>`
      SELECT (SELECT count(*)::int FROM "SimilarImageCluster" WHERE "datasetId" = ${datasetId}) AS clusters,
             (SELECT count(*)::int FROM "SimilarImageClusterMember" m JOIN "SimilarImageCluster" c ON c.id = m."clusterId"
               WHERE c."datasetId" = ${datasetId}) AS members`;
    return row;
  }

  async hasPendingFiles(datasetId: string): Promise<boolean> {
    const [row] = await this.db.$queryRaw<Array<{ pending: boolean }>>`
      SELECT EXISTS (SELECT 1 FROM "File" WHERE "datasetId" = ${datasetId} AND "contentVersion" <> "clusteredVersion") AS pending`;
    return row.pending;
  }

  async countSearchable(datasetId: string, featureVersion: number): Promise<number> {
    const [row] = await this.db.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM "File" f JOIN "FileFeature" ff ON ff."fileId" = f.id
      WHERE f."datasetId" = ${datasetId} AND f.status = 'Indexed' AND ff.version = ${featureVersion}`;
    return row.n;
  }

  /** Streams the descriptors of every searchable file in seq order, a few thousand rows per query (keyset). */
  async *streamDescriptors(datasetId: string, featureVersion: number, chunkRows = STREAM_CHUNK_ROWS): AsyncGenerator<DescriptorRow[]> {
    let after = 0;
    for (;;) {
      const rows = await this.db.$queryRaw<DescriptorRow[]>`
        SELECT f.seq, f."contentVersion", f."clusteredVersion", ff.descriptor
        FROM "File" f JOIN "FileFeature" ff ON ff."fileId" = f.id
        WHERE f."datasetId" = ${datasetId} AND f.seq > ${after} AND f.status = 'Indexed' AND ff.version = ${featureVersion}
        ORDER BY f.seq LIMIT ${chunkRows}`;
      if (!rows.length) return;
      yield rows;
      after = rows[rows.length - 1].seq;
      if (rows.length < chunkRows) return;
    }
  }

  async departedFiles(datasetId: string): Promise<DepartedFile[]> {
    return this.db.$queryRaw<DepartedFile[]>`
      SELECT seq, "contentVersion" FROM "File"
      WHERE "datasetId" = ${datasetId} AND status <> 'Indexed' AND "contentVersion" <> "clusteredVersion"`;
  }

  /** Verifier blobs of the given files (only those in candidate pairs are ever loaded). */
  async verifiers(seqs: number[], featureVersion: number): Promise<Map<number, Uint8Array>> {
    const blobs = new Map<number, Uint8Array>();
    for (let i = 0; i < seqs.length; i += VERIFIER_CHUNK_ROWS) {
      const chunk = seqs.slice(i, i + VERIFIER_CHUNK_ROWS);
      const rows = await this.db.$queryRaw<Array<{ seq: number; verifier: Uint8Array }>>`
        SELECT f.seq, ff.verifier FROM "File" f JOIN "FileFeature" ff ON ff."fileId" = f.id
        WHERE f.seq = ANY(${chunk}::int[]) AND ff.version = ${featureVersion}`;
      for (const r of rows) blobs.set(r.seq, r.verifier);
    }
    return blobs;
  }

  /** Clusters that hold any of the given files, with their members as seqs. */
  async clustersHolding(datasetId: string, seqs: number[]): Promise<SimilarCluster[]> {
    if (!seqs.length) return [];
    const rows = await this.db.$queryRaw<ClusterRowRaw[]>`
      SELECT c.id, c."createdAt", c."updatedAt", c."customLabels", array_agg(f.seq ORDER BY f.seq) AS members
      FROM "SimilarImageCluster" c
      JOIN "SimilarImageClusterMember" m ON m."clusterId" = c.id
      JOIN "File" f ON f.id = m."fileId"
      WHERE c."datasetId" = ${datasetId} AND c.id IN (
        SELECT m2."clusterId" FROM "SimilarImageClusterMember" m2 JOIN "File" f2 ON f2.id = m2."fileId" WHERE f2.seq = ANY(${seqs}::int[]))
      GROUP BY c.id`;
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      customLabels: (r.customLabels ?? {}) as Record<string, string>,
      members: r.members,
    }));
  }

  /** Stored edges with both ends among `seqs`. */
  async edgesWithin(datasetId: string, seqs: number[]): Promise<PairList> {
    if (!seqs.length) return { length: 0, a: new Uint32Array(0), b: new Uint32Array(0) };
    const rows = await this.db.$queryRaw<Array<{ fileA: number; fileB: number }>>`
      SELECT "fileA", "fileB" FROM "SimilarImageEdge"
      WHERE "datasetId" = ${datasetId} AND "fileA" = ANY(${seqs}::int[]) AND "fileB" = ANY(${seqs}::int[])`;
    return { length: rows.length, a: Uint32Array.from(rows, (r) => r.fileA), b: Uint32Array.from(rows, (r) => r.fileB) };
  }

  /**
   * Writes a run in one transaction (readers never see half a run), under the dataset's cluster-write lock; throws
   * StaleSnapshotError when a concurrent writer changed clusters or deleted a file the run relies on.
   */
  async apply(write: RunWrite): Promise<void> {
    try {
      await this.db.$transaction(async (tx) => this.applyIn(tx, write), { timeout: APPLY_TIMEOUT_MS, maxWait: 30_000 });
    } catch (err) {
      // 23503: an edge or member names a file deleted since the run read it.
      if (err instanceof StaleSnapshotError || /23503|foreign key/i.test(String((err as Error)?.message))) {
        throw new StaleSnapshotError(`dataset ${write.datasetId} changed during the run`);
      }
      throw err;
    }
  }

  private async applyIn(tx: Tx, write: RunWrite): Promise<void> {
    const { datasetId, plan, edges, now } = write;
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${clusterWriteLockName(datasetId)}))::text`;
    const current = await this.fingerprint(datasetId, tx);
    if (current.clusters !== write.fingerprint.clusters || current.members !== write.fingerprint.members) throw new StaleSnapshotError();

    const processed = write.processed.map((f) => f.seq);
    await tx.$executeRaw`DELETE FROM "SimilarImageEdge" WHERE "fileA" = ANY(${processed}::int[]) OR "fileB" = ANY(${processed}::int[])`;
    if (edges.length) {
      await tx.$executeRaw`
        INSERT INTO "SimilarImageEdge" ("datasetId", "fileA", "fileB", "score")
        SELECT ${datasetId}, x.a, x.b, x.s FROM unnest(${Array.from(edges.a)}::int[], ${Array.from(edges.b)}::int[], ${Array.from(edges.score)}::float8[]) AS x(a, b, s)
        ON CONFLICT ("fileA", "fileB") DO UPDATE SET score = EXCLUDED.score`;
    }

    if (plan.delete.length) await tx.similarImageCluster.deleteMany({ where: { id: { in: plan.delete }, datasetId } });
    if (plan.create.length) {
      await tx.similarImageCluster.createMany({ data: plan.create.map((c) => ({ id: c.id, datasetId, customLabels: {}, createdAt: now, updatedAt: now })) });
    }
    for (const c of plan.update) {
      const updated = await tx.similarImageCluster.updateMany({ where: { id: c.id, datasetId }, data: { updatedAt: now } });
      if (updated.count !== 1) throw new StaleSnapshotError();
      await tx.$executeRaw`
        DELETE FROM "SimilarImageClusterMember" m USING "File" f
        WHERE m."clusterId" = ${c.id} AND f.id = m."fileId" AND NOT (f.seq = ANY(${[...c.members]}::int[]))`;
    }

    const written = [...plan.create, ...plan.update];
    const memberSeqs = written.flatMap((c) => c.members);
    const memberClusters = written.flatMap((c) => c.members.map(() => c.id));
    if (memberSeqs.length) {
      const upserted = await tx.$executeRaw`
        INSERT INTO "SimilarImageClusterMember" ("fileId", "clusterId")
        SELECT f.id, x.c FROM unnest(${memberSeqs}::int[], ${memberClusters}::text[]) AS x(s, c) JOIN "File" f ON f.seq = x.s AND f."datasetId" = ${datasetId}
        ON CONFLICT ("fileId") DO UPDATE SET "clusterId" = EXCLUDED."clusterId"`;
      if (upserted !== memberSeqs.length) throw new StaleSnapshotError();
    }

    // A file re-indexed during the run keeps its lag and is processed again by the next run.
    await tx.$executeRaw`
      UPDATE "File" f SET "clusteredVersion" = x.v
      FROM unnest(${processed}::int[], ${write.processed.map((p) => p.contentVersion)}::int[]) AS x(s, v)
      WHERE f.seq = x.s AND f."contentVersion" = x.v`;
  }
}
