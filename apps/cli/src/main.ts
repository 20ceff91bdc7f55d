import { readEnvironment } from '@simclust/config';
import { runCli } from './program';

// Ctrl-C during a progress bar: give the cursor back before leaving.
process.once('SIGINT', () => {
  if (process.stderr.isTTY) process.stderr.write('\x1b[?25h\n');
  process.exit(130);
});

runCli(process.argv.slice(2), { env: readEnvironment(), out: process.stdout, err: process.stderr }).then((code) => {
  process.exitCode = code;
});
