import { ImmError } from '@simclust/contracts';
import type { Redis } from 'ioredis';

const REDIS_TIMEOUT_MS = 2_000;

/**
 * Runs a Redis command for the request path, or answers 503: the shared connection queues commands for ever
 * while Redis is down (BullMQ needs that), and an API call must not hang with them.
 */
export async function redisCall<T>(redis: Redis, what: string, command: (redis: Redis) => Promise<T>): Promise<T> {
  if (redis.status !== 'ready') throw ImmError.unavailable(`${what} (Redis is not connected)`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(ImmError.unavailable(`${what} (Redis did not answer)`)), REDIS_TIMEOUT_MS);
  });
  try {
    return await Promise.race([command(redis), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
