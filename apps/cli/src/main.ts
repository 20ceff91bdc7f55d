import { readEnvironment } from '@simclust/config';
import { ExitCode } from './exit-codes';
import { runCli } from './program';

// Ctrl-C during a progress bar: give the cursor back before leaving.
process.once('SIGINT', () => {
  if (process.stderr.isTTY) process.stderr.write('\x1b[?25h\n');
  process.exit(130);
});

// A reader that stops early (`simclust clusters --json | head`) is not a failure worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(ExitCode.Success);
  process.stderr.write(`simclust: cannot write the output (${err.code ?? err.message})\n`);
  process.exit(ExitCode.Failed);
});

runCli(process.argv.slice(2), { env: readEnvironment(), out: process.stdout, err: process.stderr }).then((code) => {
  process.exitCode = code;
});
