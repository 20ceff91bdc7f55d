-- CreateEnum
CREATE TYPE "FileStatus" AS ENUM ('Pending', 'Indexed', 'Failed');

-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('Running', 'Succeeded', 'Failed');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('Pending', 'Succeeded', 'Failed', 'Disabled');

-- CreateTable
CREATE TABLE "Project" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "serviceRole" TEXT NOT NULL DEFAULT 'AliyunIMMDefaultRole',
    "templateId" TEXT,
    "projectMaxDatasetCount" BIGINT NOT NULL DEFAULT 1000000000,
    "datasetMaxFileCount" BIGINT NOT NULL DEFAULT 100000000,
    "datasetMaxTotalFileSize" BIGINT NOT NULL DEFAULT 90000000000000000,
    "projectQueriesPerSecond" INTEGER NOT NULL DEFAULT 100,
    "engineConcurrency" INTEGER NOT NULL DEFAULT 100,
    "tags" JSONB NOT NULL DEFAULT '[]',
    "webhookSecretEnc" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Dataset" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "templateId" TEXT,
    "datasetMaxBindCount" INTEGER NOT NULL DEFAULT 10,
    "datasetMaxFileCount" BIGINT NOT NULL DEFAULT 100000000,
    "datasetMaxEntityCount" BIGINT NOT NULL DEFAULT 10000000000,
    "datasetMaxRelationCount" BIGINT NOT NULL DEFAULT 100000000000,
    "datasetMaxTotalFileSize" BIGINT NOT NULL DEFAULT 90000000000000000,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "File" (
    "id" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "status" "FileStatus" NOT NULL DEFAULT 'Pending',
    "reason" TEXT,
    "customId" TEXT,
    "customLabels" JSONB NOT NULL DEFAULT '{}',
    "mediaType" TEXT,
    "contentType" TEXT,
    "filename" TEXT,
    "size" BIGINT,
    "fileHash" TEXT,
    "imageWidth" INTEGER,
    "imageHeight" INTEGER,
    "orientation" INTEGER,
    "imageScore" DOUBLE PRECISION,
    "scoreDetails" JSONB,
    "contentVersion" INTEGER NOT NULL DEFAULT 0,
    "clusteredVersion" INTEGER NOT NULL DEFAULT 0,
    "lastTaskId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "File_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FileFeature" (
    "fileId" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "descriptor" BYTEA NOT NULL,
    "verifier" BYTEA NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FileFeature_pkey" PRIMARY KEY ("fileId")
);

-- CreateTable
CREATE TABLE "SimilarImageCluster" (
    "id" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "customLabels" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SimilarImageCluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SimilarImageClusterMember" (
    "fileId" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,

    CONSTRAINT "SimilarImageClusterMember_pkey" PRIMARY KEY ("fileId")
);

-- CreateTable
CREATE TABLE "SimilarImageEdge" (
    "datasetId" TEXT NOT NULL,
    "fileA" TEXT NOT NULL,
    "fileB" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "SimilarImageEdge_pkey" PRIMARY KEY ("fileA","fileB")
);

