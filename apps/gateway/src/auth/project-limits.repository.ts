import { Inject, Injectable } from '@nestjs/common';
import type { Db } from '@simclust/db';
import { DB } from '@simclust/runtime';

@Injectable()
export class ProjectLimitsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** The project's ProjectQueriesPerSecond, or undefined when there is no such project. */
  async queriesPerSecond(projectName: string): Promise<number | undefined> {
    const project = await this.db.project.findUnique({ where: { name: projectName }, select: { projectQueriesPerSecond: true } });
    return project?.projectQueriesPerSecond;
  }
}
