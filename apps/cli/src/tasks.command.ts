import { Limits } from '@simclust/contracts';
import { println, type CommandContext } from './command-context';
import { ExitCode } from './exit-codes';
import { formatTable } from './table';
import type { TaskView } from './task-follower';

export interface TasksOptions {
  project: string;
  type?: string;
  status?: string;
  json?: boolean;
  max?: number;
}

/** `simclust tasks`: the project's tasks, newest first, paging through NextToken. */
export async function tasksCommand(options: TasksOptions, ctx: CommandContext): Promise<ExitCode> {
  const limit = options.max ?? Infinity;
  const tasks: TaskView[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ctx.client.call<{ Tasks: TaskView[]; NextToken?: string }>('ListTasks', {
      ProjectName: options.project,
      TaskTypes: options.type ? [options.type] : undefined,
      Status: options.status,
      Sort: 'StartTime',
      Order: 'desc',
      MaxResults: Math.min(Limits.maxResults, limit - tasks.length),
      NextToken,
    });
    tasks.push(...page.Tasks.slice(0, limit - tasks.length));
    NextToken = page.NextToken;
  } while (NextToken && tasks.length < limit);

  if (options.json) {
    println(ctx.out, JSON.stringify({ ProjectName: options.project, Tasks: tasks }, null, 2));
    return ExitCode.Success;
  }
  if (tasks.length === 0) {
    println(ctx.out, `no tasks in project ${options.project}${options.type || options.status ? ' matching the filters' : ''}`);
    return ExitCode.Success;
  }
  println(
    ctx.out,
    formatTable(
      ['TASK ID', 'TYPE', 'STATUS', 'PROGRESS', 'STARTED', 'ENDED', 'MESSAGE'],
      tasks.map((t) => [t.TaskId, t.TaskType, t.Status, `${t.Progress}%`, t.StartTime, t.EndTime ?? '-', t.Code ? `${t.Code}: ${t.Message}` : t.Message]),
    ),
  );
  return ExitCode.Success;
}
