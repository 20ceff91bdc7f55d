import { FileRecordWriter } from './file-record-writer';
import type { FileRecord, FileRecordsRepository } from './file-records.repository';

const record = (fileId: string): FileRecord => ({ kind: 'unchanged', fileId, datasetId: 'd', uri: `file:///${fileId}`, filename: fileId, taskId: 't' });

/** A repository whose writes wait until released, recording each batch's file ids. */
function stubRepository(refuse: (ids: string[]) => boolean = () => false) {
  const batches: string[][] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((r) => (release = r));
  const repository = {
    async writeAll(records: readonly FileRecord[]) {
      const ids = records.map((r) => r.fileId);
      batches.push(ids);
      await gate;
      if (refuse(ids)) throw new Error(`refused ${ids.join(',')}`);
    },
  } as unknown as FileRecordsRepository;
  return {
    repository,
    batches,
    open() {
      release();
      gate = Promise.resolve();
    },
  };
}

describe('FileRecordWriter', () => {
  it('writes the first record at once and what arrives meanwhile together, a repeated file id in a later write', async () => {
    const stub = stubRepository();
    const writer = new FileRecordWriter(stub.repository);
    const writes = ['a', 'b', 'c', 'b', 'd'].map((id) => writer.write(record(id)));
    stub.open();
    await Promise.all(writes);
    expect(stub.batches).toEqual([['a'], ['b', 'c', 'd'], ['b']]);
  });

  it('settles each file on its own when the database refuses one row of a batch', async () => {
    const stub = stubRepository((ids) => ids.includes('bad'));
    const writer = new FileRecordWriter(stub.repository);
    const writes = ['first', 'x', 'bad', 'y'].map((id) => writer.write(record(id)));
    stub.open();
    const results = await Promise.allSettled(writes);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(stub.batches).toEqual([['first'], ['x', 'bad', 'y'], ['x'], ['bad'], ['y']]);
  });
});
