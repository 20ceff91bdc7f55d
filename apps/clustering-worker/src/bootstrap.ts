import 'reflect-metadata';
import { loadConfig } from '@simclust/config';
import { Consumers, Streams } from '@simclust/contracts';
import { startWorkerApp, type WorkerApp } from '@simclust/runtime';
import { AppModule } from './app.module';
import { CLUSTER_COMMAND_PATTERN } from './clustering/cluster-command.handler';

/** Starts the clustering worker: JetStream consumer of cluster commands, the BullMQ worker, ops port (0 = any free port). */
export async function startClusteringWorker(options: { port?: number } = {}): Promise<WorkerApp> {
  const config = loadConfig('clustering-worker');
  return startWorkerApp(AppModule, {
    name: 'clustering-worker',
    port: options.port ?? config.CLUSTERING_WORKER_PORT,
    bindings: [{ pattern: CLUSTER_COMMAND_PATTERN, stream: Streams.commands.name, durable: Consumers.clusteringWorker.durable, concurrency: 4 }],
  });
}
