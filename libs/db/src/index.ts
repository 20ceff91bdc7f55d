export { createDatabase, pingDatabase, type Db, type Tx } from './database';
export { Prisma, PrismaClient } from './generated/prisma/client';
export type {
  AccessKey,
  Dataset,
  File,
  FileFeature,
  Project,
  SimilarImageCluster,
  SimilarImageClusterMember,
  SimilarImageEdge,
  Task,
  WebhookDelivery,
  WebhookDeliveryAttempt,
  WebhookEndpoint,
} from './generated/prisma/client';
export { DeliveryStatus, FileStatus, TaskStatus } from './generated/prisma/enums';
