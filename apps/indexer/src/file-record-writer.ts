import { Injectable } from '@nestjs/common';
import { FileRecordsRepository, type FileRecord } from './file-records.repository';

/** Most outcomes in one statement. */
export const MAX_RECORDS_PER_WRITE = 200;

interface Waiting {
  record: FileRecord;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Group commit of file outcomes, shared by every command in flight: while one write runs, the outcomes that
 * finish meanwhile queue up and go out together in the next one. A file's promise settles once its row is stored.
 */
@Injectable()
export class FileRecordWriter {
  private queue: Waiting[] = [];
  private writing = false;

  constructor(private readonly records: FileRecordsRepository) {}

  write(record: FileRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.writing || !this.queue.length) return;
    // One statement may touch a row once, so a file id seen again waits for the following write.
    const batch: Waiting[] = [];
    const later: Waiting[] = [];
    const ids = new Set<string>();
    for (const item of this.queue) {
      if (batch.length < MAX_RECORDS_PER_WRITE && !ids.has(item.record.fileId)) {
        ids.add(item.record.fileId);
        batch.push(item);
      } else later.push(item);
    }
    this.queue = later;
    this.writing = true;
    void this.writeBatch(batch).finally(() => {
      this.writing = false;
      this.next();
    });
  }

  private async writeBatch(batch: Waiting[]): Promise<void> {
    try {
      await this.records.writeAll(batch.map((w) => w.record));
      for (const w of batch) w.resolve();
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      // One row the database refuses must not fail the files of other commands: each is tried alone.
      for (const w of batch) await this.records.writeAll([w.record]).then(w.resolve, w.reject);
    }
  }
}
