import { Redis } from 'ioredis';

/** One ioredis connection for BullMQ and counters: retries for ever, as BullMQ requires. */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}

/** True when Redis answers within a second (commands queue while it is down, so never wait on them). */
export async function pingRedis(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_000).unref());
  return Promise.race([redis.ping().then((r) => r === 'PONG', () => false), timeout]);
}
