import { TaskStatuses, TaskTypes } from '@simclust/contracts';
import { println, type CommandContext } from './command-context';
import { CliError, ExitCode } from './exit-codes';
import { createProgress } from './progress';
import { TaskFollower, type TaskView } from './task-follower';

export interface ClusterOptions {
  project: string;
  dataset: string;
}

/** `simclust cluster`: starts a clustering task and shows its progress until it ends. */
export async function clusterCommand(options: ClusterOptions, ctx: CommandContext): Promise<ExitCode> {
  const { project: ProjectName, dataset: DatasetName } = options;
  const { TaskId } = await ctx.client.call<{ TaskId: string }>('CreateSimilarImageClusteringTask', { ProjectName, DatasetName });
  println(ctx.err, `clustering task ${TaskId} started`);
  const progress = createProgress(ctx.err, [{ label: 'clustering', total: 100, unit: '%' }]);
  const follower = new TaskFollower(ctx.client, ProjectName, TaskTypes.SimilarImageClustering, (views) => {
    for (const view of views) progress.update(0, view.Status === TaskStatuses.Succeeded ? 100 : view.Progress);
  });
  follower.add(TaskId);
  follower.close();
  let ended: Map<string, TaskView>;
  try {
    ended = await follower.done;
  } finally {
    progress.stop();
  }
  const task = ended.get(TaskId);
  if (!task) throw new CliError(`lost track of clustering task ${TaskId}`, ExitCode.Failed);
  if (task.Status === TaskStatuses.Succeeded) {
    println(ctx.out, `clustering task ${TaskId} Succeeded (project ${ProjectName}, dataset ${DatasetName})`);
    return ExitCode.Success;
  }
  println(ctx.out, `clustering task ${TaskId} Failed: ${task.Code}: ${task.Message}`);
  return ExitCode.Failed;
}
