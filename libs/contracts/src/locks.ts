/**
 * Postgres advisory lock held, for the rest of the transaction, by every transaction that rewrites a dataset's
 * clusters or edges (a clustering run's apply, DeleteFileMeta): `SELECT pg_advisory_xact_lock(hashtext($1))`.
 */
export function clusterWriteLockName(datasetId: string): string {
  return `simclust/cluster-writes/${datasetId}`;
}

/** Redis key of the lock that keeps a dataset to one running clustering job at a time. */
export function clusterRunLockKey(datasetId: string): string {
  return `simclust:cluster-run:${datasetId}`;
}

/**
 * BullMQ key prefix of one installation (region and account): like its durable consumers, its queues are its own,
 * so two installations or test stacks on one Redis never take each other's jobs.
 */
export function queuePrefix(region: string, account: string): string {
  return `bull:${region}:${account}`;
}
