import { readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { Consumers, fileObjectId, subjects, type IndexCommand, type IndexFileOutcome } from '@simclust/contracts';
import { JetStreamPublisher } from '@simclust/messaging';
import { uniqueName, waitFor } from '@simclust/testing';
import { BENCH_DIR, gatewayTaskServices, heicBytes, photo, pngBomb, startStack, taskDone, taskEvents, type Stack } from './indexer.harness';

jest.setTimeout(60_000);

let stack: Stack;
let project: string;
let dataset: string;
let datasetId: string;
let projectId: string;
const url = (name: string) => pathToFileURL(join(stack.work, name)).href;
const params = (extra: Record<string, unknown>) => ({ ProjectName: project, DatasetName: dataset, ...extra });
const indexerConsumer = () => subjects(process.env.SIMCLUST_REGION ?? 'local', process.env.SIMCLUST_ACCOUNT ?? '0').consumer(Consumers.indexer.durable);
const indexCommandSubject = () => subjects(process.env.SIMCLUST_REGION ?? 'local', process.env.SIMCLUST_ACCOUNT ?? '0').indexCommand;

beforeAll(async () => {
  stack = await startStack({ ALLOW_PRIVATE_NETWORK: 'false', INDEXER_MAX_INPUT_PIXELS: '40000000' });
  project = uniqueName('idx');
  dataset = uniqueName('ds');
  await stack.client.ok('CreateProject', { ProjectName: project });
  await stack.client.ok('CreateDataset', { ProjectName: project, DatasetName: dataset });
  const row = await stack.db.dataset.findFirstOrThrow({ where: { name: dataset, project: { name: project } } });
  datasetId = row.id;
  projectId = row.projectId;
});
afterAll(() => stack.close());

async function fileRow(uri: string) {
  return stack.db.file.findUnique({ where: { id: fileObjectId(datasetId, uri) }, include: { feature: true } });
}

describe('indexer', () => {
  it('processes a command published while no indexer runs once the indexer starts', async () => {
    await writeFile(join(stack.work, 'early.jpg'), await photo(320, 240, 1));
    const { TaskId } = await stack.client.ok<{ TaskId: string }>('IndexFileMeta', params({ File: { URI: url('early.jpg') } }));
    await new Promise((r) => setTimeout(r, 500));
    expect(await stack.db.task.findUniqueOrThrow({ where: { id: TaskId } })).toMatchObject({ status: 'Running', progress: 0 });
    expect(await fileRow(url('early.jpg'))).toBeNull();

    await stack.startIndexer();
    const task = await taskDone(stack.db, TaskId);
    expect(task).toMatchObject({ status: 'Succeeded', progress: 100, result: { Files: [{ URI: url('early.jpg'), Error: '' }] } });
    expect(await fileRow(url('early.jpg'))).toMatchObject({ status: 'Indexed', lastTaskId: TaskId });
  });

  it('publishes the stored command of a task the gateway recorded but never published (stopped in between)', async () => {
    // A task recorded through the API is noted as published, its stored copy of the command dropped.
    await writeFile(join(stack.work, 'outbox-api.jpg'), await photo(320, 240, 11));
    const viaApi = await stack.client.ok<{ TaskId: string }>('IndexFileMeta', params({ File: { URI: url('outbox-api.jpg') } }));
    const recorded = await stack.db.task.findUniqueOrThrow({ where: { id: viaApi.TaskId } });
    expect(recorded).toMatchObject({ commandSubject: indexCommandSubject(), command: null });
    expect(recorded.commandPublishedAt).not.toBeNull();

    // The gateway stops right after recording a task: the row is there, the command never went out.
    await writeFile(join(stack.work, 'outbox-orphan.jpg'), await photo(320, 240, 12));
    const { recorder, outbox, graceMs } = await gatewayTaskServices(stack);
    const orphan = await recorder.create(
      { projectId, datasetName: dataset, taskType: 'IndexFileMeta', requestId: 'REQ-OUTBOX', requestDefinition: { ProjectName: project, DatasetName: dataset } },
      {
        subject: indexCommandSubject(),
        build: (taskId): IndexCommand => ({ taskId, requestId: 'REQ-OUTBOX', projectId, projectName: project, datasetId, datasetName: dataset, files: [{ URI: url('outbox-orphan.jpg') }] }),
      },
    );
    expect(orphan.command).toMatchObject({ taskId: orphan.id, files: [{ URI: url('outbox-orphan.jpg') }] });
    // Within the grace period the recording request may still publish it: the outbox leaves it alone.
    await outbox.publishPending();
    expect((await stack.db.task.findUniqueOrThrow({ where: { id: orphan.id } })).commandPublishedAt).toBeNull();

    await outbox.publishPending(new Date(Date.now() + graceMs + 1_000));
    expect((await stack.db.task.findUniqueOrThrow({ where: { id: orphan.id } })).commandPublishedAt).not.toBeNull();
    expect(await taskDone(stack.db, orphan.id)).toMatchObject({ status: 'Succeeded', result: { Files: [{ URI: url('outbox-orphan.jpg'), Error: '' }] } });
    expect(await fileRow(url('outbox-orphan.jpg'))).toMatchObject({ status: 'Indexed', lastTaskId: orphan.id });
    expect(await taskDone(stack.db, viaApi.TaskId)).toMatchObject({ status: 'Succeeded' });
  });

  it('indexes good files and records each bad one as Failed with a specific Reason, without failing the batch', async () => {
    const outside = join(stack.work, '..');
    await Promise.all([
      writeFile(join(stack.work, 'photo.jpg'), await photo(640, 480, 2)),
      writeFile(join(stack.work, 'alpha.png'), await sharp({ create: { width: 200, height: 150, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 0.5 } } }).png().toBuffer()),
      writeFile(join(stack.work, 'photo.webp'), await photo(300, 200, 3, 'webp')),
      // Stored 400×300 with EXIF orientation 6: upright it is 300 wide and 400 high.
      writeFile(join(stack.work, 'rotated.jpg'), await sharp(await photo(400, 300, 4)).withMetadata({ orientation: 6 }).jpeg().toBuffer()),
      writeFile(join(stack.work, 'empty.jpg'), Buffer.alloc(0)),
      writeFile(join(stack.work, 'truncated.jpg'), (await photo(640, 480, 5)).subarray(0, 4000)),
      writeFile(join(stack.work, 'text.jpg'), 'this is not an image, only a text file with a .jpg name\n'),
      writeFile(join(stack.work, 'bomb.png'), pngBomb(8000, 8000)),
      writeFile(join(stack.work, 'photo.heic'), heicBytes()),
      symlink('/etc/hostname', join(stack.work, 'escape.jpg')),
    ]);
    const benchImage = (await readdir(join(BENCH_DIR, 'dev', 'images'))).sort()[0];
    const cases: Array<[string, RegExp | '']> = [
      [url('photo.jpg'), ''],
      [url('alpha.png'), ''],
      [url('photo.webp'), ''],
      [url('rotated.jpg'), ''],
      [pathToFileURL(join(BENCH_DIR, 'dev', 'images', benchImage)).href, ''],
      [url('empty.jpg'), /^\[InvalidArgument\] The file is empty\.$/],
      // libvips can lose or swap the message of concurrent decode failures; the file's missing end decides.
      [url('truncated.jpg'), /^\[InvalidArgument\] Truncated image\.$/],
      [url('text.jpg'), /^\[InvalidArgument\] Unsupported image format\.$/],
      [url('bomb.png'), /^\[InvalidArgument\] Image exceeds pixel limit \(40000000 px\)\.$/],
      [url('photo.heic'), /^\[InvalidArgument\] HEIC\/HEIF images are not supported/],
      [url('missing.jpg'), /^\[InvalidArgument\] File does not exist\.$/],
      [pathToFileURL(join(outside, 'elsewhere.jpg')).href, /^\[AccessDenied\] The path is outside ALLOWED_FILE_ROOTS\.$/],
      [url('escape.jpg'), /^\[AccessDenied\] The path leads through a symbolic link to a location outside ALLOWED_FILE_ROOTS\.$/],
      ['http://127.0.0.1:9/photo.jpg', /^\[AccessDenied\] 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private, loopback or link-local address.*ALLOW_PRIVATE_NETWORK is false/],
      ['http://localhost:9/photo.jpg', /^\[AccessDenied\] localhost resolves to .*ALLOW_PRIVATE_NETWORK is false/],
    ];
    const since = new Date(Date.now() - 1_000);
    const { TaskId, EventId } = await stack.client.ok<{ TaskId: string; EventId: string }>(
      'BatchIndexFileMeta',
      params({ Files: cases.map(([URI], i) => ({ URI, CustomId: `id-${i}`, CustomLabels: { batch: 'mixed' } })), UserData: 'batch-1' }),
    );
    const task = await taskDone(stack.db, TaskId);
    expect(task).toMatchObject({ status: 'Succeeded', progress: 100 });
    const outcomes = (task.result as { Files: IndexFileOutcome[] }).Files;
    expect(outcomes.map((o) => o.URI)).toEqual(cases.map(([uri]) => uri));
    cases.forEach(([uri, expected], i) => {
      if (expected === '') expect({ uri, error: outcomes[i].Error }).toEqual({ uri, error: '' });
      else expect(outcomes[i].Error).toMatch(expected);
    });

    for (const [i, [uri, expected]] of cases.entries()) {
      const row = await fileRow(uri);
      expect(row).toMatchObject({ status: expected === '' ? 'Indexed' : 'Failed', customId: `id-${i}`, customLabels: { batch: 'mixed' }, lastTaskId: TaskId });
      if (expected === '') {
        expect(row!.feature).toMatchObject({ version: expect.any(Number) });
        expect(row!.feature!.descriptor.length).toBeGreaterThan(0);
        expect(row!.fileHash).toMatch(/^[0-9a-f]{64}$/);
        expect(row!.contentVersion).toBe(1);
      } else {
        expect(`[${outcomes[i].Error.slice(1, outcomes[i].Error.indexOf(']'))}] ${row!.reason}`).toBe(outcomes[i].Error);
        expect(row!.feature).toBeNull();
      }
    }

    const meta = await stack.client.ok<{ Files: Array<Record<string, unknown>> }>('BatchGetFileMeta', params({ URIs: [url('rotated.jpg'), url('photo.jpg'), url('truncated.jpg')] }));
    expect(meta.Files[0]).toMatchObject({ ObjectStatus: 'Indexed', ContentType: 'image/jpeg', ImageWidth: 300, ImageHeight: 400, Orientation: 6, Filename: 'rotated.jpg' });
    expect(meta.Files[1]).toMatchObject({
      ObjectStatus: 'Indexed',
      ImageWidth: 640,
      ImageHeight: 480,
      Orientation: 1,
      ImageScore: { OverallQualityScore: expect.any(Number) },
      ScoreDetails: { Sharpness: expect.any(Number), Exposure: expect.any(Number), Resolution: expect.any(Number) },
    });
    expect(meta.Files[2]).toMatchObject({ ObjectStatus: 'Failed', Reason: 'Truncated image.' });

    const events = await taskEvents(stack.nats, EventId, since);
    expect(events).toHaveLength(1);
    expect(events[0].content).toMatchObject({ TaskType: 'IndexFileMeta', TaskId, Status: 'Succeeded', Success: true, UserData: 'batch-1', Files: outcomes });
  });

  it('skips extraction of an unchanged file and keeps its contentVersion; a changed file bumps it', async () => {
    await writeFile(join(stack.work, 'same.jpg'), await photo(320, 240, 10));
    await writeFile(join(stack.work, 'changing.jpg'), await photo(320, 240, 11));
    const index = async (customId?: string) => {
      const { TaskId } = await stack.client.ok<{ TaskId: string }>('BatchIndexFileMeta', params({ Files: [{ URI: url('same.jpg'), CustomId: customId }, { URI: url('changing.jpg') }] }));
      return taskDone(stack.db, TaskId);
    };
    await index();
    const same1 = (await fileRow(url('same.jpg')))!;
    const changing1 = (await fileRow(url('changing.jpg')))!;

    await writeFile(join(stack.work, 'changing.jpg'), await photo(360, 240, 12));
    const second = await index('renamed');
    const same2 = (await fileRow(url('same.jpg')))!;
    const changing2 = (await fileRow(url('changing.jpg')))!;

    expect(same2).toMatchObject({ status: 'Indexed', contentVersion: same1.contentVersion, fileHash: same1.fileHash, customId: 'renamed', lastTaskId: second.id });
    // The feature row was not rewritten: extraction was skipped.
    expect(same2.feature!.updatedAt).toEqual(same1.feature!.updatedAt);
    expect(changing2.contentVersion).toBe(changing1.contentVersion + 1);
    expect(changing2.fileHash).not.toBe(changing1.fileHash);
    expect(changing2.imageWidth).toBe(360);
    expect(changing2.feature!.updatedAt.getTime()).toBeGreaterThan(changing1.feature!.updatedAt.getTime());

    // A file that turns bad leaves its cluster: Failed, features dropped, version bumped.
    await writeFile(join(stack.work, 'changing.jpg'), 'no longer an image');
    await index();
    const changing3 = (await fileRow(url('changing.jpg')))!;
    expect(changing3).toMatchObject({ status: 'Failed', contentVersion: changing2.contentVersion + 1, feature: null, imageWidth: null });
  });

  it('yields one File row and one task result when a command is delivered again, during or after the first run', async () => {
    const names = ['dup-a.jpg', 'dup-b.png', 'dup-c.jpg'];
    await Promise.all(names.map(async (n, i) => writeFile(join(stack.work, n), await photo(480, 360, 20 + i, n.endsWith('.png') ? 'png' : 'jpeg'))));
    const since = new Date(Date.now() - 1_000);
    const files = names.map((n) => ({ URI: url(n) }));
    const answer = await stack.client.ok<{ TaskId: string; EventId: string }>('BatchIndexFileMeta', params({ Files: files }));
    const command: IndexCommand = { taskId: answer.TaskId, requestId: answer.RequestId, projectId, projectName: project, datasetId, datasetName: dataset, files };
    const publisher = new JetStreamPublisher(stack.nats);
    // Same command, other message ids: JetStream cannot drop these as duplicates, so the indexer must cope.
    await publisher.publish(indexCommandSubject(), command, `${answer.TaskId}-again-1`);
    const first = await taskDone(stack.db, answer.TaskId);
    await publisher.publish(indexCommandSubject(), command, `${answer.TaskId}-again-2`);
    await waitFor(async () => {
      const info = await (await stack.nats.jetstreamManager()).consumers.info('SIMCLUST_COMMANDS', indexerConsumer());
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, { timeoutMs: 20_000, what: 'the indexer to drain its consumer' });

    const after = await stack.db.task.findUniqueOrThrow({ where: { id: answer.TaskId } });
    expect(after.endTime).toEqual(first.endTime);
    expect(after.result).toEqual(first.result);
    expect((after.result as { Files: IndexFileOutcome[] }).Files).toEqual(files.map((f) => ({ URI: f.URI, Error: '' })));
    expect(await stack.db.file.count({ where: { datasetId, uri: { in: files.map((f) => f.URI) } } })).toBe(3);
    for (const f of files) expect((await fileRow(f.URI))!.contentVersion).toBe(1);
    expect(await taskEvents(stack.nats, answer.EventId, since)).toHaveLength(1);
  });

  it('drops a command that does not match the schema instead of retrying it for ever', async () => {
    await new JetStreamPublisher(stack.nats).publish(indexCommandSubject(), { taskId: 42, files: 'nope' }, uniqueName('bad-command'));
    await waitFor(async () => {
      const info = await (await stack.nats.jetstreamManager()).consumers.info('SIMCLUST_COMMANDS', indexerConsumer());
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, { timeoutMs: 10_000, what: 'the malformed command to be acknowledged' });
  });
});
