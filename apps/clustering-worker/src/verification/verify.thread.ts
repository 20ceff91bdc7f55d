// Worker-thread side of VerifierPool: verifies batches of pairs with libs/features, keeping the blobs it was sent.
import { parentPort } from 'node:worker_threads';
import { safeVerify } from './safe-verify';
import type { ThreadReply, ThreadRequest } from './verifier-pool';

const blobs = new Map<number, Uint8Array>();
const port = parentPort;
if (!port) throw new Error('verify.thread must run as a worker thread');

const blobOf = (id: number): Uint8Array => {
  const blob = blobs.get(id);
  if (!blob) throw new Error(`no verifier blob for file ${id}`);
  return blob;
};

port.on('message', (request: ThreadRequest) => {
  if (request.forget) blobs.clear();
  for (let i = 0; i < request.blobIds.length; i++) blobs.set(request.blobIds[i], request.blobs[i]);
  const match = new Uint8Array(request.a.length);
  const score = new Float32Array(request.a.length);
  for (let i = 0; i < request.a.length; i++) {
    const verdict = safeVerify(blobOf(request.a[i]), blobOf(request.b[i]));
    match[i] = verdict.match ? 1 : 0;
    score[i] = verdict.score;
  }
  const reply: ThreadReply = { batch: request.batch, match, score };
  port.postMessage(reply, [match.buffer, score.buffer]);
});
