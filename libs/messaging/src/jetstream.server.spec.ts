import { randomBytes } from 'node:crypto';
import { AckPolicy, type NatsConnection } from 'nats';
import pino from 'pino';
import { JetStreamServer, PermanentMessageError, type JetStreamContext } from './jetstream.server';
import { JetStreamPublisher, connectNats } from './nats';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const log = pino({ level: 'silent' });

describe('JetStreamServer (real NATS)', () => {
  let nc: NatsConnection;
  let stream: string;
  let subject: string;
  let server: JetStreamServer | undefined;

  beforeEach(async () => {
    nc = await connectNats(NATS_URL, 'messaging-spec');
    const tag = randomBytes(4).toString('hex');
    stream = `TEST_${tag}`;
    subject = `test.${tag}.cmd`;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`test.${tag}.>`] });
    await jsm.consumers.add(stream, { durable_name: 'worker', ack_policy: AckPolicy.Explicit, ack_wait: 2_000_000_000 });
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.drain();
  });

  function start(handler: (payload: unknown, ctx: JetStreamContext) => Promise<unknown>) {
    server = new JetStreamServer(() => nc, [{ pattern: 'work', stream, durable: 'worker', concurrency: 2 }], log);
    server.addHandler('work', handler as never, true);
    server.listen(() => undefined);
  }

  const pending = async () => (await (await nc.jetstreamManager()).consumers.info(stream, 'worker')).num_pending;
  const unacked = async () => (await (await nc.jetstreamManager()).consumers.info(stream, 'worker')).num_ack_pending;
  const until = async (check: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('delivers messages published before it started and acks them once handled', async () => {
    const publisher = new JetStreamPublisher(nc);
    await publisher.publish(subject, { n: 1 }, 'm1', 'REQ-1');
    const seen: Array<{ payload: unknown; correlation?: string }> = [];
    start(async (payload, ctx) => {
      seen.push({ payload, correlation: ctx.correlationId });
    });
    await until(() => seen.length === 1);
    await until(async () => (await pending()) === 0 && (await unacked()) === 0);
    expect(seen[0]).toEqual({ payload: { n: 1 }, correlation: 'REQ-1' });
  });

  it('drops a re-published message id', async () => {
    const publisher = new JetStreamPublisher(nc);
    expect((await publisher.publish(subject, { n: 1 }, 'same-id')).duplicate).toBe(false);
    expect((await publisher.publish(subject, { n: 2 }, 'same-id')).duplicate).toBe(true);
    expect(await pending()).toBe(1);
  });

  it('redelivers after a handler throws, and terminates permanent failures and non-JSON', async () => {
    const publisher = new JetStreamPublisher(nc);
    await publisher.publish(subject, { kind: 'flaky' }, 'a');
    await publisher.publish(subject, { kind: 'permanent' }, 'b');
    await publisher.publish(subject, { kind: 'wrapped' }, 'd');
    await nc.jetstream().publish(subject, Buffer.from('not json'), { msgID: 'c' });
    const attempts: Record<string, number> = {};
    start(async (payload) => {
      const kind = (payload as { kind: string }).kind;
      attempts[kind] = (attempts[kind] ?? 0) + 1;
      if (kind === 'permanent') throw new PermanentMessageError('never');
      // What Nest's RPC exception filter hands on for a PermanentMessageError: its error object.
      if (kind === 'wrapped') throw new PermanentMessageError('never').getError();
      if (kind === 'flaky' && attempts[kind] === 1) throw new Error('transient');
    });
    await until(() => attempts.flaky === 2);
    await until(async () => (await pending()) === 0 && (await unacked()) === 0);
    expect(attempts).toEqual({ flaky: 2, permanent: 1, wrapped: 1 });
  }, 20_000);

  it('refuses to start when a binding has no handler', () => {
    const bare = new JetStreamServer(() => nc, [{ pattern: 'missing', stream, durable: 'worker', concurrency: 1 }], log);
    expect(() => bare.listen(() => undefined)).toThrow(/no handler/);
  });
});
