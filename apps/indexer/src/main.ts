import { loadConfig } from '@simclust/config';
import { exitOnSignals } from '@simclust/runtime';
import { startIndexer } from './bootstrap';

startIndexer().then(
  (indexer) => exitOnSignals('indexer', indexer, loadConfig('indexer').SHUTDOWN_GRACE_MS),
  (err: unknown) => {
    process.stderr.write(`indexer: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
