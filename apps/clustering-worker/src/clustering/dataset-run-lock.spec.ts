// Against the real Redis: the per-dataset run lock is exclusive, and only its holder releases it.
import { randomUUID } from 'node:crypto';
import { clusterRunLockKey } from '@simclust/contracts';
import { createRedis } from '@simclust/messaging';
import { DatasetRunLock } from './dataset-run-lock';

const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'dataset-run-lock-spec');
afterAll(() => redis.disconnect());

test('one holder per dataset; other datasets are independent; release frees it', async () => {
  const locks = new DatasetRunLock(redis);
  const dataset = randomUUID();
  const held = await locks.acquire(dataset);
  expect(held?.isHeld()).toBe(true);
  expect(await locks.acquire(dataset)).toBeNull();
  const other = await locks.acquire(randomUUID());
  expect(other).not.toBeNull();
  await held?.release();
  expect(held?.isHeld()).toBe(false);
  const again = await locks.acquire(dataset);
  expect(again).not.toBeNull();
  await again?.release();
  await other?.release();
});

test('a holder whose lock expired and was taken over does not release the new holder', async () => {
  const locks = new DatasetRunLock(redis);
  const dataset = randomUUID();
  const stale = await locks.acquire(dataset);
  // Simulates expiry: the key vanishes and another worker takes the dataset.
  await redis.del(clusterRunLockKey(dataset));
  const current = await locks.acquire(dataset);
  expect(current).not.toBeNull();
  await stale?.release();
  expect(await redis.exists(clusterRunLockKey(dataset))).toBe(1);
  await current?.release();
  expect(await redis.exists(clusterRunLockKey(dataset))).toBe(0);
});
