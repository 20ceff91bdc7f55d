import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ImmError, type TaskStatus } from '@simclust/contracts';
import { rfc3339 } from '../common/time';
import { PageTokens, paginate } from '../imm/page-token';
import { TasksRepository, type SortOrder, type TaskCursor, type TaskInfoRow, type TaskRow, type TaskSort, type TimeRange } from './tasks.repository';

/** IMM's TaskInfo; EndTime appears once the task has ended, TaskRequestDefinition only when asked for. */
export function taskInfo(task: TaskInfoRow, withRequestDefinition: boolean) {
  return {
    TaskId: task.id,
    TaskType: task.taskType,
    Status: task.status,
    Code: task.code ?? '',
    Message: task.message ?? '',
    StartTime: rfc3339(task.startTime),
    ...(task.endTime ? { EndTime: rfc3339(task.endTime) } : {}),
    Progress: task.progress,
    Tags: task.tags ?? {},
    UserData: task.userData ?? '',
    ...(withRequestDefinition ? { TaskRequestDefinition: JSON.stringify(task.requestDefinition) } : {}),
  };
}

export interface ListTasksQuery {
  projectName: string;
  taskTypes?: string[];
  status?: TaskStatus;
  startTimeRange?: TimeRange;
  endTimeRange?: TimeRange;
  tags?: Array<[string, string]>;
  nextToken?: string;
  maxResults: number;
  sort: TaskSort;
  order: SortOrder;
  requestDefinition: boolean;
}

@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly tokens: PageTokens,
  ) {}

  async get(projectName: string, taskType: string, taskId: string, requestDefinition: boolean, now = new Date()) {
    const task = await this.tasks.findLiveByProjectName(projectName, taskId, now, requestDefinition);
    // A task of another type is as absent as a missing one: TaskType and TaskId name the task together.
    if (!task || task.taskType !== taskType) {
      // Only a miss pays for the project lookup, which answers "project not found" before "task not found".
      await this.tasks.projectId(projectName);
      throw ImmError.notFound('task', taskId);
    }
    return { ProjectName: projectName, EventId: task.eventId, ...taskInfo(task, requestDefinition) };
  }

  async list(q: ListTasksQuery, now = new Date()) {
    const projectId = await this.tasks.projectId(q.projectName);
    const scope = pageScope(projectId, q);
    const after = this.cursorOf(this.tokens.decode(q.nextToken, scope), q.sort);
    const filter = { projectId, taskTypes: q.taskTypes, status: q.status, startTime: q.startTimeRange, endTime: q.endTimeRange, tags: q.tags };
    const rows = await this.tasks.list(filter, q.sort, q.order, q.maxResults + 1, after, now, q.requestDefinition);
    const { page, nextToken } = paginate(rows, q.maxResults, (t) => ({ key: sortKey(t, q.sort), id: t.id }), scope, this.tokens);
    return {
      ProjectName: q.projectName,
      ...(nextToken ? { NextToken: nextToken } : {}),
      MaxResults: String(q.maxResults),
      Tasks: page.map((t) => taskInfo(t, q.requestDefinition)),
    };
  }

  private cursorOf(position: { key: unknown; id: string } | undefined, sort: TaskSort): TaskCursor | undefined {
    if (!position) return undefined;
    const valid = sort === 'TaskId' ? position.key === null : typeof position.key === 'number' || (sort === 'EndTime' && position.key === null);
    if (!valid) throw new ImmError('InvalidNextToken', 'Specified parameter NextToken is not valid.');
    return { key: position.key as number | null, id: position.id };
  }
}

function sortKey(task: TaskRow, sort: TaskSort): number | null {
  if (sort === 'StartTime') return task.startTime.getTime();
  if (sort === 'EndTime') return task.endTime?.getTime() ?? null;
  return null;
}

/** A token belongs to one project, sort, order and filter set: reusing it with other parameters is refused. */
function pageScope(projectId: string, q: ListTasksQuery): string {
  const filters = JSON.stringify([q.taskTypes ?? [], q.status ?? '', q.startTimeRange ?? {}, q.endTimeRange ?? {}, q.tags ?? []]);
  return `tasks:${projectId}:${q.sort}:${q.order}:${createHash('sha256').update(filters).digest('base64url').slice(0, 16)}`;
}
