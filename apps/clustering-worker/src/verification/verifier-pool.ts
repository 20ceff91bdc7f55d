import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PairVerdict } from '@simclust/clustering';

export interface ThreadRequest {
  batch: number;
  /** Drop every blob kept so far (keeps a thread's memory bounded). */
  forget: boolean;
  blobIds: number[];
  blobs: Uint8Array[];
  a: Uint32Array;
  b: Uint32Array;
}

export interface ThreadReply {
  batch: number;
  match: Uint8Array;
  score: Float32Array;
}

interface Pending {
  resolve: (verdict: PairVerdict) => void;
  reject: (err: Error) => void;
}

interface Lane {
  worker: Worker;
  known: Set<number>;
  inFlight: number;
  batches: Map<number, Pending[]>;
}

const BATCH_PAIRS = 64;
/** Blobs a thread keeps before it is told to forget them (~12 KB each). */
const KEPT_BLOBS_PER_THREAD = 20_000;

/** The compiled thread script; absent when running from TypeScript sources (jest), where verification stays in-process. */
export function verifyThreadScript(): string | undefined {
  const script = join(__dirname, 'verify.thread.js');
  return existsSync(script) ? script : undefined;
}

/**
 * Verification in worker_threads: pair calls are gathered into batches of BATCH_PAIRS and sent to the least busy
 * thread with only the verifier blobs it does not hold yet, so the main thread's event loop stays free.
 */
export class VerifierPool {
  private readonly lanes: Lane[];
  private closed = false;
  private queue: Array<{ a: number; b: number; blobA: Uint8Array; blobB: Uint8Array; pending: Pending }> = [];
  private flushScheduled = false;
  private nextBatch = 0;

  constructor(
    private readonly script: string,
    threads: number,
  ) {
    this.lanes = Array.from({ length: threads }, () => this.startLane());
  }

  /** Makes every thread drop its blobs before its next batch (a new run: a file's blob may have changed since). */
  forgetAll(): void {
    for (const lane of this.lanes) lane.known.clear();
  }

  /** An AsyncPairVerifier for libs/clustering's verifyCandidatesAsync, over one run's blobs. */
  verifier(blobOf: (id: number) => Uint8Array): (a: number, b: number) => Promise<PairVerdict> {
    return (a, b) => this.enqueue(a, b, blobOf(a), blobOf(b));
  }

  private enqueue(a: number, b: number, blobA: Uint8Array, blobB: Uint8Array): Promise<PairVerdict> {
    return new Promise((resolve, reject) => {
      this.queue.push({ a, b, blobA, blobB, pending: { resolve, reject } });
      if (this.queue.length >= BATCH_PAIRS) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }

  private startLane(): Lane {
    const lane: Lane = { worker: new Worker(this.script), known: new Set(), inFlight: 0, batches: new Map() };
    lane.worker.on('message', (reply: ThreadReply) => {
      const pendings = lane.batches.get(reply.batch) ?? [];
      lane.batches.delete(reply.batch);
      lane.inFlight--;
      pendings.forEach((p, i) => p.resolve({ match: reply.match[i] === 1, score: reply.score[i] }));
    });
    const failAll = (err: Error) => {
      for (const pendings of lane.batches.values()) pendings.forEach((p) => p.reject(err));
      lane.batches.clear();
      lane.inFlight = 0;
    };
    lane.worker.on('error', failAll);
    lane.worker.on('exit', (code) => {
      failAll(new Error(`verification thread exited with code ${code}`));
      // A thread that died (e.g. out of memory) is replaced; its run fails and is retried by BullMQ.
      if (!this.closed) this.lanes[this.lanes.indexOf(lane)] = this.startLane();
    });
    return lane;
  }

  private flush(): void {
    while (this.queue.length) {
      const items = this.queue.splice(0, BATCH_PAIRS);
      const lane = this.lanes.reduce((best, l) => (l.inFlight < best.inFlight ? l : best));
      const forget = lane.known.size === 0 || lane.known.size > KEPT_BLOBS_PER_THREAD;
      if (forget) lane.known.clear();
      const blobIds: number[] = [];
      const blobs: Uint8Array[] = [];
      const a = new Uint32Array(items.length);
      const b = new Uint32Array(items.length);
      items.forEach((item, i) => {
        a[i] = item.a;
        b[i] = item.b;
        for (const [id, blob] of [
          [item.a, item.blobA],
          [item.b, item.blobB],
        ] as const) {
          if (lane.known.has(id)) continue;
          lane.known.add(id);
          blobIds.push(id);
          blobs.push(blob);
        }
      });
      const batch = this.nextBatch++;
      lane.batches.set(
        batch,
        items.map((item) => item.pending),
      );
      lane.inFlight++;
      const request: ThreadRequest = { batch, forget, blobIds, blobs, a, b };
      lane.worker.postMessage(request);
    }
  }
}
