import { createHash, randomBytes, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** IMM's RequestId: an uppercase UUID. */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

/** IMM's EventId shape: three hex characters, a dash, 27 alphanumerics (e.g. `3BF-1UhtFyrua71eOkFlqYq23Co…`). */
export function newEventId(): string {
  const bytes = randomBytes(27);
  let tail = '';
  for (const b of bytes) tail += ALNUM[b % ALNUM.length];
  return `${randomBytes(2).toString('hex').slice(0, 3).toUpperCase()}-${tail}`;
}

export function newTaskId(taskType: string): string {
  return `${taskType}-${randomUUID()}`;
}

export function newClusterId(): string {
  return `SimilarImageCluster-${randomUUID()}`;
}

export function newEndpointId(): string {
  return `whep-${randomUUID()}`;
}

export function newDeliveryId(): string {
  return `whdl-${randomUUID()}`;
}

export function newAccessKeyId(): string {
  return `LTAI${randomBytes(10).toString('hex')}`;
}

export function newResourceId(): string {
  return randomUUID();
}

/** A file's ObjectId: 64 hex characters, stable for one URI in one dataset. */
export function fileObjectId(datasetId: string, uri: string): string {
  return createHash('sha256').update(datasetId).update('\u0000').update(uri).digest('hex');
}
