import type { ClusteringWorkerConfig } from '@simclust/config';
import { CONFIG, exitOnSignals } from '@simclust/runtime';
import { startClusteringWorker } from './bootstrap';

startClusteringWorker().then(
  (worker) => exitOnSignals('clustering-worker', worker, worker.app.get<ClusteringWorkerConfig>(CONFIG).SHUTDOWN_GRACE_MS),
  (err: unknown) => {
    process.stderr.write(`clustering-worker: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
