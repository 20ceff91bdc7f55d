import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { JetStreamServer, type JetStreamBinding } from '@simclust/messaging';
import { PinoNestLogger, type Logger } from '@simclust/observability';
import type { Subjects } from '@simclust/contracts';
import type { CommonConfig } from '@simclust/config';
import { CONFIG, LOGGER, NATS, SUBJECTS } from './tokens';

export interface WorkerApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a worker app: its ops HTTP port (/health, /metrics) plus, when given, JetStream consumers whose
 * handlers are the module's @EventPattern methods.
 */
export async function startWorkerApp(module: unknown, options: { name: string; port: number; bindings?: JetStreamBinding[] }): Promise<WorkerApp> {
  const app = await NestFactory.create(module as never, { bufferLogs: true });
  const log = app.get<Logger>(LOGGER);
  app.useLogger(new PinoNestLogger(log));
  const config = app.get<CommonConfig>(CONFIG);
  let consumer: JetStreamServer | undefined;
  if (options.bindings?.length) {
    const nats = app.get<NatsConnection>(NATS);
    const s = app.get<Subjects>(SUBJECTS);
    const bindings = options.bindings.map((b) => ({ ...b, durable: s.consumer(b.durable) }));
    // Two thirds of the grace for running handlers; the rest for queues, pools and connections to close.
    consumer = new JetStreamServer(() => nats, bindings, log, { ackWaitMs: config.JETSTREAM_ACK_WAIT_MS, handBackAfterMs: Math.floor((config.SHUTDOWN_GRACE_MS * 2) / 3) });
    app.connectMicroservice({ strategy: consumer }, { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  await app.listen(options.port, '0.0.0.0');
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : options.port}`;
  log.info({ url }, `${options.name} started`);
  let closing: Promise<void> | undefined;
  // The consumer stops first: Nest runs onModuleDestroy (queues, pools) before it closes microservices, and a
  // message handled after those closed would only fail and wait for its redelivery.
  const close = async () => {
    await consumer?.close();
    await app.close();
  };
  return { app, url, close: () => (closing ??= close()) };
}

/** SIGTERM/SIGINT: stop taking work, let in-flight work finish within the grace period, then exit. */
export function exitOnSignals(name: string, running: { close(): Promise<void> }, graceMs: number): void {
  const stop = (signal: string) => {
    process.stderr.write(`${name}: ${signal} received, shutting down\n`);
    setTimeout(() => process.exit(1), graceMs).unref();
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
