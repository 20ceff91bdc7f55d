-- AlterTable
ALTER TABLE "File" ADD COLUMN     "seq" SERIAL NOT NULL;

-- AlterTable
ALTER TABLE "SimilarImageEdge" DROP CONSTRAINT "SimilarImageEdge_pkey",
DROP COLUMN "fileA",
ADD COLUMN     "fileA" INTEGER NOT NULL,
DROP COLUMN "fileB",
ADD COLUMN     "fileB" INTEGER NOT NULL,
ADD CONSTRAINT "SimilarImageEdge_pkey" PRIMARY KEY ("fileA", "fileB");

-- CreateIndex
CREATE UNIQUE INDEX "File_seq_key" ON "File"("seq");

-- CreateIndex
CREATE INDEX "File_datasetId_seq_idx" ON "File"("datasetId", "seq");

-- CreateIndex
CREATE INDEX "SimilarImageEdge_fileB_idx" ON "SimilarImageEdge"("fileB");

-- AddForeignKey
ALTER TABLE "SimilarImageEdge" ADD CONSTRAINT "SimilarImageEdge_fileA_fkey" FOREIGN KEY ("fileA") REFERENCES "File"("seq") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SimilarImageEdge" ADD CONSTRAINT "SimilarImageEdge_fileB_fkey" FOREIGN KEY ("fileB") REFERENCES "File"("seq") ON DELETE CASCADE ON UPDATE CASCADE;
