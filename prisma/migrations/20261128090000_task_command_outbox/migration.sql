-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "command" JSONB,
ADD COLUMN     "commandPublishedAt" TIMESTAMP(3),
ADD COLUMN     "commandSubject" TEXT;
