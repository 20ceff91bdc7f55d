import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { loadConfig, type AppName } from '@simclust/config';
import { createDatabase, pingDatabase, type Db } from '@simclust/db';
import { connectNats, createRedis, ensureJetStream, pingJetStream, pingRedis } from '@simclust/messaging';
import { createLogger, createMetricsRegistry, OpsModule, type Logger } from '@simclust/observability';
import { SecretBox } from '@simclust/secrets';
import { CONFIG, DB, LOGGER, METRICS, NATS, REDIS, SECRET_BOX, SUBJECTS } from './tokens';

export interface RuntimeOptions {
  app: AppName;
  /** Which dependencies this app needs; readiness checks only those. */
  uses: { redis?: boolean; nats?: boolean };
}

/** Closes connections on shutdown, after Nest has stopped taking work. */
class RuntimeLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(NATS) private readonly nats: NatsConnection | null,
  ) {}

  async onApplicationShutdown(signal?: string): Promise<void> {
    this.log.info({ signal }, 'shutting down');
    // A drain waits for the server: while NATS is down it would hold shutdown for ever.
    if (this.nats && !this.nats.isClosed()) {
      const drained = await Promise.race([this.nats.drain().then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2_000).unref())]);
      if (!drained) await this.nats.close().catch(() => undefined);
    }
    this.redis?.disconnect();
    await this.db.$disconnect().catch(() => undefined);
  }
}

/**
 * Config (validated once at start), JSON logger, metrics, Postgres, Redis, NATS/JetStream and the ops endpoints,
 * wired the same way in every app.
 */
@Global()
@Module({})
export class RuntimeModule {
  static forApp(options: RuntimeOptions): DynamicModule {
    const config = loadConfig(options.app);
    const log = createLogger(options.app, config.LOG_LEVEL);
    const registry = createMetricsRegistry(options.app);
    const db = createDatabase(config.DATABASE_URL);
    const redis = options.uses.redis ? createRedis(config.REDIS_URL, options.app) : null;
    redis?.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));

    const natsProvider = {
      provide: NATS,
      useFactory: async (): Promise<NatsConnection | null> => {
        if (!options.uses.nats) return null;
        const nc = await connectNats(config.NATS_URL, options.app);
        void (async () => {
          for await (const status of nc.status()) log.info({ nats: status.type }, 'nats connection status');
        })();
        return nc;
      },
    };
    const subjectsProvider = {
      provide: SUBJECTS,
      inject: [NATS],
      useFactory: async (nc: NatsConnection | null) =>
        nc ? ensureJetStream(nc, config.SIMCLUST_REGION, config.SIMCLUST_ACCOUNT, { ackWaitMs: config.JETSTREAM_ACK_WAIT_MS }) : null,
    };

    return {
      module: RuntimeModule,
      imports: [
        OpsModule.forRoot({
          inject: [NATS],
          useFactory: (nc: NatsConnection | null) => ({
            registry,
            checks: {
              postgres: () => pingDatabase(db),
              ...(redis ? { redis: () => pingRedis(redis) } : {}),
              ...(nc ? { nats: () => pingJetStream(nc) } : {}),
            },
          }),
        }),
      ],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: log },
        { provide: METRICS, useValue: registry as Registry },
        { provide: DB, useValue: db },
        { provide: REDIS, useValue: redis },
        { provide: SECRET_BOX, useValue: new SecretBox(config.SECRETS_KEY) },
        natsProvider,
        subjectsProvider,
        RuntimeLifecycle,
      ],
      exports: [CONFIG, LOGGER, METRICS, DB, REDIS, NATS, SUBJECTS, SECRET_BOX],
    };
  }
}