-- CreateTable
CREATE TABLE "Task" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "datasetName" TEXT,
    "taskType" TEXT NOT NULL,
    "status" "TaskStatus" NOT NULL DEFAULT 'Running',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "code" TEXT,
    "message" TEXT,
    "tags" JSONB,
    "userData" TEXT,
    "requestId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "requestDefinition" JSONB NOT NULL,
    "notification" JSONB,
    "result" JSONB,
    "startTime" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endTime" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "eventPublishedAt" TIMESTAMP(3),

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookEndpoint" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "eventTypes" TEXT[],
    "description" TEXT,
    "secretEnc" TEXT NOT NULL,
    "disabledAt" TIMESTAMP(3),
    "disabledReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "endpointId" TEXT,
    "targetKey" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "taskId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'Pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDeliveryAttempt" (
    "id" TEXT NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status" "DeliveryStatus" NOT NULL,
    "responseCode" INTEGER,
    "latencyMs" INTEGER,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDeliveryAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessKey" (
    "id" TEXT NOT NULL,
    "secretEnc" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "description" TEXT,
    "policy" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "AccessKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Project_name_key" ON "Project"("name");

-- CreateIndex
CREATE INDEX "Project_createdAt_id_idx" ON "Project"("createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Dataset_projectId_name_key" ON "Dataset"("projectId", "name");

-- CreateIndex
CREATE INDEX "File_datasetId_status_idx" ON "File"("datasetId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "File_datasetId_uri_key" ON "File"("datasetId", "uri");

-- CreateIndex
CREATE INDEX "FileFeature_datasetId_idx" ON "FileFeature"("datasetId");

-- CreateIndex
CREATE INDEX "SimilarImageCluster_datasetId_updatedAt_id_idx" ON "SimilarImageCluster"("datasetId", "updatedAt", "id");

-- CreateIndex
CREATE INDEX "SimilarImageCluster_datasetId_createdAt_id_idx" ON "SimilarImageCluster"("datasetId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "SimilarImageClusterMember_clusterId_idx" ON "SimilarImageClusterMember"("clusterId");

-- CreateIndex
CREATE INDEX "SimilarImageEdge_fileB_idx" ON "SimilarImageEdge"("fileB");

-- CreateIndex
CREATE INDEX "SimilarImageEdge_datasetId_idx" ON "SimilarImageEdge"("datasetId");

-- CreateIndex
CREATE UNIQUE INDEX "Task_eventId_key" ON "Task"("eventId");

-- CreateIndex
CREATE INDEX "Task_projectId_startTime_idx" ON "Task"("projectId", "startTime");

-- CreateIndex
CREATE INDEX "Task_projectId_endTime_idx" ON "Task"("projectId", "endTime");

-- CreateIndex
CREATE INDEX "Task_projectId_taskType_status_idx" ON "Task"("projectId", "taskType", "status");

-- CreateIndex
CREATE INDEX "Task_expiresAt_idx" ON "Task"("expiresAt");

-- CreateIndex
CREATE INDEX "Task_status_idx" ON "Task"("status");

-- CreateIndex
CREATE INDEX "WebhookEndpoint_projectId_createdAt_id_idx" ON "WebhookEndpoint"("projectId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_projectId_taskId_idx" ON "WebhookDelivery"("projectId", "taskId");

-- CreateIndex
CREATE INDEX "WebhookDelivery_endpointId_idx" ON "WebhookDelivery"("endpointId");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_eventId_targetKey_key" ON "WebhookDelivery"("eventId", "targetKey");

-- CreateIndex
CREATE INDEX "WebhookDeliveryAttempt_createdAt_id_idx" ON "WebhookDeliveryAttempt"("createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDeliveryAttempt_deliveryId_attempt_key" ON "WebhookDeliveryAttempt"("deliveryId", "attempt");

-- CreateIndex
CREATE UNIQUE INDEX "AccessKey_secretHash_key" ON "AccessKey"("secretHash");

-- CreateIndex
CREATE INDEX "AccessKey_createdAt_id_idx" ON "AccessKey"("createdAt", "id");

-- AddForeignKey
ALTER TABLE "Dataset" ADD CONSTRAINT "Dataset_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "File" ADD CONSTRAINT "File_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FileFeature" ADD CONSTRAINT "FileFeature_fileId_fkey" FOREIGN KEY ("fileId") REFERENCES "File"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SimilarImageCluster" ADD CONSTRAINT "SimilarImageCluster_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SimilarImageClusterMember" ADD CONSTRAINT "SimilarImageClusterMember_fileId_fkey" FOREIGN KEY ("fileId") REFERENCES "File"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SimilarImageClusterMember" ADD CONSTRAINT "SimilarImageClusterMember_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "SimilarImageCluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SimilarImageEdge" ADD CONSTRAINT "SimilarImageEdge_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookEndpoint" ADD CONSTRAINT "WebhookEndpoint_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "WebhookEndpoint"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDeliveryAttempt" ADD CONSTRAINT "WebhookDeliveryAttempt_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "WebhookDelivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;
