import { mkdtemp, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliverPolicy, type NatsConnection } from 'nats';
import sharp from 'sharp';
import { Streams, subjects, type TaskEvent } from '@simclust/contracts';
import { createDatabase, type Db } from '@simclust/db';
import { connectNats } from '@simclust/messaging';
import type { WorkerApp } from '@simclust/runtime';
import { deleteInstallationConsumers, waitFor, type ImmClient } from '@simclust/testing';
// The e2e tests run the gateway beside the indexer in this process, as the issue asks; apps never import each other.
// eslint-disable-next-line @nx/enforce-module-boundaries
import type { RunningGateway } from '../../gateway/src/bootstrap';

/** The real bench directory, as ALLOWED_FILE_ROOTS compares symlink-resolved paths (contract.md). */
export const BENCH_DIR = '/work/shared/bench';

export interface Stack {
  work: string;
  gateway: RunningGateway;
  client: ImmClient;
  db: Db;
  nats: NatsConnection;
  startIndexer(): Promise<WorkerApp>;
  close(): Promise<void>;
}

/**
 * The real gateway in-process against the real services, a temp dir inside ALLOWED_FILE_ROOTS, and an indexer
 * started on demand (so a test can publish while none runs). `env` is set before either app reads its config.
 */
/** The gateway's task recorder and command outbox, from the stack's gateway (to stage a gateway stopped mid-request). */
export async function gatewayTaskServices(stack: Stack) {
  // eslint-disable-next-line @nx/enforce-module-boundaries
  const { COMMAND_GRACE_MS, CommandOutbox } = await import('../../gateway/src/tasks/command-outbox.service');
  // eslint-disable-next-line @nx/enforce-module-boundaries
  const { TaskRecorder } = await import('../../gateway/src/tasks/task-recorder.service');
  return { recorder: stack.gateway.app.get(TaskRecorder), outbox: stack.gateway.app.get(CommandOutbox), graceMs: COMMAND_GRACE_MS };
}

export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const work = await realpath(await mkdtemp(join(tmpdir(), 'simclust-indexer-')));
  const roots = [work, await realpath(BENCH_DIR).catch(() => BENCH_DIR)];
  // An account of its own: durable consumers are per region and account, so no other process takes this stack's commands.
  const account = `t${process.pid}`;
  Object.assign(process.env, { ALLOWED_FILE_ROOTS: roots.join(','), INDEXER_CONCURRENCY: '4', SIMCLUST_ACCOUNT: account, ...env });
  // eslint-disable-next-line @nx/enforce-module-boundaries
  const { startTestGateway } = await import('../../gateway/test/gateway.harness');
  const { gateway, client } = await startTestGateway();
  const db = createDatabase(process.env.DATABASE_URL!);
  const nats = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'indexer-tests');
  let indexer: WorkerApp | undefined;
  return {
    work,
    gateway,
    client,
    db,
    nats,
    async startIndexer() {
      const { startIndexer } = await import('../src/bootstrap');
      const started = await startIndexer(0);
      indexer = started;
      return started;
    },
    async close() {
      await indexer?.close();
      await gateway.close();
      await deleteInstallationConsumers(process.env.SIMCLUST_REGION ?? 'local', account, process.env.NATS_URL);
      await nats.drain();
      await db.$disconnect();
    },
  };
}


/** Waits until the task has ended and returns its row. */
export function taskDone(db: Db, taskId: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const task = await db.task.findUnique({ where: { id: taskId } });
      return task && task.status !== 'Running' && task.eventPublishedAt ? task : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `task ${taskId} to finish` },
  );
}

/** Every task event carrying `eventId` on the events stream since `since` (deduplicated publishes appear once). */
export async function taskEvents(nats: NatsConnection, eventId: string, since: Date): Promise<TaskEvent[]> {
  const subject = subjects(process.env.SIMCLUST_REGION ?? 'local', process.env.SIMCLUST_ACCOUNT ?? '0').taskEvent;
  const consumer = await nats.jetstream().consumers.get(Streams.events.name, {
    filterSubjects: subject,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: since.toISOString(),
  });
  const found: TaskEvent[] = [];
  for (;;) {
    const msg = await consumer.next({ expires: 1_000 });
    if (!msg) return found;
    const event = msg.json<TaskEvent>();
    if (event.eventId === eventId) found.push(event);
  }
}

/** A photo-like JPEG: smooth colour gradient plus texture, different for each seed. */
export async function photo(width: number, height: number, seed: number, format: 'jpeg' | 'png' | 'webp' = 'jpeg'): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let state = seed * 2654435761 + 1;
  const rand = () => ((state = (state * 1103515245 + 12345) >>> 0) % 1000) / 1000;
  const fx = 1 + rand() * 4;
  const fy = 1 + rand() * 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const wave = Math.sin((x / width) * Math.PI * fx + seed) * Math.cos((y / height) * Math.PI * fy);
      raw[i] = 128 + 100 * wave;
      raw[i + 1] = (255 * x) / width;
      raw[i + 2] = (255 * y) / height;
    }
  }
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  if (format === 'png') return image.png().toBuffer();
  if (format === 'webp') return image.webp({ quality: 85 }).toBuffer();
  return image.jpeg({ quality: 88 }).toBuffer();
}

/** A PNG whose header declares width×height but carries almost no data: a decompression bomb's signature. */
export function pngBomb(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk('IEND', Buffer.alloc(0))]);
}

/** The start of an iPhone-style HEIC file (ISO-BMFF ftyp box with the heic brand). */
export function heicBytes(): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypheic', 4, 'latin1');
  ftyp.writeUInt32BE(0, 12);
  ftyp.write('mif1heic', 16, 'latin1');
  return Buffer.concat([ftyp, Buffer.alloc(200, 7)]);
}
