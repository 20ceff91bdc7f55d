import { Inject, Injectable } from '@nestjs/common';
import { FileStatuses, TaskStatuses, fileObjectId, type IndexCommand, type IndexFileOutcome, type InputFile } from '@simclust/contracts';
import { counter, histogram, type Logger } from '@simclust/observability';
import { LOGGER, METRICS, TaskLifecycle } from '@simclust/runtime';
import type { Registry } from 'prom-client';
import { ConcurrencyLimit } from './concurrency-limit';
import { FILES_PER_THREAD, FeatureExtractor } from './feature-extractor';
import { FileFailure } from './file-failure';
import { FileFetcher } from './file-fetcher';
import { FileRecordWriter } from './file-record-writer';
import { FileRecordsRepository, type FileIdentity, type PreviousIndexing } from './file-records.repository';

/** How often a long command tells JetStream it is still being worked on (the ack wait is 60 s). */
const KEEP_ALIVE_MS = 10_000;
/** Progress is written at most this often per task. */
const PROGRESS_INTERVAL_MS = 1_000;
/** Files between fetch and record per extraction thread: those it extracts, plus some being read or written. */
const FILES_IN_FLIGHT_PER_THREAD = 2 * FILES_PER_THREAD;

type Outcome = 'indexed' | 'unchanged' | 'failed';

/**
 * Runs one index command: every file is fetched, hashed, extracted (unless unchanged) and recorded, several at a
 * time across commands (extraction on the extractor's threads, records written in groups); a bad file is recorded as Failed and never fails the batch, while a database error
 * throws so that JetStream redelivers the command.
 */
@Injectable()
export class IndexingService {
  private readonly slots: ConcurrencyLimit;
  /** Commands being run here, by task id: a duplicate delivered meanwhile waits for the first instead of redoing it. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly files;
  private readonly seconds;

  constructor(
    private readonly fetcher: FileFetcher,
    private readonly extractor: FeatureExtractor,
    private readonly records: FileRecordsRepository,
    private readonly writer: FileRecordWriter,
    private readonly lifecycle: TaskLifecycle,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.slots = new ConcurrencyLimit(extractor.threads * FILES_IN_FLIGHT_PER_THREAD);
    this.files = counter(metrics, 'simclust_indexer_files_total', 'Files processed by outcome', ['outcome']);
    this.seconds = histogram(metrics, 'simclust_indexer_file_seconds', 'Time to fetch, extract and record one file', ['outcome']);
  }

  async run(command: IndexCommand, keepAlive: () => void): Promise<void> {
    const inFlight = this.running.get(command.taskId);
    if (inFlight) {
      const timer = setInterval(keepAlive, KEEP_ALIVE_MS);
      await inFlight.catch(() => undefined).finally(() => clearInterval(timer));
    }
    const work = this.runOnce(command, keepAlive);
    this.running.set(command.taskId, work);
    try {
      await work;
    } finally {
      if (this.running.get(command.taskId) === work) this.running.delete(command.taskId);
    }
  }

  private async runOnce(command: IndexCommand, keepAlive: () => void): Promise<void> {
    const log = this.log.child({ taskId: command.taskId, requestId: command.requestId });
    const status = await this.records.taskStatus(command.taskId);
    if (status === undefined) {
      log.warn('the task no longer exists (its project was deleted); command dropped');
      return;
    }
    if (status !== TaskStatuses.Running) {
      // A redelivery of a finished command: only make sure its event went out.
      await this.lifecycle.publishEvent(command.taskId);
      return;
    }
    if (!(await this.records.datasetExists(command.datasetId))) {
      await this.lifecycle.finish(command.taskId, { status: 'Failed', code: 'ResourceNotFound', message: `The specified resource dataset is not found (${command.datasetName}).` });
      return;
    }

    const timer = setInterval(keepAlive, KEEP_ALIVE_MS);
    try {
      const previous = await this.records.previous(command.files.map((f) => fileObjectId(command.datasetId, f.URI)));
      let done = 0;
      let reportedAt = Date.now();
      const outcomes = await Promise.all(
        command.files.map((file) =>
          this.slots.run(async () => {
            const outcome = await this.indexFile(command, file, previous, log);
            done++;
            if (Date.now() - reportedAt >= PROGRESS_INTERVAL_MS && done < command.files.length) {
              reportedAt = Date.now();
              await this.lifecycle.progress(command.taskId, (100 * done) / command.files.length);
            }
            return outcome;
          }),
        ),
      );
      await this.lifecycle.finish(command.taskId, { status: 'Succeeded', result: { Files: outcomes } });
      const failed = outcomes.filter((o) => o.Error).length;
      log.info({ files: outcomes.length, failed }, 'index task done');
    } finally {
      clearInterval(timer);
    }
  }

  private async indexFile(command: IndexCommand, file: InputFile, known: ReadonlyMap<string, PreviousIndexing>, log: Logger): Promise<IndexFileOutcome> {
    const started = process.hrtime.bigint();
    const identity: FileIdentity = {
      fileId: fileObjectId(command.datasetId, file.URI),
      datasetId: command.datasetId,
      uri: file.URI,
      filename: '',
      taskId: command.taskId,
      customId: file.CustomId,
      customLabels: file.CustomLabels,
    };
    const previous = known.get(identity.fileId);
    // The bytes whose features are stored at the current version: the same bytes again need no extraction.
    const indexedHash = previous?.status === FileStatuses.Indexed && previous.featureVersion === this.extractor.version ? (previous.fileHash ?? undefined) : undefined;
    let outcome: Outcome = 'failed';
    let size: number | undefined;
    let fileHash: string | undefined;
    try {
      const fetched = await this.fetcher.fetch(file.URI);
      identity.filename = fetched.filename;
      size = fetched.bytes.length;
      if (size === 0) throw new FileFailure('InvalidArgument', 'The file is empty.');
      const extraction = await this.extractor.extract(fetched.bytes, indexedHash, identity.fileId).catch((err: unknown) => {
        throw new FileFailure('InvalidArgument', `The image cannot be decoded (${err instanceof Error ? err.message : String(err)}).`);
      });
      fileHash = extraction.fileHash;
      if (extraction.kind === 'failed') throw new FileFailure('InvalidArgument', extraction.reason);
      if (extraction.kind === 'extracted' && extraction.thumbnailError) log.warn({ uri: file.URI, reason: extraction.thumbnailError }, 'thumbnail not written');
      if (extraction.kind === 'unchanged') {
        await this.writer.write({ kind: 'unchanged', ...identity });
        outcome = 'unchanged';
      } else {
        await this.writer.write({ kind: 'indexed', ...identity, size, fileHash, features: extraction.features, featureVersion: this.extractor.version });
        outcome = 'indexed';
      }
      return { URI: file.URI, Error: '' };
    } catch (err) {
      if (!(err instanceof FileFailure)) throw err;
      await this.writer.write({ kind: 'failed', ...identity, reason: err.reason, size, fileHash });
      log.debug({ uri: file.URI, reason: err.reason }, 'file failed');
      return { URI: file.URI, Error: err.error };
    } finally {
      this.files.inc({ outcome });
      this.seconds.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
