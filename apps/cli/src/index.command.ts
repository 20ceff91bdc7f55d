import { fileURLToPath } from 'node:url';
import { FileStatuses, Limits, TaskStatuses, TaskTypes } from '@simclust/contracts';
import { chunk } from './batches';
import { println, type CommandContext } from './command-context';
import { CliError, ExitCode } from './exit-codes';
import { GatewayError } from './gateway.client';
import { IMAGE_EXTENSIONS, collectImages, toFileUri } from './image-files';
import { createProgress } from './progress';
import { TaskFollower, type TaskView } from './task-follower';

export interface IndexOptions {
  project: string;
  dataset: string;
  create?: boolean;
}

interface FileOutcome {
  uri: string;
  status: string;
  reason?: string;
}

/** Creates the project and the dataset when they do not exist yet (a concurrent creation counts as existing). */
async function ensureDataset(ctx: CommandContext, ProjectName: string, DatasetName: string): Promise<void> {
  const ensure = async (get: string, create: string, params: Record<string, string>, what: string) => {
    try {
      await ctx.client.call(get, params);
    } catch (err) {
      if (!(err instanceof GatewayError) || err.status !== 404) throw err;
      try {
        await ctx.client.call(create, params);
        println(ctx.err, `created ${what}`);
      } catch (createErr) {
        if (!(createErr instanceof GatewayError) || createErr.status !== 409) throw createErr;
      }
    }
  };
  await ensure('GetProject', 'CreateProject', { ProjectName }, `project ${ProjectName}`);
  await ensure('GetDataset', 'CreateDataset', { ProjectName, DatasetName }, `dataset ${DatasetName}`);
}

/** `simclust index`: sends the images in batches, follows every task, and reports each file's outcome. */
export async function indexCommand(inputs: string[], options: IndexOptions, ctx: CommandContext): Promise<ExitCode> {
  const { project: ProjectName, dataset: DatasetName } = options;
  const paths = await collectImages(inputs);
  if (paths.length === 0) {
    throw new CliError(`no images in ${inputs.join(', ')} (looked for ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(' ')})`, ExitCode.Usage);
  }
  if (options.create) await ensureDataset(ctx, ProjectName, DatasetName);

  const uris = paths.map(toFileUri);
  const batches = chunk(uris, Limits.batchFiles);
  const progress = createProgress(ctx.err, [
    { label: 'sent', total: uris.length, unit: 'files' },
    { label: 'finished', total: batches.length, unit: 'tasks' },
  ]);
  const follower = new TaskFollower(ctx.client, ProjectName, TaskTypes.IndexFileMeta, () => progress.update(1, follower.endedCount));
  let tasks: Map<string, TaskView>;
  try {
    let sent = 0;
    for (const Files of batches) {
      const { TaskId } = await ctx.client.call<{ TaskId: string }>('BatchIndexFileMeta', { ProjectName, DatasetName, Files: Files.map((URI) => ({ URI })) });
      follower.add(TaskId);
      sent += Files.length;
      progress.update(0, sent);
    }
    follower.close();
    tasks = await follower.done;
  } catch (err) {
    follower.abort(err);
    throw withCreateHint(err, options);
  } finally {
    progress.stop();
  }

  const outcomes = await readOutcomes(ctx, ProjectName, DatasetName, uris);
  const failedTasks = [...tasks.values()].filter((t) => t.Status === TaskStatuses.Failed);
  const failed = outcomes.filter((o) => o.status !== FileStatuses.Indexed);
  const indexed = outcomes.length - failed.length;
  const taskCount = `${tasks.size} task${tasks.size === 1 ? '' : 's'}`;
  println(ctx.out, `${indexed} indexed, ${failed.length} failed (${uris.length} files, ${taskCount}, project ${ProjectName}, dataset ${DatasetName})`);
  for (const task of failedTasks) println(ctx.out, `task ${task.TaskId} Failed: ${task.Code}: ${task.Message}`);
  for (const f of failed) println(ctx.out, `failed ${displayPath(f.uri)}: ${f.reason ?? f.status}`);
  return failed.length || failedTasks.length ? ExitCode.Failed : ExitCode.Success;
}

/** Each file's status after its task ended; a file the dataset does not hold counts as failed. */
async function readOutcomes(ctx: CommandContext, ProjectName: string, DatasetName: string, uris: string[]): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = [];
  for (const URIs of chunk(uris, Limits.batchUris)) {
    const { Files } = await ctx.client.call<{ Files: Array<{ URI: string; ObjectStatus?: string; Reason?: string }> }>('BatchGetFileMeta', {
      ProjectName,
      DatasetName,
      URIs,
      WithFields: ['ObjectStatus', 'Reason'],
    });
    const byUri = new Map(Files.map((f) => [f.URI, f]));
    for (const uri of URIs) {
      const file = byUri.get(uri);
      outcomes.push(file ? { uri, status: file.ObjectStatus ?? FileStatuses.Pending, reason: file.Reason } : { uri, status: 'Missing', reason: 'not in the dataset after its task ended' });
    }
  }
  return outcomes;
}

function withCreateHint(err: unknown, options: IndexOptions): unknown {
  if (err instanceof GatewayError && err.status === 404 && !options.create) {
    return new GatewayError(err.action, err.status, err.code, `${err.message} (--create makes the project and dataset)`);
  }
  return err;
}

function displayPath(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}
