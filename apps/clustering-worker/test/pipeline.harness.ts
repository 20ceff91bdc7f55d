// Starts gateway + indexer + clustering worker in this process against the real services, and drives them through
// the IMM API the way a client would.
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { WorkerApp } from '@simclust/runtime';
import { deleteInstallationConsumers, uniqueName, waitFor, type ImmClient } from '@simclust/testing';

export const DEV_DIR = realpathSync('/work/shared/bench/dev');
export const DEV_IMAGES = join(DEV_DIR, 'images');
/** A writable directory the indexer may read, for files whose content a test changes. */
export const SCRATCH_DIR = realpathSync(mkdtempSync(join(tmpdir(), 'simclust-cw-')));

export interface DevTruth {
  clusters: string[][];
  singletons: string[];
  kinds: Record<string, string>;
  hard: string[][];
  hard_negatives: string[][][];
}
export const devTruth = (): DevTruth => JSON.parse(readFileSync(join(DEV_DIR, 'truth.json'), 'utf8')) as DevTruth;

export interface ClusterView {
  ObjectId: string;
  CreateTime: string;
  UpdateTime: string;
  CustomLabels: Record<string, string>;
  Files: Array<{ URI: string; ImageScore: number }>;
}

export interface Pipeline {
  client: ImmClient;
  processor: import('../src/clustering/cluster-job.processor').ClusterJobProcessor;
  close(): Promise<void>;
}

export async function startPipeline(): Promise<Pipeline> {
  const roots = new Set([...(process.env.ALLOWED_FILE_ROOTS ?? '').split(',').filter(Boolean), DEV_DIR, SCRATCH_DIR]);
  // An account of its own: durable consumers are per region and account, so no other process takes this stack's commands.
  const account = `t${process.pid}`;
  Object.assign(process.env, { ALLOWED_FILE_ROOTS: [...roots].join(','), SIMCLUST_ACCOUNT: account });
  // The e2e test runs the sibling apps in this process, as the issue asks; apps themselves never import each other.
  // eslint-disable-next-line @nx/enforce-module-boundaries
  const { startTestGateway } = await import('../../gateway/test/gateway.harness');
  // eslint-disable-next-line @nx/enforce-module-boundaries
  const { startIndexer } = await import('../../indexer/src/bootstrap');
  const { startClusteringWorker } = await import('../src/bootstrap');
  const { ClusterJobProcessor } = await import('../src/clustering/cluster-job.processor');
  const { gateway, client } = await startTestGateway();
  const indexer: WorkerApp = await startIndexer(0);
  const worker: WorkerApp = await startClusteringWorker({ port: 0 });
  return {
    client,
    processor: worker.app.get(ClusterJobProcessor),
    close: async () => {
      await worker.close();
      await indexer.close();
      await gateway.close();
      await deleteInstallationConsumers(process.env.SIMCLUST_REGION ?? 'local', account, process.env.NATS_URL);
      rmSync(SCRATCH_DIR, { recursive: true, force: true });
    },
  };
}


/** A fresh project and dataset, with helpers bound to them. */
export async function newDataset(client: ImmClient, prefix: string) {
  const ProjectName = uniqueName(`${prefix}p`);
  const DatasetName = uniqueName(`${prefix}d`);
  await client.ok('CreateProject', { ProjectName });
  await client.ok('CreateDataset', { ProjectName, DatasetName });
  const key = { ProjectName, DatasetName };

  const waitTask = async (TaskType: string, TaskId: string, timeoutMs = 120_000) =>
    waitFor(
      async () => {
        const task = await client.ok<{ Status: string; Code?: string; Message?: string; Progress: number }>('GetTask', { ProjectName, TaskType, TaskId });
        return task.Status === 'Running' ? undefined : task;
      },
      { timeoutMs, intervalMs: 200, what: `${TaskType} ${TaskId}` },
    );

  return {
    key,
    uriOf: (name: string) => `file://${join(DEV_IMAGES, name)}`,
    /** Indexes DEV images by name, or any file given by absolute path. */
    async index(names: string[]): Promise<void> {
      const tasks: string[] = [];
      for (let i = 0; i < names.length; i += 100) {
        const Files = names.slice(i, i + 100).map((name) => ({ URI: `file://${name.startsWith('/') ? name : join(DEV_IMAGES, name)}` }));
        tasks.push((await client.ok<{ TaskId: string }>('BatchIndexFileMeta', { ...key, Files })).TaskId);
      }
      for (const id of tasks) await waitTask('IndexFileMeta', id, 180_000);
    },
    /** Starts a clustering task and waits for its end; returns the finished task. */
    async cluster(): Promise<{ Status: string; Code?: string; Message?: string; Progress: number; TaskId: string }> {
      const { TaskId } = await client.ok<{ TaskId: string }>('CreateSimilarImageClusteringTask', key);
      return { ...(await waitTask('SimilarImageClustering', TaskId)), TaskId };
    },
    startClustering: async () => (await client.ok<{ TaskId: string }>('CreateSimilarImageClusteringTask', key)).TaskId,
    waitTask,
    async clusters(): Promise<ClusterView[]> {
      const all: ClusterView[] = [];
      let NextToken: string | undefined;
      do {
        const page = await client.ok<{ SimilarImageClusters: ClusterView[]; NextToken?: string }>('QuerySimilarImageClusters', { ...key, NextToken, Sort: 'CreateTime', Order: 'asc' });
        all.push(...page.SimilarImageClusters);
        NextToken = page.NextToken;
      } while (NextToken);
      return all;
    },
  };
}

/** Clusters as sorted lists of file names, sorted: comparable across datasets. */
export function partition(clusters: ClusterView[]): string[][] {
  return clusters.map((c) => c.Files.map((f) => basename(f.URI)).sort()).sort((x, y) => x[0].localeCompare(y[0]));
}
