import 'reflect-metadata';
import { loadConfig } from '@simclust/config';
import { Consumers, Streams } from '@simclust/contracts';
import { startWorkerApp, type WorkerApp } from '@simclust/runtime';
import { AppModule } from './app.module';
import { INDEX_COMMAND_PATTERN } from './index-command.handler';

/** Starts the indexer: its ops port and the durable consumer of index commands; `port` 0 picks a free port (tests). */
export async function startIndexer(port?: number): Promise<WorkerApp> {
  const config = loadConfig('indexer');
  return startWorkerApp(AppModule, {
    name: 'indexer',
    port: port ?? config.INDEXER_PORT,
    bindings: [{ pattern: INDEX_COMMAND_PATTERN, stream: Streams.commands.name, durable: Consumers.indexer.durable, concurrency: config.INDEXER_CONCURRENCY }],
  });
}
