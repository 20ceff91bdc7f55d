// Worker-thread entry of WorkerSearchPool: runs search tasks on SharedArrayBuffer-backed table snapshots.
import { parentPort } from 'node:worker_threads';
import { runSearchTask, SearchTask } from './parallel-search';

if (!parentPort) throw new Error('search.thread must run in a worker thread');
const port = parentPort;
port.on('message', (task: SearchTask) => {
  const words = runSearchTask(task);
  port.postMessage(words, [words.buffer as ArrayBuffer]);
});
