import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { clusterRunLockKey } from '@simclust/contracts';
import { REDIS } from '@simclust/runtime';

/** Default TTL; the worker passes a shorter one when its job lock is shorter, so a dead worker's lock expires as soon. */
export const RUN_LOCK_TTL_MS = 30_000;

/** Injection token of the run lock's TTL in milliseconds. */
export const RUN_LOCK_TTL = Symbol('RUN_LOCK_TTL');

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
  private readonly ttlMs: number;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Optional() @Inject(RUN_LOCK_TTL) ttlMs?: number) {
    this.ttlMs = ttlMs ?? RUN_LOCK_TTL_MS;
  }

  async acquire(datasetId: string): Promise<HeldRunLock | null> {
    const key = clusterRunLockKey(datasetId);
    const token = randomUUID();
    const taken = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
    if (taken !== 'OK') return null;
    let held = true;
    const timer = setInterval(() => {
      this.redis.eval(RENEW, 1, key, token, String(this.ttlMs)).then(
        (renewed) => {
          if (renewed !== 1) held = false;
        },
        () => undefined,
      );
    }, Math.floor(this.ttlMs / 3));
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
