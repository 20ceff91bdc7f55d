// The gallery's stack for its tests: the real gateway, indexer and (optionally) clustering worker in this process,
// against the real services, with their own SIMCLUST_REGION (so no other test's workers take their commands), a
// temporary THUMBNAIL_DIR and a scratch directory inside ALLOWED_FILE_ROOTS.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkerApp } from '@simclust/runtime';
import { deleteInstallationConsumers, uniqueName, waitFor, type ImmClient } from '@simclust/testing';
import type { RunningGateway } from '../../src/bootstrap';
import { startTestGateway } from '../gateway.harness';

export const DEV_DIR = realpathSync('/work/shared/bench/dev');
export const DEV_IMAGES = join(DEV_DIR, 'images');

export interface GalleryStack {
  gateway: RunningGateway;
  client: ImmClient;
  region: string;
  thumbnailDir: string;
  scratchDir: string;
  close(): Promise<void>;
}

export interface Task {
  TaskId: string;
  Status: string;
  Code?: string;
  Message?: string;
  Progress: number;
}

export async function startGalleryStack(options: { clustering: boolean }): Promise<GalleryStack> {
  const region = `gal${randomBytes(4).toString('hex')}`;
  const thumbnailDir = mkdtempSync(join(tmpdir(), 'simclust-gallery-thumbs-'));
  const scratchDir = realpathSync(mkdtempSync(join(tmpdir(), 'simclust-gallery-files-')));
  Object.assign(process.env, { SIMCLUST_REGION: region, THUMBNAIL_DIR: thumbnailDir, ALLOWED_FILE_ROOTS: [DEV_DIR, scratchDir].join(',') });
  // The e2e tests run the sibling apps in this process; apps themselves never import each other.
  // eslint-disable-next-line @nx/enforce-module-boundaries
  const { startIndexer } = await import('../../../indexer/src/bootstrap');
  const { gateway, client } = await startTestGateway();
  const workers: WorkerApp[] = [await startIndexer(0)];
  if (options.clustering) {
    // eslint-disable-next-line @nx/enforce-module-boundaries
    const { startClusteringWorker } = await import('../../../clustering-worker/src/bootstrap');
    workers.push(await startClusteringWorker({ port: 0 }));
  }
  return {
    gateway,
    client,
    region,
    thumbnailDir,
    scratchDir,
    async close() {
      for (const worker of workers.reverse()) await worker.close();
      await gateway.close();
      await deleteInstallationConsumers(region, '0', process.env.NATS_URL);
      rmSync(thumbnailDir, { recursive: true, force: true });
      rmSync(scratchDir, { recursive: true, force: true });
    },
  };
}


/** A fresh project and dataset with helpers to index and cluster through the API, as a client would. */
export async function newGalleryDataset(client: ImmClient, prefix: string) {
  const ProjectName = uniqueName(`${prefix}p`);
  const DatasetName = uniqueName(`${prefix}d`);
  await client.ok('CreateProject', { ProjectName });
  await client.ok('CreateDataset', { ProjectName, DatasetName });
  const key = { ProjectName, DatasetName };
  const waitTask = (TaskType: string, TaskId: string, timeoutMs = 60_000) =>
    waitFor(
      async () => {
        const task = await client.ok<Task>('GetTask', { ProjectName, TaskType, TaskId });
        return task.Status === 'Running' ? undefined : task;
      },
      { timeoutMs, intervalMs: 200, what: `${TaskType} ${TaskId}` },
    );
  return {
    key,
    /** Indexes these URIs (at most 100) and waits for the task. */
    async index(uris: string[]): Promise<Task> {
      const { TaskId } = await client.ok<{ TaskId: string }>('BatchIndexFileMeta', { ...key, Files: uris.map((URI) => ({ URI })) });
      return waitTask('IndexFileMeta', TaskId);
    },
    async cluster(): Promise<Task> {
      const { TaskId } = await client.ok<{ TaskId: string }>('CreateSimilarImageClusteringTask', key);
      return waitTask('SimilarImageClustering', TaskId);
    },
  };
}
