// Worker-thread entry of ThreadExtractionPool: runs extractFile for each request the pool posts.
import { parentPort } from 'node:worker_threads';
import type { ThreadAnswer, ThreadTask } from './extraction-pool';
import { extractFile } from './file-extraction';

if (!parentPort) throw new Error('extraction.thread must run in a worker thread');
const port = parentPort;
port.on('message', ({ id, request }: ThreadTask) => {
  extractFile(request).then(
    (result) => port.postMessage({ id, result } satisfies ThreadAnswer),
    (err: unknown) => port.postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies ThreadAnswer),
  );
});
