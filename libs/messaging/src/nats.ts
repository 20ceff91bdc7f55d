import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  connect,
  headers as natsHeaders,
  nanos,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import { Consumers, Streams, subjects, type Subjects } from '@simclust/contracts';

/** How long JetStream remembers a message id, so a re-published command or event is dropped. */
const DUPLICATE_WINDOW_MS = 24 * 3600 * 1000;
/** A consumer's message is redelivered when not acked (or marked working) within this time [the default]. */
export const ACK_WAIT_MS = 60_000;

/** Connects and keeps reconnecting for ever: a NATS restart must never end the process. */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    pingInterval: 5_000,
  });
}

/** Declares the streams and durable consumers idempotently (add, or update when they exist). */
export async function ensureJetStream(nc: NatsConnection, region: string, account: string, options: { ackWaitMs?: number } = {}): Promise<Subjects> {
  const jsm = await nc.jetstreamManager();
  const s = subjects(region, account);
  for (const stream of Object.values(Streams)) {
    const config = {
      name: stream.name,
      subjects: [...stream.subjects],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_age: nanos(14 * 24 * 3600 * 1000),
    };
    const exists = await jsm.streams.info(stream.name).then(() => true, () => false);
    if (exists) await jsm.streams.update(stream.name, config);
    else await jsm.streams.add(config);
  }
  const ackWaitMs = options.ackWaitMs ?? ACK_WAIT_MS;
  for (const consumer of Object.values(Consumers)) await ensureConsumer(jsm, consumer.stream, s.consumer(consumer.durable), consumer.subject(s), ackWaitMs);
  return s;
}

async function ensureConsumer(jsm: JetStreamManager, stream: string, durable: string, filterSubject: string, ackWaitMs: number): Promise<void> {
  const config = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: filterSubject,
    ack_wait: nanos(ackWaitMs),
    max_deliver: -1,
    max_ack_pending: 256,
  };
  const exists = await jsm.consumers.info(stream, durable).then(() => true, () => false);
  if (exists) await jsm.consumers.update(stream, durable, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending, filter_subject: filterSubject });
  else await jsm.consumers.add(stream, config);
}

export interface PublishResult {
  duplicate: boolean;
  seq: number;
}

/** Publishes JSON on JetStream with a message id, so publishing the same id twice stores it once. */
export class JetStreamPublisher {
  constructor(private readonly nc: NatsConnection) {}

  async publish(subject: string, payload: unknown, msgID: string, correlationId?: string): Promise<PublishResult> {
    const h = natsHeaders();
    if (correlationId) h.set('x-simclust-request-id', correlationId);
    const ack = await this.nc.jetstream().publish(subject, Buffer.from(JSON.stringify(payload)), { msgID, headers: h, timeout: 5_000 });
    return { duplicate: ack.duplicate, seq: ack.seq };
  }
}

/** True when the connection is up and JetStream answers. */
export async function pingJetStream(nc: NatsConnection | undefined): Promise<boolean> {
  if (!nc || nc.isClosed()) return false;
  try {
    const jsm = await nc.jetstreamManager({ timeout: 2_000 });
    await jsm.getAccountInfo();
    return true;
  } catch {
    return false;
  }
}
