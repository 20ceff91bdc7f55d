import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
// Loaded by the main thread first so that libvips stays loaded when a worker thread exits (sharp's advice).
import 'sharp';
import { extractFile, type ExtractionRequest, type ExtractionResult } from './file-extraction';

/** Where extractFile runs: worker threads (ThreadExtractionPool) or the calling thread (InProcessExtractionPool). */
export interface ExtractionPool {
  run(request: ExtractionRequest): Promise<ExtractionResult>;
  /** Waits for the work taken so far, then stops the threads. */
  close(): Promise<void>;
}

/** What the pool posts to a thread: a request and the id its answer carries back. */
export interface ThreadTask {
  id: number;
  request: ExtractionRequest;
}

/** A thread's answer to one ThreadTask: the result, or the message of an unexpected error. */
export type ThreadAnswer = { id: number; result: ExtractionResult } | { id: number; error: string };

/** Runs extractFile on the calling thread (tests from TypeScript sources, where no compiled thread script exists). */
export class InProcessExtractionPool implements ExtractionPool {
  run(request: ExtractionRequest): Promise<ExtractionResult> {
    return extractFile(request);
  }

  async close(): Promise<void> {
    return undefined;
  }
}

export interface ThreadExtractionPoolOptions {
  threads: number;
  /** Requests each thread works on at once: its decodes (libvips, off its event loop) overlap its JavaScript. */
  perThread: number;
  /** Thread script; defaults to the compiled extraction.thread.js next to this file. */
  script?: string;
  /** workerData for the script (e.g. for a loader shim that runs the TypeScript source). */
  workerData?: unknown;
}

/** The compiled thread script, or undefined when running from TypeScript sources (no .js next to this file). */
export function extractionThreadScript(): string | undefined {
  const script = join(__dirname, 'extraction.thread.js');
  return existsSync(script) ? script : undefined;
}

interface Job {
  id: number;
  request: ExtractionRequest;
  resolve(result: ExtractionResult): void;
  reject(err: Error): void;
}

interface Lane {
  worker: Worker;
  online: boolean;
  jobs: Map<number, Job>;
}

/**
 * A fixed set of worker threads running extractFile, each given up to `perThread` requests at a time, the rest
 * queued in arrival order. A thread that dies fails only the requests it held and is replaced.
 */
export class ThreadExtractionPool implements ExtractionPool {
  private readonly lanes: Lane[] = [];
  private readonly queue: Job[] = [];
  private readonly script: string;
  private nextId = 0;
  private closing = false;
  /** Set when a thread could not even start (a broken script): no thread is started again. */
  private broken: Error | undefined;
  private drained: (() => void) | undefined;

  constructor(private readonly options: ThreadExtractionPoolOptions) {
    const script = options.script ?? extractionThreadScript();
    if (!script) throw new Error('extraction.thread.js not found: build the app (tsc -b apps/indexer/tsconfig.app.json) or use InProcessExtractionPool');
    this.script = script;
    for (let i = 0; i < Math.max(1, options.threads); i++) this.lanes.push(this.startLane());
  }

  run(request: ExtractionRequest): Promise<ExtractionResult> {
    if (this.closing) return Promise.reject(new Error('the extraction pool is closed'));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<ExtractionResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    // Terminating a thread in the middle of a decode can take the process down with it, so the work finishes first.
    if (this.busy()) await new Promise<void>((resolve) => (this.drained = resolve));
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }

  private busy(): boolean {
    return this.queue.length > 0 || this.lanes.some((lane) => lane.jobs.size > 0);
  }

  private startLane(): Lane {
    const lane: Lane = { worker: new Worker(this.script, { workerData: this.options.workerData }), online: false, jobs: new Map() };
    lane.worker.on('online', () => (lane.online = true));
    lane.worker.on('message', (answer: ThreadAnswer) => {
      const job = lane.jobs.get(answer.id);
      if (!job) return;
      lane.jobs.delete(answer.id);
      if ('error' in answer) job.reject(new Error(answer.error));
      else job.resolve(answer.result);
      this.dispatch();
    });
    lane.worker.on('error', (err) => this.laneStopped(lane, err));
    lane.worker.on('exit', (code) => this.laneStopped(lane, new Error(`the extraction thread exited with code ${code}`)));
    return lane;
  }

  private laneStopped(lane: Lane, err: Error): void {
    const index = this.lanes.indexOf(lane);
    // 'error' is followed by 'exit', and close() terminates threads on purpose: either way once is enough.
    if (index < 0 || (this.closing && !lane.jobs.size)) return;
    const failure = new Error(`the extraction thread stopped: ${err.message}`);
    for (const job of lane.jobs.values()) job.reject(failure);
    lane.jobs.clear();
    if (lane.online) {
      this.lanes[index] = this.startLane();
    } else {
      // A thread that cannot start would fail the same way again: give up and say why.
      this.broken = failure;
      this.lanes.splice(index, 1);
      for (const job of this.queue.splice(0)) job.reject(failure);
    }
    this.dispatch();
  }

  private dispatch(): void {
    while (this.queue.length && !this.broken) {
      let lane: Lane | undefined;
      for (const candidate of this.lanes) if (candidate.jobs.size < this.options.perThread && (!lane || candidate.jobs.size < lane.jobs.size)) lane = candidate;
      const job = lane && this.queue.shift();
      if (!lane || !job) break;
      lane.jobs.set(job.id, job);
      const { bytes } = job.request;
      // Bytes that own their whole buffer move to the thread without a copy; a slice of a shared pool is copied.
      const movable = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      lane.worker.postMessage({ id: job.id, request: job.request } satisfies ThreadTask, movable ? [bytes.buffer as ArrayBuffer] : []);
    }
    if (this.drained && !this.busy()) {
      this.drained();
      this.drained = undefined;
    }
  }
}
