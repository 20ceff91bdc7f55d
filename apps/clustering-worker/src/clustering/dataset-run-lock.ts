import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { clusterRunLockKey } from '@simclust/contracts';
import { REDIS } from '@simclust/runtime';

const LOCK_TTL_MS = 30_000;
const RENEW_EVERY_MS = 10_000;

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface HeldRunLock {
  /** False once a renewal found the lock gone (e.g. Redis lost it): the run must not write. */
  isHeld(): boolean;
  release(): Promise<void>;
}

/**
 * One running clustering job per dataset: a Redis lock with a short TTL, renewed while the run lasts, so a
 * crashed worker's lock expires on its own.
 */
@Injectable()
export class DatasetRunLock {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async acquire(datasetId: string): Promise<HeldRunLock | null> {
    const key = clusterRunLockKey(datasetId);
    const token = randomUUID();
    const taken = await this.redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX');
    if (taken !== 'OK') return null;
    let held = true;
    const timer = setInterval(() => {
      this.redis.eval(RENEW, 1, key, token, String(LOCK_TTL_MS)).then(
        (renewed) => {
          if (renewed !== 1) held = false;
        },
        () => undefined,
      );
    }, RENEW_EVERY_MS);
    timer.unref();
    return {
      isHeld: () => held,
      release: async () => {
        clearInterval(timer);
        held = false;
        await this.redis.eval(RELEASE, 1, key, token);
      },
    };
  }
}
