// Worker-thread entry of WorkerSearchPool: runs search and build tasks on SharedArrayBuffer-backed tables.
import { parentPort } from 'node:worker_threads';
import { PoolTask, runPoolTask } from './parallel-search';

if (!parentPort) throw new Error('search.thread must run in a worker thread');
const port = parentPort;
port.on('message', (task: PoolTask) => {
  const words = runPoolTask(task);
  port.postMessage(words, [words.buffer as ArrayBuffer]);
});
