import { Inject, Injectable } from '@nestjs/common';
import { TaskStatuses, TaskTypes, type Subjects } from '@simclust/contracts';
import type { Db } from '@simclust/db';
import { DB, SUBJECTS } from '@simclust/runtime';

/** A clustering task Postgres says is still running, with what its command carried; datasetId is null once the dataset is gone. */
export interface RunningClusteringTask {
  taskId: string;
  requestId: string;
  projectId: string;
  projectName: string;
  datasetName: string;
  datasetId: string | null;
}

@Injectable()
export class ReconcilerRepository {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(SUBJECTS) private readonly subjects: Subjects,
  ) {}

  /**
   * This installation's Running clustering tasks accepted before `startedBefore`, oldest first, after `afterId` in
   * that order's ties. A task recorded with another region's or account's command subject belongs to that
   * installation's worker (one sharing this database); a task recorded without one (before the outbox) to any.
   */
  async runningClusteringTasks(startedBefore: Date, take: number, after?: { startTime: Date; id: string }): Promise<Array<RunningClusteringTask & { startTime: Date }>> {
    return this.db.$queryRaw<Array<RunningClusteringTask & { startTime: Date }>>`
      SELECT t.id AS "taskId", t."requestId", t."projectId", p.name AS "projectName", coalesce(t."datasetName", '') AS "datasetName",
             d.id AS "datasetId", t."startTime"
      FROM "Task" t
      JOIN "Project" p ON p.id = t."projectId"
      LEFT JOIN "Dataset" d ON d."projectId" = t."projectId" AND d.name = t."datasetName"
      WHERE t.status = ${TaskStatuses.Running}::"TaskStatus" AND t."taskType" = ${TaskTypes.SimilarImageClustering}
        AND t."startTime" < ${startedBefore}
        AND (t."commandSubject" IS NULL OR t."commandSubject" = ${this.subjects.clusterCommand})
        AND (${after?.startTime ?? null}::timestamp IS NULL OR (t."startTime", t.id) > (${after?.startTime ?? null}::timestamp, ${after?.id ?? ''}))
      ORDER BY t."startTime", t.id
      LIMIT ${take}`;
  }
}
