import { Inject, Injectable } from '@nestjs/common';
import { ImmError, type TaskStatus } from '@simclust/contracts';
import type { Db, Prisma, Task } from '@simclust/db';
import { DB } from '@simclust/runtime';
import { HotReads } from '../common/hot-reads';

export type TaskSort = 'TaskId' | 'StartTime' | 'EndTime';
export type SortOrder = 'asc' | 'desc';

export interface TimeRange {
  start?: Date;
  end?: Date;
}

export interface TaskFilter {
  projectId: string;
  taskTypes?: string[];
  status?: TaskStatus;
  startTime?: TimeRange;
  endTime?: TimeRange;
  /** Every pair must match the task's Tags (values compared as text). */
  tags?: Array<[string, string]>;
}

/** A keyset position: the sort key of the last task returned (epoch ms, or null for a running task's EndTime) and its id. */
export interface TaskCursor {
  key: number | null;
  id: string;
}

@Injectable()
export class TasksRepository {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly hot: HotReads,
  ) {}

  async projectId(projectName: string): Promise<string> {
    const project = await this.db.project.findUnique({ where: { name: projectName }, select: { id: true } });
    if (!project) throw ImmError.notFound('project', projectName);
    return project.id;
  }

  /**
   * A task that has not passed its retention, of the project so named: one round trip for GetTask's hot path (every
   * client polls it). The request definition (an index task's 100 files) is read only when asked for.
   */
  async findLiveByProjectName(projectName: string, taskId: string, now: Date, withRequestDefinition: boolean): Promise<TaskInfoRow | null> {
    const [row] = await this.hot.rows<TaskInfoRow>(
      withRequestDefinition ? 'get-task-with-definition' : 'get-task',
      `SELECT t.id, t."taskType", t.status::text AS status, t.code, t.message, t.progress, t.tags, t."userData", t."eventId",
              t."startTime" AT TIME ZONE 'UTC' AS "startTime", t."endTime" AT TIME ZONE 'UTC' AS "endTime"
              ${withRequestDefinition ? ', t."requestDefinition"' : ''}
         FROM "Task" t JOIN "Project" p ON p.id = t."projectId"
        WHERE t.id = $1 AND t."expiresAt" > ($2::timestamptz AT TIME ZONE 'UTC') AND p.name = $3`,
      [taskId, now.toISOString(), projectName],
    );
    return row ?? null;
  }

  /** One page (plus one row) in the requested order, strictly after the cursor. */
  list(filter: TaskFilter, sort: TaskSort, order: SortOrder, take: number, after: TaskCursor | undefined, now: Date, withRequestDefinition: boolean): Promise<TaskRow[]> {
    const where: Prisma.TaskWhereInput = {
      AND: [
        { projectId: filter.projectId, expiresAt: { gt: now } },
        filter.taskTypes?.length ? { taskType: { in: filter.taskTypes } } : {},
        filter.status ? { status: filter.status } : {},
        filter.startTime ? { startTime: rangeFilter(filter.startTime) } : {},
        filter.endTime ? { endTime: { not: null, ...rangeFilter(filter.endTime) } } : {},
        ...(filter.tags ?? []).map(([key, value]) => tagFilter(key, value)),
        after ? keysetFilter(sort, order, after) : {},
      ],
    };
    return this.db.task.findMany({ where, orderBy: orderBy(sort, order), take, omit: omitted(withRequestDefinition) });
  }
}

/** A task row as the task operations read it: never the outbox's command, the request definition when asked for. */
export type TaskRow = Omit<Task, 'command' | 'requestDefinition'> & Partial<Pick<Task, 'requestDefinition'>>;
/** What TaskInfo shows of a task. */
export type TaskInfoRow = Pick<TaskRow, 'id' | 'taskType' | 'status' | 'code' | 'message' | 'progress' | 'tags' | 'userData' | 'eventId' | 'startTime' | 'endTime' | 'requestDefinition'>;

function omitted(withRequestDefinition: boolean) {
  return { command: true, requestDefinition: !withRequestDefinition } as const;
}

function rangeFilter(range: TimeRange): Prisma.DateTimeFilter {
  return { ...(range.start ? { gte: range.start } : {}), ...(range.end ? { lte: range.end } : {}) };
}

/** Tags are stored as JSON, so `n=5` must match both "5" and 5, and `b=true` both "true" and true. */
function tagFilter(key: string, value: string): Prisma.TaskWhereInput {
  const candidates: Prisma.InputJsonValue[] = [value];
  if (value.trim() !== '' && Number.isFinite(Number(value))) candidates.push(Number(value));
  if (value === 'true' || value === 'false') candidates.push(value === 'true');
  return { OR: candidates.map((equals) => ({ tags: { path: [key], equals } })) };
}

function orderBy(sort: TaskSort, order: SortOrder): Prisma.TaskOrderByWithRelationInput[] {
  switch (sort) {
    case 'TaskId':
      return [{ id: order }];
    case 'StartTime':
      return [{ startTime: order }, { id: order }];
    case 'EndTime':
      // Running tasks (no EndTime yet) sort as the latest: last ascending, first descending.
      return [{ endTime: { sort: order, nulls: order === 'asc' ? 'last' : 'first' } }, { id: order }];
  }
}

function keysetFilter(sort: TaskSort, order: SortOrder, after: TaskCursor): Prisma.TaskWhereInput {
  const beyond = order === 'asc' ? 'gt' : 'lt';
  const idBeyond = { id: { [beyond]: after.id } };
  if (sort === 'TaskId') return idBeyond;
  if (sort === 'StartTime') {
    const key = new Date(after.key as number);
    return { OR: [{ startTime: { [beyond]: key } }, { startTime: key, ...idBeyond }] };
  }
  if (after.key === null) {
    // Ascending, the running tasks come last: only more of them remain. Descending, they come first: then every finished task.
    return order === 'asc' ? { endTime: null, ...idBeyond } : { OR: [{ endTime: null, ...idBeyond }, { endTime: { not: null } }] };
  }
  const key = new Date(after.key);
  const finishedBeyond: Prisma.TaskWhereInput[] = [{ endTime: { [beyond]: key } }, { endTime: key, ...idBeyond }];
  return { OR: order === 'asc' ? [...finishedBeyond, { endTime: null }] : finishedBeyond };
}
