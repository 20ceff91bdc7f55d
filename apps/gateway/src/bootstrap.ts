import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { GatewayConfig } from '@simclust/config';
import { CONFIG, LOGGER } from '@simclust/runtime';
import { PinoNestLogger, type Logger } from '@simclust/observability';
import { AppModule } from './app.module';
import { accessLog } from './common/access-log';
import { bodyParserErrors } from './imm/body-errors';
import { mountDocs } from './docs/docs';

/** IMM SDKs put whole 100-file batches in the query string: allow well past Node's 16 KB default. */
const MAX_HEADER_BYTES = 256 * 1024;

export interface RunningGateway {
  app: NestExpressApplication;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Builds and starts the gateway; `port` 0 picks a free port (tests). */
export async function startGateway(port?: number): Promise<RunningGateway> {
  // rawBody: the JSON and form parsers keep the body's bytes, which a V3 signature covers (x-acs-content-sha256).
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, rawBody: true, bufferLogs: true });
  const log = app.get<Logger>(LOGGER);
  const config = app.get<GatewayConfig>(CONFIG);
  app.useLogger(new PinoNestLogger(log));
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // API answers are POSTed or personal: hashing every body (63 KB for a cluster page) for an ETag no one sends back is
  // wasted CPU. Routes that want one (the gallery's assets) set it themselves, and Express still answers 304 to them.
  app.set('etag', false);
  app.use(accessLog(log, (url) => url.startsWith('/health')));
  app.useBodyParser('json', { limit: '4mb' });
  app.useBodyParser('urlencoded', { extended: false, limit: '4mb', parameterLimit: 10_000 });
  app.use(bodyParserErrors);
  mountDocs(app);
  await app.init();

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, app.getHttpAdapter().getInstance());
  await new Promise<void>((resolve) => server.listen(port ?? config.PORT, '0.0.0.0', resolve));
  const address = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${address.port}`;
  log.info({ url }, 'gateway listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Stop accepting, let in-flight requests finish, then close connections to the services.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    })());
  return { app, server, url, close };
}
