import { TASK_RETENTION_MS } from '@simclust/contracts';
import type { Db } from '@simclust/db';

export interface PurgeResult {
  tasks: number;
  deliveries: number;
}

/**
 * Deletes tasks past their retention (7 days from their start) and finished webhook deliveries as old, in batches
 * so no statement holds locks on a large backlog. `now` is the caller's clock.
 */
export async function purgeExpired(db: Db, now: Date, batchSize = 500): Promise<PurgeResult> {
  let tasks = 0;
  for (;;) {
    const n = await db.$executeRaw`DELETE FROM "Task" WHERE "id" IN (SELECT "id" FROM "Task" WHERE "expiresAt" <= ${now} LIMIT ${batchSize})`;
    tasks += n;
    if (n < batchSize) break;
  }
  const deliveriesBefore = new Date(now.getTime() - TASK_RETENTION_MS);
  let deliveries = 0;
  for (;;) {
    const n = await db.$executeRaw`DELETE FROM "WebhookDelivery" WHERE "id" IN (SELECT "id" FROM "WebhookDelivery" WHERE "status" <> 'Pending' AND "updatedAt" <= ${deliveriesBefore} LIMIT ${batchSize})`;
    deliveries += n;
    if (n < batchSize) break;
  }
  return { tasks, deliveries };
}
