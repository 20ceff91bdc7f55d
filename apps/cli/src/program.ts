import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { TASK_TYPES, TaskStatuses } from '@simclust/contracts';
import { clusterCommand } from './cluster.command';
import { clustersCommand } from './clusters.command';
import type { CommandContext } from './command-context';
import { CliError, EXIT_CODES_HELP, ExitCode } from './exit-codes';
import { GatewayClient } from './gateway.client';
import { indexCommand } from './index.command';
import { DEFAULT_ENDPOINT, resolveConnection, type ConnectionFlags } from './settings';
import { tasksCommand } from './tasks.command';

const ENVIRONMENT_HELP = `Environment (flags win; .env.local in the simclust checkout is read too):
  SIMCLUST_ENDPOINT            gateway URL [${DEFAULT_ENDPOINT}]
  SIMCLUST_ACCESS_KEY_ID       access key id (named in messages)
  SIMCLUST_ACCESS_KEY_SECRET   access key secret, sent as Authorization: Bearer <secret>
  ADMIN_API_KEY                used when no key is given (the admin key of a local installation)`;

export interface Io {
  env: Record<string, string | undefined>;
  out: NodeJS.WritableStream;
  err: NodeJS.WriteStream;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

/** Runs the command line `argv` (without node and the script) and answers the exit code; never throws. */
export async function runCli(argv: string[], io: Io): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Success;
  const program = new Command('simclust');
  const context = (command: Command): CommandContext => ({
    client: new GatewayClient(resolveConnection(command.optsWithGlobals<ConnectionFlags>(), io.env)),
    out: io.out,
    err: io.err,
  });
  const dataset = (command: Command) =>
    command.requiredOption('-p, --project <name>', 'project name').requiredOption('-d, --dataset <name>', 'dataset name');

  program
    .description('Command-line client of simclust, the self-hosted similar-image clustering service (IMM-compatible).')
    .option('--endpoint <url>', `gateway URL (env SIMCLUST_ENDPOINT) [${DEFAULT_ENDPOINT}]`)
    .option('--access-key-id <id>', 'access key id (env SIMCLUST_ACCESS_KEY_ID)')
    .option('--access-key-secret <secret>', 'access key secret (env SIMCLUST_ACCESS_KEY_SECRET)')
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n`)
    .showSuggestionAfterError(true)
    // Set before the subcommands are created, which copy these settings from their parent.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      outputError: (s, write) => write(`simclust: ${s.replace(/^error: /, '')}`),
    });

  dataset(
    program
      .command('index')
      .description('index images: folders are walked recursively for image files; sends batches of 100 and follows each task')
      .argument('<paths...>', 'folders and image files'),
  )
    .option('--create', 'create the project and the dataset when they do not exist')
    .action(async (paths: string[], options: { project: string; dataset: string; create?: boolean }, command: Command) => {
      exitCode = await indexCommand(paths, options, context(command));
    });

  dataset(program.command('cluster').description("start a clustering task on the dataset's new and changed images and show its progress until it ends")).action(
    async (options: { project: string; dataset: string }, command: Command) => {
      exitCode = await clusterCommand(options, context(command));
    },
  );

  dataset(program.command('clusters').description("print the dataset's similar-image clusters, best shot first"))
    .option('--json', 'print JSON ({"SimilarImageClusters": [...]}) instead of a table')
    .option('--max <n>', 'print at most n clusters', positiveInteger)
    .action(async (options: { project: string; dataset: string; json?: boolean; max?: number }, command: Command) => {
      exitCode = await clustersCommand(options, context(command));
    });

  program
    .command('tasks')
    .description("list a project's tasks, newest first")
    .requiredOption('-p, --project <name>', 'project name')
    .addOption(new Option('--type <type>', 'only tasks of this type').choices(TASK_TYPES))
    .addOption(new Option('--status <status>', 'only tasks in this status').choices(Object.values(TaskStatuses)))
    .option('--json', 'print JSON ({"ProjectName", "Tasks": [...]}) instead of a table')
    .option('--max <n>', 'list at most n tasks', positiveInteger)
    .action(async (options: { project: string; type?: string; status?: string; json?: boolean; max?: number }, command: Command) => {
      exitCode = await tasksCommand(options, context(command));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed the message; `simclust` alone prints help as an error (commander.help).
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? ExitCode.Success : ExitCode.Usage;
    }
    if (err instanceof CliError) {
      io.err.write(`simclust: ${err.message}\n`);
      return err.exitCode;
    }
    io.err.write(`simclust: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.Failed;
  }
}
