import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IndexFileOutcome } from '@simclust/contracts';
import { uniqueName } from '@simclust/testing';
import { photo, startStack, taskDone, type Stack } from './indexer.harness';

jest.setTimeout(60_000);

const MAX_BYTES = 1_000_000;
const TIMEOUT_MS = 1_500;

let stack: Stack;
let server: Server;
let base: string;
let closedPort: number;

beforeAll(async () => {
  // A loopback image server needs private addresses allowed; the refusal itself is covered by indexing.e2e-spec.ts.
  stack = await startStack({ ALLOW_PRIVATE_NETWORK: 'true', FETCH_MAX_BYTES: String(MAX_BYTES), FETCH_TIMEOUT_MS: String(TIMEOUT_MS) });
  const image = await photo(500, 375, 30);
  server = createServer((req, res) => {
    switch (req.url) {
      case '/photos/cat.jpg':
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length });
        return res.end(image);
      case '/moved.jpg':
        res.writeHead(301, { location: '/photos/cat.jpg' });
        return res.end();
      case '/huge.jpg':
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': MAX_BYTES * 4 });
        return res.end();
      case '/slow.jpg':
        setTimeout(() => res.end(image), TIMEOUT_MS * 3).unref();
        return undefined;
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  await stack.startIndexer();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await stack.close();
});

it('downloads over http, and records a 404, a closed port, an oversize download and a slow server as Failed', async () => {
  const project = uniqueName('http');
  const dataset = uniqueName('ds');
  await stack.client.ok('CreateProject', { ProjectName: project });
  await stack.client.ok('CreateDataset', { ProjectName: project, DatasetName: dataset });
  const cases: Array<[string, RegExp | '']> = [
    [`${base}/photos/cat.jpg`, ''],
    [`${base}/moved.jpg`, ''],
    [`${base}/gone.jpg`, /^\[InvalidArgument\] File does not exist \(HTTP 404\)\.$/],
    [`http://127.0.0.1:${closedPort}/a.jpg`, new RegExp(`^\\[InvalidArgument\\] The connection to 127\\.0\\.0\\.1:${closedPort} was refused\\.$`)],
    [`${base}/huge.jpg`, /^\[LimitExceededError\] The server announces 4000000 bytes, more than FETCH_MAX_BYTES \(1000000\)\.$/],
    [`${base}/slow.jpg`, /^\[InvalidArgument\] The server did not deliver the file within FETCH_TIMEOUT_MS \(1500 ms\)\.$/],
  ];
  const { TaskId } = await stack.client.ok<{ TaskId: string }>('BatchIndexFileMeta', { ProjectName: project, DatasetName: dataset, Files: cases.map(([URI]) => ({ URI })) }, 'query');
  const task = await taskDone(stack.db, TaskId);
  expect(task.status).toBe('Succeeded');
  const outcomes = (task.result as { Files: IndexFileOutcome[] }).Files;
  cases.forEach(([uri, expected], i) => {
    expect(outcomes[i].URI).toBe(uri);
    if (expected === '') expect(outcomes[i].Error).toBe('');
    else expect(outcomes[i].Error).toMatch(expected);
  });
  const meta = await stack.client.ok<{ Files: Array<Record<string, unknown>> }>('GetFileMeta', { ProjectName: project, DatasetName: dataset, URI: `${base}/moved.jpg` });
  expect(meta.Files[0]).toMatchObject({ ObjectStatus: 'Indexed', Filename: 'moved.jpg', ImageWidth: 500, ImageHeight: 375, ContentType: 'image/jpeg', Size: (await photo(500, 375, 30)).length });
  const slow = await stack.client.ok<{ Files: Array<Record<string, unknown>> }>('GetFileMeta', { ProjectName: project, DatasetName: dataset, URI: `${base}/slow.jpg` });
  expect(slow.Files[0]).toMatchObject({ ObjectStatus: 'Failed', Reason: 'The server did not deliver the file within FETCH_TIMEOUT_MS (1500 ms).' });
});
