import { Inject, Injectable } from '@nestjs/common';
import { FileStatuses } from '@simclust/contracts';
import type { Db } from '@simclust/db';
import { DB } from '@simclust/runtime';

export interface ImageFile {
  id: string;
  uri: string;
}

@Injectable()
export class ImageFilesRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** The indexed file with this ObjectId in the named dataset, or null (unknown, deleted, failed or elsewhere). */
  findIndexed(projectName: string, datasetName: string, fileId: string): Promise<ImageFile | null> {
    return this.db.file.findFirst({
      where: { id: fileId, status: FileStatuses.Indexed, dataset: { name: datasetName, project: { name: projectName } } },
      select: { id: true, uri: true },
    });
  }
}
