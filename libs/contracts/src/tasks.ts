export const TaskTypes = {
  IndexFileMeta: 'IndexFileMeta',
  SimilarImageClustering: 'SimilarImageClustering',
} as const;
export type TaskType = (typeof TaskTypes)[keyof typeof TaskTypes];
export const TASK_TYPES: readonly TaskType[] = Object.values(TaskTypes);

export const TaskStatuses = { Running: 'Running', Succeeded: 'Succeeded', Failed: 'Failed' } as const;
export type TaskStatus = (typeof TaskStatuses)[keyof typeof TaskStatuses];

/** IMM keeps task records for 7 days from their start. */
export const TASK_RETENTION_MS = 7 * 24 * 3600 * 1000;

export const FileStatuses = { Pending: 'Pending', Indexed: 'Indexed', Failed: 'Failed' } as const;
export type FileStatus = (typeof FileStatuses)[keyof typeof FileStatuses];

/** IMM's limits that simclust enforces. */
export const Limits = {
  userDataBytes: 2048,
  batchFiles: 100,
  batchUris: 100,
  maxResults: 100,
  descriptionChars: 256,
  nameChars: 128,
  eventTypes: 32,
} as const;

/** A project's rate limit when CreateProject does not set ProjectQueriesPerSecond (contract.md). */
export const DEFAULT_PROJECT_QUERIES_PER_SECOND = 100;
