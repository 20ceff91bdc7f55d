import { CustomTransportStrategy, RpcException, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { ConsumerMessages, JsMsg, NatsConnection } from 'nats';
import type { Logger } from '@simclust/observability';
import { CORRELATION_HEADER } from '@simclust/contracts';

const PERMANENT = 'simclust.permanent';

/**
 * Thrown by a handler for a message that can never succeed: it is terminated, not redelivered. An RpcException,
 * because Nest's RPC exception filter passes only those through (anything else arrives as "Internal server error").
 */
export class PermanentMessageError extends RpcException {
  constructor(message: string) {
    super({ [PERMANENT]: true, message });
  }
}

function isPermanent(err: unknown): boolean {
  return err instanceof PermanentMessageError || (typeof err === 'object' && err !== null && (err as Record<string, unknown>)[PERMANENT] === true);
}

/** What a handler gets besides the payload. */
export class JetStreamContext {
  constructor(readonly msg: JsMsg) {}
  get correlationId(): string | undefined {
    return this.msg.headers?.get(CORRELATION_HEADER) || undefined;
  }
  get deliveryCount(): number {
    return this.msg.info.redeliveryCount;
  }
  /** Extends the ack deadline during long work. */
  working(): void {
    this.msg.working();
  }
}

export interface JetStreamBinding {
  /** The pattern handlers subscribe to with @EventPattern. */
  pattern: string;
  stream: string;
  durable: string;
  /** Messages of this binding processed at once. */
  concurrency: number;
}

const retryDelayMs = (deliveryCount: number) => Math.min(60_000, 1_000 * 2 ** Math.min(deliveryCount, 6));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export interface JetStreamServerOptions {
  /** The consumers' ack wait [60 s]: every message in flight is marked working at a third of it. */
  ackWaitMs?: number;
  /** On close, messages whose handler is still running after this long are handed back (nak) for redelivery [10 s]. */
  handBackAfterMs?: number;
}

/**
 * A Nest microservice transport over JetStream durable consumers: at-least-once, ack only after the handler's
 * work is recorded, nak with backoff on error. Nest's built-in NATS transport is core NATS (at most once).
 */
export class JetStreamServer extends Server implements CustomTransportStrategy {
  private running = false;
  private closing?: Promise<void>;
  /** Handlers running now, with their message (handed back if they outlast the shutdown grace). */
  private readonly inFlight = new Map<Promise<void>, JsMsg>();
  private readonly loops: Promise<void>[] = [];
  private readonly iterators = new Set<ConsumerMessages>();
  private readonly ackWaitMs: number;
  private readonly handBackAfterMs: number;

  constructor(
    private readonly connection: () => NatsConnection,
    private readonly bindings: JetStreamBinding[],
    private readonly log: Logger,
    options: JetStreamServerOptions = {},
  ) {
    super();
    this.ackWaitMs = options.ackWaitMs ?? 60_000;
    this.handBackAfterMs = options.handBackAfterMs ?? 10_000;
  }

  listen(callback: () => void): void {
    this.running = true;
    for (const binding of this.bindings) {
      if (!this.getHandlerByPattern(binding.pattern)) throw new Error(`no handler for JetStream pattern ${binding.pattern}`);
      this.loops.push(this.consumeLoop(binding));
    }
    callback();
  }

  /**
   * Stops taking messages: those fetched but not started are handed back at once, running handlers get
   * handBackAfterMs to finish, and the messages of any still running are handed back too (redelivered right away
   * rather than after the ack wait). Idempotent: the worker bootstrap calls it before Nest does.
   */
  close(): Promise<void> {
    return (this.closing ??= this.stop());
  }

  private async stop(): Promise<void> {
    this.running = false;
    for (const iterator of this.iterators) iterator.stop();
    const finished = await Promise.race([Promise.allSettled([...this.inFlight.keys()]).then(() => true), sleep(this.handBackAfterMs).then(() => false)]);
    if (!finished) {
      this.log.warn({ messages: this.inFlight.size }, 'handlers still running at shutdown; their messages are handed back');
      for (const msg of this.inFlight.values()) msg.nak();
    }
    await Promise.race([Promise.allSettled(this.loops), sleep(1_000)]);
  }

  on(): never {
    throw new Error('JetStreamServer has no events');
  }

  unwrap<T>(): T {
    return this.connection() as T;
  }

  private async consumeLoop(binding: JetStreamBinding): Promise<void> {
    while (this.running) {
      try {
        const consumer = await this.connection().jetstream().consumers.get(binding.stream, binding.durable);
        const messages = await consumer.consume({ max_messages: binding.concurrency });
        this.iterators.add(messages);
        try {
          if (!this.running) messages.stop();
          for await (const msg of messages) {
            if (!this.running) {
              // Fetched but never started: another consumer (or this one after a restart) takes it now.
              msg.nak();
              continue;
            }
            const work = this.handle(binding, msg);
            this.inFlight.set(work, msg);
            void work.finally(() => this.inFlight.delete(work));
            while (this.inFlight.size >= binding.concurrency) await Promise.race(this.inFlight.keys());
          }
        } finally {
          this.iterators.delete(messages);
        }
      } catch (err) {
        if (!this.running) break;
        this.log.warn({ err, durable: binding.durable }, 'JetStream consumer interrupted; retrying');
        await sleep(1_000);
      }
    }
  }

  private async handle(binding: JetStreamBinding, msg: JsMsg): Promise<void> {
    const handler = this.getHandlerByPattern(binding.pattern)!;
    const ctx = new JetStreamContext(msg);
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(msg.data).toString('utf8'));
    } catch {
      this.log.error({ durable: binding.durable, seq: msg.seq }, 'dropping a message that is not JSON');
      msg.term();
      return;
    }
    // A live handler never loses its message to the ack wait, however long it runs; a dead process does.
    const keepAlive = setInterval(() => msg.working(), Math.max(500, Math.floor(this.ackWaitMs / 3)));
    try {
      await lastValueFrom(this.transformToObservable(await handler(payload, ctx)), { defaultValue: undefined });
      msg.ack();
    } catch (err) {
      if (isPermanent(err)) {
        this.log.error({ err, durable: binding.durable, seq: msg.seq }, 'message can never succeed; terminated');
        msg.term();
        return;
      }
      const delay = retryDelayMs(ctx.deliveryCount);
      this.log.warn({ err, durable: binding.durable, seq: msg.seq, retryInMs: delay }, 'handler failed; message will be redelivered');
      msg.nak(delay);
    } finally {
      clearInterval(keepAlive);
    }
  }
}
