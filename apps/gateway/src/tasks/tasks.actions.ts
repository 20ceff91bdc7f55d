import { z } from 'zod';
import { TASK_TYPES, TaskStatuses } from '@simclust/contracts';
import { defineAction } from '../imm/action';
import { booleanParam, maxResults, nextToken, resourceName } from '../imm/params';
import type { TasksService } from './tasks.service';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time with its zone (`Z` or ±hh:mm); nanoseconds are accepted and cut to milliseconds. */
const rfc3339Time = z
  .string()
  .regex(RFC3339, 'must be an RFC 3339 time such as 2024-08-20T07:03:07Z')
  .refine((v) => {
    const parts = RFC3339.exec(v);
    // A string of the wrong shape was already reported by the regex.
    if (!parts) return true;
    const [, y, mo, d, h, mi, s] = parts.map(Number);
    const calendar = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    // Date.parse rolls 2021-02-30 over into March; a real calendar date survives the round trip.
    return calendar.getUTCMonth() === mo - 1 && calendar.getUTCDate() === d && h < 24 && mi < 60 && s < 60 && !Number.isNaN(Date.parse(v));
  }, 'is not a valid date and time')
  .transform((v) => new Date(v));

const timeRange = z
  .object({ Start: rfc3339Time.optional(), End: rfc3339Time.optional() })
  .strict()
  .refine((r) => !r.Start || !r.End || r.Start.getTime() <= r.End.getTime(), 'Start is later than End')
  .transform((r) => ({ start: r.Start, end: r.End }));

const TAG_PAIR = /^([^=,]+)=([^=,]*)$/;

/** `key=value[,key=value…]`: every pair must match (a key given twice is refused, it could never match both). */
const tagSelector = z
  .string()
  .max(4096)
  .transform((raw, ctx) => {
    const pairs: Array<[string, string]> = [];
    for (const part of raw.split(',')) {
      const m = TAG_PAIR.exec(part.trim());
      if (!m || !m[1].trim()) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not of the form key=value (several pairs are separated by commas)` });
        return z.NEVER;
      }
      const key = m[1].trim();
      if (pairs.some(([k]) => k === key)) {
        ctx.addIssue({ code: 'custom', message: `the key ${key} is given twice` });
        return z.NEVER;
      }
      pairs.push([key, m[2].trim()]);
    }
    return pairs;
  });

const taskType = z.enum(TASK_TYPES as [string, ...string[]]);
const lowercase = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

const projectScope = (p: { ProjectName: string }) => ({ kind: 'project' as const, project: p.ProjectName });

const TaskInfoView = z.object({
  TaskId: z.string(),
  TaskType: z.string(),
  Status: z.enum(['Running', 'Succeeded', 'Failed']),
  Code: z.string(),
  Message: z.string(),
  StartTime: z.string(),
  EndTime: z.string().optional(),
  Progress: z.number(),
  Tags: z.record(z.string(), z.unknown()),
  UserData: z.string(),
  TaskRequestDefinition: z.string().optional(),
});

export function taskActions(service: TasksService) {
  return [
    defineAction({
      action: 'GetTask',
      summary: 'Get a task (kept 7 days from its start); TaskType and TaskId name it together.',
      params: z.object({
        ProjectName: resourceName,
        TaskType: taskType,
        TaskId: z.string().min(1).max(256),
        RequestDefinition: booleanParam.default(false),
      }),
      resource: projectScope,
      rest: { method: 'GET', path: '/v1/projects/:ProjectName/tasks/:TaskId' },
      response: TaskInfoView.extend({ ProjectName: z.string(), EventId: z.string() }),
      handle: (p) => service.get(p.ProjectName, p.TaskType, p.TaskId, p.RequestDefinition),
    }),
    defineAction({
      action: 'ListTasks',
      summary: 'List the tasks of a project with filters; keyset pages that never repeat or skip a task.',
      params: z.object({
        ProjectName: resourceName,
        TaskTypes: z.array(taskType).max(32, 'holds more than 32 items').optional(),
        Status: z.enum([TaskStatuses.Running, TaskStatuses.Succeeded, TaskStatuses.Failed]).optional(),
        StartTimeRange: timeRange.optional(),
        EndTimeRange: timeRange.optional(),
        TagSelector: tagSelector.optional(),
        NextToken: nextToken,
        MaxResults: maxResults,
        Sort: z.enum(['TaskId', 'StartTime', 'EndTime']).default('TaskId'),
        Order: z.preprocess(lowercase, z.enum(['asc', 'desc'])).default('asc'),
        RequestDefinition: booleanParam.default(false),
      }),
      resource: projectScope,
      rest: { method: 'GET', path: '/v1/projects/:ProjectName/tasks' },
      response: z.object({ ProjectName: z.string(), NextToken: z.string().optional(), MaxResults: z.string(), Tasks: z.array(TaskInfoView) }),
      handle: (p) =>
        service.list({
          projectName: p.ProjectName,
          taskTypes: p.TaskTypes,
          status: p.Status,
          startTimeRange: p.StartTimeRange,
          endTimeRange: p.EndTimeRange,
          tags: p.TagSelector,
          nextToken: p.NextToken,
          maxResults: p.MaxResults,
          sort: p.Sort,
          order: p.Order,
          requestDefinition: p.RequestDefinition,
        }),
    }),
  ];
}
