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
